namespace Fmri.Data.Stimuli;

/// <summary>
/// How images of one size become images of another: the project's one rule, used by every command that changes an
/// image's size, and recorded where it is applied.
/// <list type="bullet">
/// <item><see cref="Pad"/> (the default everywhere): centred on a black canvas without resampling (28 x 28 becomes 32 x 32
/// with 2 black pixels on each side); an image larger than the canvas is first shrunk, keeping its aspect ratio
/// (<see cref="StimulusImageSet.FitTo"/>). Decoding and evaluation compare decoded images with stimuli made this way.</item>
/// <item><see cref="Resize"/>: the centred square crop, resampled to the target size (bilinear with mipmaps), so the
/// object fills the frame. Choose it once, when writing the stimulus file (<c>decoding stimuli import --image-size N
/// --geometry resize</c>); every later command then reads images already at N x N and changes nothing.</item>
/// </list>
/// </summary>
public enum ImageGeometry
{
    Pad,
    Resize,
}

/// <summary>Names and application of <see cref="ImageGeometry"/>.</summary>
public static class ImageGeometries
{
    public const string PadName = "pad";
    public const string ResizeName = "resize";

    public static ImageGeometry Parse(string? name, string setting = "geometry") => name switch
    {
        null or PadName => ImageGeometry.Pad,
        ResizeName => ImageGeometry.Resize,
        _ => throw new InvalidSettingException(setting, $"'{name}'", $"is unknown; choose {PadName} or {ResizeName}"),
    };

    public static string Name(ImageGeometry geometry) => geometry == ImageGeometry.Resize ? ResizeName : PadName;

    /// <summary>The set at <paramref name="size"/> x <paramref name="size"/> by <paramref name="geometry"/>; the same set when already that size.</summary>
    public static StimulusImageSet Apply(StimulusImageSet set, int size, ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Height == size && set.Width == size) return set;
        if (geometry == ImageGeometry.Pad) return set.FitTo(size, size);
        int side = Math.Min(set.Height, set.Width);
        int top = (set.Height - side) / 2, left = (set.Width - side) / 2;
        int channels = set.Channels;
        var pixels = new byte[(long)set.Count * size * size * channels];
        for (int i = 0; i < set.Count; i++)
        {
            var image = set.Image(i);
            var square = new byte[side * side * channels];
            for (int y = 0; y < side; y++)
                image.Slice(((top + y) * set.Width + left) * channels, side * channels).CopyTo(square.AsSpan(y * side * channels));
            ImageResampling.Resize(square, side, side, channels, size, size).CopyTo(pixels.AsSpan(i * size * size * channels));
        }
        return new StimulusImageSet(pixels, set.Count, size, size, channels, set.StimulusIds, set.CategoryLabels, set.CategoryNames);
    }

    /// <summary>"28x28 padded to 32x32 (centred on black)" or "as stored (32x32)".</summary>
    public static string Describe(int fromHeight, int fromWidth, int size, ImageGeometry geometry) =>
        fromHeight == size && fromWidth == size ? $"as stored ({size}x{size})"
        : geometry == ImageGeometry.Pad ? $"{fromHeight}x{fromWidth} padded to {size}x{size} (centred on black, no resampling)"
        : $"{fromHeight}x{fromWidth} cropped to a centred square and resized to {size}x{size}";
}
