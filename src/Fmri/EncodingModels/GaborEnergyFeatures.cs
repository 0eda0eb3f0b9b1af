using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Fmri.EncodingModels;

/// <summary>
/// The image features of a Gabor-energy encoding model of early visual cortex (the Gabor wavelet pyramid of Kay et al.
/// 2008 and Naselaris et al. 2009): quadrature pairs of Gabor filters at <see cref="Orientations"/> orientations and
/// three spatial periods (W/8, W/4 and W/2 pixels at the working size W), the local energy sqrt(even² + odd²) of each,
/// averaged over square cells of W/8 pixels (the finest period also over cells of W/16), compressed by a square root
/// (compressive spatial summation with exponent 1/2, Kay et al. 2013), and the mean luminance of each coarse cell.
/// Images wider than <see cref="MaxWorkingSize"/> are averaged down to it first; 16-pixel images are resampled up to
/// <see cref="MinWorkingSize"/> (bilinear), so that the finest period is 4 working pixels and its odd filter does not
/// vanish at the sampling limit. The image is mirrored at its border before filtering (reflect padding), so uniform
/// light drives no filter anywhere, also where the coarsest filters reach past the border. Every step is
/// differentiable in the image, so a decoder can follow the model's gradient back to the pixels.
/// </summary>
public sealed class GaborEnergyFeatures : IDisposable
{
    /// <summary>Filter orientations, evenly spaced over 180 degrees.</summary>
    public const int Orientations = 4;

    /// <summary>The side the features are computed at, at most (larger images are averaged down).</summary>
    public const int MaxWorkingSize = 64;

    /// <summary>The side the features are computed at, at least (16-pixel images are resampled up).</summary>
    public const int MinWorkingSize = 32;

    private const double Epsilon = 1e-6;

    /// <summary>One filter bank per period: (2·Orientations, 1, k, k), the even filters first, then the odd ones.</summary>
    private readonly (Tensor Filters, long Padding)[] banks;

    /// <summary>The mirror padding P of every bank's filtering: the coarsest bank's half-width.</summary>
    private readonly long padding;

    /// <summary>The 2-D real FFT of every bank's filters laid out for cross-correlation on the padded image
    /// (<see cref="FilterSpectra"/>): (Banks · 2·Orientations, L, L/2 + 1), L = W + 2P.</summary>
    private readonly Tensor spectra;

    /// <summary>Whether images of side <paramref name="imageSize"/> can be described: 16, 32 or 48 pixels, or a multiple of 64.</summary>
    public static bool Supports(int imageSize) => imageSize >= 16 && (imageSize <= MaxWorkingSize ? imageSize % 16 == 0 : imageSize % MaxWorkingSize == 0);

    /// <summary>The working side for images of side <paramref name="imageSize"/>: the image's own, clamped to
    /// [<see cref="MinWorkingSize"/>, <see cref="MaxWorkingSize"/>].</summary>
    public static int WorkingSizeFor(int imageSize) => Math.Clamp(imageSize, MinWorkingSize, MaxWorkingSize);

    /// <param name="imageSize">Side S of the square images (see <see cref="Supports"/>).</param>
    public GaborEnergyFeatures(int imageSize)
    {
        if (!Supports(imageSize))
            throw new ArgumentException($"Gabor energy features: images of side {imageSize}; the side must be 16, 32, 48 or a multiple of {MaxWorkingSize}");
        int working = WorkingSizeFor(imageSize);
        ImageSize = imageSize;
        WorkingSize = working;
        Periods = [working / 8.0, working / 4.0, working / 2.0];
        banks = Periods.Select(Bank).ToArray();
        padding = banks.Max(b => b.Padding);
        spectra = FilterSpectra(banks, working + 2 * (int)padding);
        int coarse = Cells * Cells;
        FeatureCount = Periods.Count * Orientations * coarse + Orientations * (2 * Cells) * (2 * Cells) + coarse;
    }

    /// <summary>Side of the images the features take.</summary>
    public int ImageSize { get; }

    /// <summary>Side the filters run at.</summary>
    public int WorkingSize { get; }

    /// <summary>The filters' periods in working pixels, finest first.</summary>
    public IReadOnlyList<double> Periods { get; }

    /// <summary>Cells per side of the coarse grid (the finest period also has a grid twice as fine).</summary>
    public int Cells => 8;

    /// <summary>The quadrature filters of period <see cref="Periods"/>[<paramref name="index"/>]: (2·Orientations, 1, k, k),
    /// the even filters first, then the odd ones; owned by this object.</summary>
    public Tensor FilterBank(int index) => banks[index].Filters;

    /// <summary>Length of one image's feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>Features (N, <see cref="FeatureCount"/>) of images (N, C, S, S) in [0, 1]; colour images are averaged over channels.</summary>
    public Tensor Compute(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = WorkingLuminance(images);                                                          // (N, 1, W, W)
        long n = x.shape[0];
        int cell = WorkingSize / Cells;
        var energies = BankEnergies(x);
        var parts = new List<Tensor>();
        for (int b = 0; b < banks.Length; b++)
        {
            var energy = energies[b];                                                              // (N, O, W, W)
            parts.Add(nn.functional.avg_pool2d(energy, cell).add(Epsilon).sqrt().reshape(n, -1));  // (N, O·8·8)
            if (b == 0) parts.Add(nn.functional.avg_pool2d(energy, cell / 2).add(Epsilon).sqrt().reshape(n, -1)); // (N, O·16·16)
        }
        parts.Add(nn.functional.avg_pool2d(x, cell).reshape(n, -1));                                 // (N, 8·8) luminance
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The luminance (N, 1, W, W) the filters run on: images (N, C, S, S) in [0, 1] averaged over channels and
    /// brought to the working side.</summary>
    public Tensor WorkingLuminance(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] != ImageSize || images.shape[3] != ImageSize)
            throw new ArgumentException($"Gabor energy features: images ({string.Join(", ", images.shape)}); expected (N, C, {ImageSize}, {ImageSize})");
        using var scope = NewDisposeScope();
        var x = images.to(ScalarType.Float32).mean([1L], keepdim: true);                           // (N, 1, S, S) luminance
        if (ImageSize > WorkingSize) x = nn.functional.avg_pool2d(x, ImageSize / WorkingSize);     // (N, 1, W, W)
        else if (ImageSize < WorkingSize)
            x = nn.functional.interpolate(x, [WorkingSize, WorkingSize], mode: InterpolationMode.Bilinear, align_corners: false);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Channels of <see cref="EnergyMaps"/>: the energy of every period and orientation, then luminance.</summary>
    public int EnergyChannels => Periods.Count * Orientations + 1;

    /// <summary>
    /// The local energy sqrt(even² + odd²) of every filter pair at every working pixel, periods finest first and
    /// orientations fastest, followed by the luminance itself: (N, <see cref="EnergyChannels"/>, W, W) for images
    /// (N, C, S, S) in [0, 1]. Before any pooling; differentiable in the images.
    /// </summary>
    public Tensor EnergyMaps(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = WorkingLuminance(images);
        return cat([.. BankEnergies(x), x], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The local energy sqrt(even² + odd²) of each bank's filter pairs, (N, O, W, W) per bank, for the working
    /// luminance x (N, 1, W, W); tensors of the caller's dispose scope.</summary>
    private Tensor[] BankEnergies(Tensor x)
    {
        var responses = Responses(x);                                                              // (N, Banks·2·O, W, W)
        return Enumerable.Range(0, banks.Length).Select(b =>
        {
            var even = responses.narrow(1, 2 * Orientations * b, Orientations);
            var odd = responses.narrow(1, 2 * Orientations * b + Orientations, Orientations);
            return even.square().add(odd.square()).add(Epsilon).sqrt();
        }).ToArray();
    }

    /// <summary>
    /// Every bank's filter responses (N, Banks · 2·Orientations, W, W) at each pixel of the luminance images x (N, 1, W, W):
    /// the cross-correlation of the mirror-padded image with each filter, <c>conv2d(pad(x), filters)</c>, computed as a
    /// product of 2-D FFTs. The padded image has side L = W + 2P and the filters at most 2P + 1 taps, so the circular
    /// correlation's outputs at the W x W pixels of the original image never wrap around and equal the direct one's;
    /// this costs O(L² log L) per filter against O(W² k²) for the 33-tap coarsest filters.
    /// </summary>
    public Tensor Responses(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long p = padding, side = WorkingSize + 2 * padding;
        var mirrored = nn.functional.pad(x, [p, p, p, p], TorchSharp.PaddingModes.Reflect);     // P <= W/2 < W
        var product = fft.rfft2(mirrored).mul(spectra);                                           // (N, F, L, L/2 + 1)
        var circular = fft.irfft2(product, [side, side]);                                         // (N, F, L, L)
        return circular.narrow(2, p, WorkingSize).narrow(3, p, WorkingSize).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Each filter w (k = 2h + 1 taps) placed on an L x L grid at K[−a mod L, −b mod L] = w[a + h, b + h], so that
    /// the circular convolution with K is the cross-correlation with w; their 2-D real FFTs, in single precision.</summary>
    private static Tensor FilterSpectra((Tensor Filters, long Padding)[] banks, int side)
    {
        int count = banks.Sum(b => (int)b.Filters.shape[0]);
        var grid = new double[count * side * side];
        int f = 0;
        foreach (var (filters, half) in banks)
        {
            int size = (int)filters.shape[2], perFilter = size * size;
            float[] values = TorchDevice.HostArray<float>(filters.contiguous());
            for (int k = 0; k < filters.shape[0]; k++, f++)
                for (int a = -(int)half; a <= half; a++)
                    for (int b = -(int)half; b <= half; b++)
                    {
                        int row = ((-a) % side + side) % side, column = ((-b) % side + side) % side;
                        grid[(f * side + row) * side + column] = values[k * perFilter + (int)((a + half) * size + b + half)];
                    }
        }
        using var planes = tensor(grid, new long[] { count, side, side });
        return fft.rfft2(planes).to(ScalarType.ComplexFloat32);
    }

    /// <summary>
    /// The quadrature pair at each orientation θ for period p: an isotropic Gaussian envelope with σ = p / 2 on a
    /// (2⌊p⌉ + 1)² support times cos(2πu/p) (even) and sin(2πu/p) (odd), u = x cos θ + y sin θ; the even filter has
    /// the envelope-weighted mean removed so that it does not respond to uniform light; both have unit L2 norm.
    /// </summary>
    private static (Tensor Filters, long Padding) Bank(double period)
    {
        int half = (int)Math.Round(period), size = 2 * half + 1;
        double sigma = period / 2;
        var values = new float[2 * Orientations * size * size];
        for (int phase = 0; phase < 2; phase++)
            for (int o = 0; o < Orientations; o++)
            {
                double theta = Math.PI * o / Orientations;
                var envelope = new double[size * size];
                var filter = new double[size * size];
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < size; j++)
                    {
                        double y = i - half, x = j - half, u = x * Math.Cos(theta) + y * Math.Sin(theta);
                        envelope[i * size + j] = Math.Exp(-(x * x + y * y) / (2 * sigma * sigma));
                        filter[i * size + j] = envelope[i * size + j] * (phase == 0 ? Math.Cos(2 * Math.PI * u / period) : Math.Sin(2 * Math.PI * u / period));
                    }
                double dc = filter.Sum() / envelope.Sum();
                for (int k = 0; k < filter.Length; k++) filter[k] -= dc * envelope[k];
                double norm = Math.Sqrt(filter.Sum(v => v * v));
                int offset = (phase * Orientations + o) * size * size;
                for (int k = 0; k < filter.Length; k++) values[offset + k] = (float)(filter[k] / norm);
            }
        return (tensor(values, new long[] { 2 * Orientations, 1, size, size }), half);
    }

    public void Dispose()
    {
        foreach (var (filters, _) in banks) filters.Dispose();
        spectra.Dispose();
    }
}
