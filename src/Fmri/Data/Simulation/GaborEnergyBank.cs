namespace Fmri.Data.Simulation;

/// <summary>
/// Local contrast energy of a greyscale image in orientation and spatial-frequency channels: the modulus of the
/// response to a quadrature pair of Gabor filters (even = cosine, odd = sine phase), i.e. the complex Gabor
/// g(x, y) exp(i k.(x, y)) with an isotropic Gaussian envelope of sigma = period / 2 (about 1.1 octaves of bandwidth).
/// Such a filter is separable, so each channel is two 1-D complex convolutions. Pixels outside the image are zero.
/// Orientation is the direction of the carrier's wave vector (0 degrees: vertical stripes).
/// Output layout: (pixel, channel) with channels padded to <see cref="PaddedChannelCount"/> (a multiple of the SIMD width).
/// </summary>
public sealed class GaborEnergyBank
{
    private readonly float[][] kernelX; // per channel, interleaved (re, im) taps over t = -radius..radius
    private readonly float[][] kernelY;
    private readonly int[] radius;

    public GaborEnergyBank(int resolution, IReadOnlyList<double> cyclesPerField, int orientations)
    {
        if (resolution < 1) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "must be >= 1");
        if (orientations < 1) throw new ArgumentOutOfRangeException(nameof(orientations), orientations, "must be >= 1");
        Resolution = resolution;
        ChannelCount = orientations * cyclesPerField.Count;
        int lanes = System.Numerics.Vector<float>.Count;
        PaddedChannelCount = (ChannelCount + lanes - 1) / lanes * lanes;
        OrientationsDegrees = new double[ChannelCount];
        PeriodsPixels = new double[ChannelCount];
        kernelX = new float[ChannelCount][];
        kernelY = new float[ChannelCount][];
        radius = new int[ChannelCount];
        int c = 0;
        foreach (double cycles in cyclesPerField)
        {
            double period = resolution / cycles;
            for (int o = 0; o < orientations; o++, c++)
            {
                double theta = Math.PI * o / orientations;
                OrientationsDegrees[c] = 180.0 * o / orientations;
                PeriodsPixels[c] = period;
                double k = 2 * Math.PI / period, sigma = period / 2;
                radius[c] = (int)Math.Ceiling(3 * sigma);
                kernelX[c] = Kernel(radius[c], sigma, k * Math.Cos(theta));
                kernelY[c] = Kernel(radius[c], sigma, k * Math.Sin(theta));
            }
        }
    }

    public int Resolution { get; }

    /// <summary>Orientations x spatial frequencies, orientation fastest.</summary>
    public int ChannelCount { get; }

    /// <summary>Channel stride of the output (zero-filled beyond <see cref="ChannelCount"/>).</summary>
    public int PaddedChannelCount { get; }

    /// <summary>Orientation of each channel, degrees.</summary>
    public double[] OrientationsDegrees { get; }

    /// <summary>Carrier period of each channel, pixels.</summary>
    public double[] PeriodsPixels { get; }

    /// <summary>
    /// Energy of <paramref name="image"/> (Resolution x Resolution, row-major) into <paramref name="energy"/>
    /// (Resolution^2 x PaddedChannelCount). <paramref name="scratch"/> must hold 4 * Resolution^2 floats.
    /// </summary>
    public void Compute(ReadOnlySpan<float> image, Span<float> energy, Span<float> scratch)
    {
        int r = Resolution, pixels = r * r;
        if (image.Length != pixels) throw new ArgumentException($"image: has {image.Length} pixels, expected {r} x {r}", nameof(image));
        if (energy.Length != pixels * PaddedChannelCount) throw new ArgumentException($"energy: has {energy.Length} values, expected {pixels} x {PaddedChannelCount}", nameof(energy));
        if (scratch.Length < 4 * pixels) throw new ArgumentException($"scratch: needs {4 * pixels} floats", nameof(scratch));
        energy.Clear();
        var rowRe = scratch[..pixels];
        var rowIm = scratch.Slice(pixels, pixels);
        for (int c = 0; c < ChannelCount; c++)
        {
            int rad = radius[c];
            var hx = kernelX[c];
            var hy = kernelY[c];
            // 1. Along rows: A(y, x) = sum_t I(y, x + t) hx(t).
            for (int y = 0; y < r; y++)
            {
                for (int x = 0; x < r; x++)
                {
                    float re = 0, im = 0;
                    int t0 = Math.Max(-rad, -x), t1 = Math.Min(rad, r - 1 - x);
                    for (int t = t0; t <= t1; t++)
                    {
                        float v = image[y * r + x + t];
                        re += v * hx[2 * (t + rad)];
                        im += v * hx[2 * (t + rad) + 1];
                    }
                    rowRe[y * r + x] = re;
                    rowIm[y * r + x] = im;
                }
            }
            // 2. Along columns: C(y, x) = sum_t A(y + t, x) hy(t) (complex product); energy = |C|.
            for (int y = 0; y < r; y++)
            {
                int t0 = Math.Max(-rad, -y), t1 = Math.Min(rad, r - 1 - y);
                for (int x = 0; x < r; x++)
                {
                    float re = 0, im = 0;
                    for (int t = t0; t <= t1; t++)
                    {
                        int p = (y + t) * r + x;
                        float kr = hy[2 * (t + rad)], ki = hy[2 * (t + rad) + 1];
                        re += rowRe[p] * kr - rowIm[p] * ki;
                        im += rowRe[p] * ki + rowIm[p] * kr;
                    }
                    energy[(y * r + x) * PaddedChannelCount + c] = MathF.Sqrt(re * re + im * im);
                }
            }
        }
    }

    /// <summary>1-D complex Gabor taps g(t) exp(i k t), with the Gaussian normalised to sum 1.</summary>
    private static float[] Kernel(int radius, double sigma, double k)
    {
        var taps = new float[2 * (2 * radius + 1)];
        double norm = 0;
        for (int t = -radius; t <= radius; t++) norm += Math.Exp(-t * t / (2 * sigma * sigma));
        for (int t = -radius; t <= radius; t++)
        {
            double g = Math.Exp(-t * t / (2 * sigma * sigma)) / norm;
            taps[2 * (t + radius)] = (float)(g * Math.Cos(k * t));
            taps[2 * (t + radius) + 1] = (float)(g * Math.Sin(k * t));
        }
        return taps;
    }
}
