using Fmri.Data.Stimuli;

namespace Decoding.Metrics;

/// <summary>
/// Where a stimulus sits on the decoder's square canvas, so pixel metrics are computed at the stimulus's own geometry
/// (a 28 x 28 image zero-padded to 32 x 32 is compared on its 28 x 28, not with the padding, which every image shares
/// and which inflates correlations). The canvas is made as <see cref="StimulusImageSet.FitTo"/> makes it: an image that
/// fits is centred without resampling; a larger one is first shrunk (aspect ratio kept) and then centred.
/// </summary>
/// <param name="Canvas">Side of the decoded images.</param>
/// <param name="Height">The stimulus's native height.</param>
/// <param name="Width">The stimulus's native width.</param>
/// <param name="Rule">How a decoded image is brought back to the native geometry, in words (recorded in metrics.json).</param>
public sealed record NativeGeometry(int Canvas, int Height, int Width, string Rule)
{
    /// <summary>Top-left corner and size of the stimulus's region on the canvas.</summary>
    public NativeRegion Region
    {
        get
        {
            int h = Height, w = Width;
            if (h > Canvas || w > Canvas)
            {
                double scale = Math.Min((double)Canvas / h, (double)Canvas / w);
                h = Math.Clamp((int)Math.Round(h * scale), 1, Canvas);
                w = Math.Clamp((int)Math.Round(w * scale), 1, Canvas);
            }
            return new NativeRegion((Canvas - h) / 2, (Canvas - w) / 2, h, w);
        }
    }

    /// <summary>True when the canvas is the native geometry (nothing to undo).</summary>
    public bool IsIdentity => Height == Canvas && Width == Canvas;

    public static NativeGeometry For(int canvas, int height, int width)
    {
        string rule = height == canvas && width == canvas
            ? $"none: the stimuli are {height}x{width}, the decoder's canvas"
            : height <= canvas && width <= canvas
                ? $"the {height}x{width} stimulus was centred on the decoder's {canvas}x{canvas} canvas with zero padding; decoded images are cropped to that {height}x{width} region"
                : $"the {height}x{width} stimulus was shrunk to fit the decoder's {canvas}x{canvas} canvas; decoded images are cropped to the shrunk region and resized (bilinear) to {height}x{width}";
        return new NativeGeometry(canvas, height, width, rule);
    }

    /// <summary>A canvas image (Canvas x Canvas) at the native geometry.</summary>
    public ImageTensor ToNative(ImageTensor image)
    {
        var crop = ToRegion(image);
        if (crop.Height == Height && crop.Width == Width) return crop;
        var (h, w, c) = (crop.Height, crop.Width, crop.Channels);
        var bytes = crop.Pixels.Select(p => (byte)Math.Clamp(Math.Round(p * 255), 0, 255)).ToArray();
        var resized = ImageResampling.Resize(bytes, h, w, c, Height, Width);
        return new ImageTensor(Height, Width, c, resized.Select(b => b / 255f).ToArray());
    }

    /// <summary>The stimulus's region cut from a canvas image (Canvas x Canvas), not resized: the native geometry when the
    /// stimulus was only padded, its shrunk copy when it was larger than the canvas. Validation scores on training
    /// stimuli compare images this way, since only the canvas copy of those stimuli is at hand.</summary>
    public ImageTensor ToRegion(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Height != Canvas || image.Width != Canvas) throw new ArgumentException($"native geometry: image is {image.Height}x{image.Width}, the canvas {Canvas}x{Canvas}");
        if (IsIdentity) return image;
        var (top, left, h, w) = Region;
        int c = image.Channels;
        var crop = new float[h * w * c];
        for (int y = 0; y < h; y++)
            Array.Copy(image.Pixels, ((top + y) * Canvas + left) * c, crop, y * w * c, w * c);
        return new ImageTensor(h, w, c, crop);
    }
}

/// <summary>Where the stimulus sits on the canvas: top-left corner and size, in canvas pixels.</summary>
public readonly record struct NativeRegion(int Top, int Left, int Height, int Width);
