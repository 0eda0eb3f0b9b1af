namespace Decoding.Metrics;

/// <summary>
/// An image as the evaluation metrics take it: a plain managed array in height x width x channels (HWC)
/// order, row-major, values in [0, 1]. Pixel (y, x, c) is <c>Pixels[(y * Width + x) * Channels + c]</c>.
/// Channels is 1 (greyscale) or 3 (RGB). The array is not copied: do not change it while a metric runs.
/// A class rather than a record: record equality would compare the pixel array by reference, which is
/// not what "equal images" means.
/// </summary>
public sealed class ImageTensor
{
    /// <summary>ITU-R BT.601 luma weights (Y' = 0.299 R + 0.587 G + 0.114 B), the greyscale conversion
    /// the metrics use (the same weights as PIL's <c>convert("L")</c> and MATLAB's <c>rgb2gray</c>).</summary>
    public const double LumaRed = 0.299, LumaGreen = 0.587, LumaBlue = 0.114;

    /// <param name="height">Rows, at least 1.</param>
    /// <param name="width">Columns, at least 1.</param>
    /// <param name="channels">1 (greyscale) or 3 (RGB).</param>
    /// <param name="pixels">height * width * channels finite values in [0, 1], HWC order.</param>
    /// <exception cref="ArgumentException">A size is invalid, the array length does not match, or a value is
    /// outside [0, 1] (for instance 0..255 bytes passed by mistake).</exception>
    public ImageTensor(int height, int width, int channels, float[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height < 1) throw new ArgumentException($"height must be at least 1, got {height}", nameof(height));
        if (width < 1) throw new ArgumentException($"width must be at least 1, got {width}", nameof(width));
        if (channels != 1 && channels != 3) throw new ArgumentException($"channels must be 1 or 3, got {channels}", nameof(channels));
        long expected = (long)height * width * channels;
        if (pixels.Length != expected)
            throw new ArgumentException($"pixels has {pixels.Length} values; a {height}x{width}x{channels} image needs {expected}", nameof(pixels));
        for (int i = 0; i < pixels.Length; i++)
        {
            float v = pixels[i];
            if (!(v >= 0f && v <= 1f))
                throw new ArgumentException($"pixels[{i}] = {v} is outside [0, 1] (images are HWC floats in [0, 1])", nameof(pixels));
        }
        Height = height;
        Width = width;
        Channels = channels;
        Pixels = pixels;
    }

    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }

    /// <summary>Height * Width * Channels values in HWC order.</summary>
    public float[] Pixels { get; }

    /// <summary>The value at row <paramref name="y"/>, column <paramref name="x"/>, channel <paramref name="c"/>.</summary>
    public float this[int y, int x, int c] => Pixels[(y * Width + x) * Channels + c];

    /// <summary>Greyscale luma plane (Height * Width, row-major) in double precision: the pixels themselves for
    /// a one-channel image, BT.601 luma for RGB.</summary>
    public double[] ToLuma() => ToGrey(LumaRed, LumaGreen, LumaBlue);

    /// <summary>scikit-image's <c>rgb2gray</c> weights (ITU-R BT.709: 0.2125 R + 0.7154 G + 0.0721 B), the greyscale
    /// MindEye's and Brain-Diffuser's evaluation code takes before its SSIM.</summary>
    public const double Rgb2GrayRed = 0.2125, Rgb2GrayGreen = 0.7154, Rgb2GrayBlue = 0.0721;

    /// <summary>Greyscale plane (Height * Width, row-major) as scikit-image's <c>rgb2gray</c> makes it: the pixels
    /// themselves for a one-channel image, BT.709 weights for RGB.</summary>
    public double[] ToRgb2Gray() => ToGrey(Rgb2GrayRed, Rgb2GrayGreen, Rgb2GrayBlue);

    /// <summary>The greyscale plane (Height * Width, row-major) in double precision: the pixels themselves for a
    /// one-channel image, red * r + green * g + blue * b for RGB.</summary>
    private double[] ToGrey(double red, double green, double blue)
    {
        var grey = new double[Height * Width];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = Channels == 1 ? Pixels[i] : red * Pixels[3 * i] + green * Pixels[3 * i + 1] + blue * Pixels[3 * i + 2];
        return grey;
    }

    /// <summary>True when both images have the same height, width and channel count.</summary>
    public bool SameShapeAs(ImageTensor other) => Height == other.Height && Width == other.Width && Channels == other.Channels;

    public override string ToString() => $"ImageTensor({Height}x{Width}x{Channels})";
}
