using Fmri.Data.Simulation;

namespace Fmri.Tests.Data.Simulation;

public class ReceptiveFieldAndEnergyTests
{
    [Fact]
    public void Prf_weights_integrate_the_gaussian_over_pixels()
    {
        // Centre 14, sigma 2: the kept pixels are those touching [14 - 7, 14 + 7], i.e. pixels 7..21 = [7, 22) =
        // [-3.5 sigma, +4 sigma] along each axis: Phi(4) - Phi(-3.5) = 0.999968 - 0.000233 = 0.999736, squared 0.999471.
        var (_, inside) = PopulationReceptiveField.PixelWeights(14.0, 14.0, 2.0, 28);
        Assert.Equal(0.999471, inside.Sum(), 4);
        // Centred on the left edge, the Gaussian left of the image is lost: columns [0, 8) = [0, 4 sigma] give
        // Phi(4) - 0.5 = 0.499968; rows as above 0.999736; product 0.499836.
        var (_, edge) = PopulationReceptiveField.PixelWeights(0.0, 14.0, 2.0, 28);
        Assert.Equal(0.499836, edge.Sum(), 4);
        // A pRF much smaller than a pixel, centred on pixel (row 5, column 9), puts all its weight there.
        var (pixels, weights) = PopulationReceptiveField.PixelWeights(9.5, 5.5, 0.05, 28);
        Assert.Equal(5 * 28 + 9, pixels[Array.IndexOf(weights, weights.Max())]);
        Assert.Equal(1.0, weights.Max(), 6);
        // Entirely outside the image: no pixels.
        Assert.Empty(PopulationReceptiveField.PixelWeights(-20, 5, 1, 28).Pixels);
    }

    [Fact]
    public void Gabor_energy_of_a_grating_peaks_in_the_matching_channel()
    {
        // Image 0.5 + 0.5 cos(2 pi x / 4): vertical stripes of period 4 px. The matching channel (orientation 0,
        // period 4, Gaussian envelope normalised to sum 1, sigma = 2) responds with modulus
        // |0.5 G(k) + 0.25 (1 + G(2k))| where G(f) = exp(-f^2 sigma^2 / 2) is the envelope's transfer function:
        // G(k) = exp(-(pi/2)^2 * 2) = 0.0072, G(2k) = exp(-pi^2 * 2) ~ 3e-9, so about 0.25 + 0.0036 = 0.2536 (sampled
        // Gaussian sums differ from the continuous ones by < 1e-3 here). The orthogonal channel sees only the mean
        // 0.5 through its DC leak 0.5 G(k) = 0.0036 and a residual of the grating.
        const int r = 28;
        var bank = new GaborEnergyBank(r, [7.0, 3.5], 4);
        Assert.Equal(8, bank.ChannelCount);
        Assert.Equal(new[] { 0.0, 45, 90, 135, 0, 45, 90, 135 }, bank.OrientationsDegrees);
        Assert.Equal(new[] { 4.0, 4, 4, 4, 8, 8, 8, 8 }, bank.PeriodsPixels);
        var image = new float[r * r];
        for (int y = 0; y < r; y++)
            for (int x = 0; x < r; x++)
                image[y * r + x] = (float)(0.5 + 0.5 * Math.Cos(2 * Math.PI * x / 4));
        var energy = new float[r * r * bank.PaddedChannelCount];
        bank.Compute(image, energy, new float[4 * r * r]);
        int centre = (14 * r + 14) * bank.PaddedChannelCount;
        Assert.Equal(0.2536, energy[centre + 0], 2);
        Assert.True(energy[centre + 2] < 0.01, $"orthogonal channel {energy[centre + 2]}");
        Assert.True(energy[centre + 4] < 0.05, $"period-8 channel {energy[centre + 4]}");
        Assert.Equal(0, energy[centre + 0] < energy[centre + 1] ? 1 : 0);
    }
}
