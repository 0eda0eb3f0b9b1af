namespace Fmri.Data.Stimuli;

/// <summary>
/// The images shown in an experiment: uint8 pixels (Count, Height, Width, Channels) row-major, one stimulus id
/// and one category label per image, and the category names. Channels is 1 (greyscale) or 3 (RGB).
/// Stored on disk by <see cref="StimulusImageFile"/>. Immutable by convention.
/// </summary>
public sealed class StimulusImageSet
{
    private readonly Dictionary<StimulusId, int> indexById;

    /// <exception cref="ArgumentException">Sizes disagree, a label is outside the category names, or an id repeats.</exception>
    public StimulusImageSet(byte[] pixels, int count, int height, int width, int channels,
        StimulusId[] stimulusIds, int[] categoryLabels, IReadOnlyList<string> categoryNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(stimulusIds);
        ArgumentNullException.ThrowIfNull(categoryLabels);
        ArgumentNullException.ThrowIfNull(categoryNames);
        if (count < 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"image set shape {count} x {height} x {width} must have a non-negative count and positive sizes");
        if (channels is not (1 or 3))
            throw new ArgumentException($"channels: {channels} is not supported; use 1 (greyscale) or 3 (RGB)", nameof(channels));
        if (pixels.LongLength != (long)count * height * width * channels)
            throw new ArgumentException($"pixels: has {pixels.LongLength} values, expected {count} x {height} x {width} x {channels}", nameof(pixels));
        if (stimulusIds.Length != count)
            throw new ArgumentException($"stimulusIds: has {stimulusIds.Length} entries for {count} images", nameof(stimulusIds));
        if (categoryLabels.Length != count)
            throw new ArgumentException($"categoryLabels: has {categoryLabels.Length} entries for {count} images", nameof(categoryLabels));
        for (int i = 0; i < count; i++)
        {
            int label = categoryLabels[i];
            if (label < -1 || (label >= 0 && categoryNames.Count > 0 && label >= categoryNames.Count))
                throw new ArgumentException($"categoryLabels: image {i} has label {label}, outside -1..{categoryNames.Count - 1}", nameof(categoryLabels));
        }
        indexById = new Dictionary<StimulusId, int>(count);
        for (int i = 0; i < count; i++)
        {
            if (!indexById.TryAdd(stimulusIds[i], i))
                throw new ArgumentException($"stimulusIds: '{stimulusIds[i]}' appears more than once (images {indexById[stimulusIds[i]]} and {i})", nameof(stimulusIds));
        }
        Pixels = pixels;
        Count = count;
        Height = height;
        Width = width;
        Channels = channels;
        StimulusIds = stimulusIds;
        CategoryLabels = categoryLabels;
        CategoryNames = categoryNames;
    }

    /// <summary>Pixels, row-major (Count, Height, Width, Channels).</summary>
    public byte[] Pixels { get; }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>1 (greyscale) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>Number of bytes of one image (Height * Width * Channels).</summary>
    public int ImageLength => Height * Width * Channels;

    /// <summary>Stimulus id of each image; unique within the set.</summary>
    public StimulusId[] StimulusIds { get; }

    /// <summary>Category of each image: an index into <see cref="CategoryNames"/>, or -1 when unknown.</summary>
    public int[] CategoryLabels { get; }

    public IReadOnlyList<string> CategoryNames { get; }

    /// <summary>The pixels of one image, (Height, Width, Channels) row-major.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the set holds {Count} images");
        return Pixels.AsSpan(index * ImageLength, ImageLength);
    }

    /// <summary>The index of the image with this stimulus id, or -1 when the set does not hold it.</summary>
    public int Find(StimulusId id) => indexById.TryGetValue(id, out int index) ? index : -1;

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public StimulusImageSet Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[(long)indices.Count * ImageLength];
        var ids = new StimulusId[indices.Count];
        var labels = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Image(indices[k]).CopyTo(pixels.AsSpan(k * ImageLength, ImageLength));
            ids[k] = StimulusIds[indices[k]];
            labels[k] = CategoryLabels[indices[k]];
        }
        return new StimulusImageSet(pixels, indices.Count, Height, Width, Channels, ids, labels, CategoryNames);
    }

    /// <summary>
    /// Images of exactly <paramref name="height"/> x <paramref name="width"/>: an image that fits is centred on a
    /// zero (black) canvas without resampling (28x28 Fashion-MNIST becomes 32x32 with 2 px on each side); a larger
    /// image is first shrunk, keeping its aspect ratio, until it fits.
    /// </summary>
    public StimulusImageSet FitTo(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"target size {height} x {width} must be positive");
        if (height == Height && width == Width) return this;
        var pixels = new byte[(long)Count * height * width * Channels];
        for (int i = 0; i < Count; i++)
        {
            var fitted = ImageResampling.FitAndPad(Image(i), Height, Width, Channels, height, width);
            fitted.CopyTo(pixels.AsSpan(i * height * width * Channels, height * width * Channels));
        }
        return new StimulusImageSet(pixels, Count, height, width, Channels, StimulusIds, CategoryLabels, CategoryNames);
    }

    /// <summary>
    /// The images resampled to exactly <paramref name="height"/> x <paramref name="width"/> (bilinear with mipmaps, no
    /// padding; the aspect ratio changes when the shapes differ). The same set when the size already matches.
    /// </summary>
    public StimulusImageSet ResizeTo(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"target size {height} x {width} must be positive");
        if (height == Height && width == Width) return this;
        int length = height * width * Channels;
        var pixels = new byte[(long)Count * length];
        for (int i = 0; i < Count; i++)
            ImageResampling.Resize(Image(i).ToArray(), Height, Width, Channels, height, width).CopyTo(pixels.AsSpan(i * length, length));
        return new StimulusImageSet(pixels, Count, height, width, Channels, StimulusIds, CategoryLabels, CategoryNames);
    }

    /// <summary>The 32 x 32 images the diffusion side works on (see <see cref="FitTo"/>).</summary>
    public StimulusImageSet ForDiffusion() => FitTo(32, 32);

    /// <summary>The same images with one greyscale channel (ITU-R BT.601 luma: 0.299 R + 0.587 G + 0.114 B).</summary>
    public StimulusImageSet ToGreyscale()
    {
        if (Channels == 1) return this;
        int pixelCount = Count * Height * Width;
        var grey = new byte[pixelCount];
        for (int i = 0; i < pixelCount; i++)
            grey[i] = ImageResampling.Luma(Pixels[3 * i], Pixels[3 * i + 1], Pixels[3 * i + 2]);
        return new StimulusImageSet(grey, Count, Height, Width, 1, StimulusIds, CategoryLabels, CategoryNames);
    }

    /// <summary>Reads a stimulus image file written by <see cref="Write"/> (see <see cref="StimulusImageFile"/>).</summary>
    public static StimulusImageSet Read(string path) => StimulusImageFile.Read(path);

    /// <summary>Writes the set atomically to an HDF5 file (see <see cref="StimulusImageFile"/>).</summary>
    public void Write(string path) => StimulusImageFile.Write(this, path);
}
