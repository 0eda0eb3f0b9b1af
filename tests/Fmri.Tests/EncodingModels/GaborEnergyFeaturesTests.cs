using Fmri.EncodingModels;
using static TorchSharp.torch;

namespace Fmri.Tests.EncodingModels;

/// <summary>The Gabor-energy features the encoding models are built on: orientation and period selectivity, phase
/// invariance, no response to uniform light, the FFT filtering against direct convolution, the sides they take.</summary>
public sealed class GaborEnergyFeaturesTests
{
    /// <summary>A size x size sinusoidal grating in [0, 1]: 0.5 + 0.4 cos(2π u / period + phase), u along <paramref name="degrees"/>.</summary>
    private static Tensor Grating(double degrees, double period, double phase, int size = 32)
    {
        var values = new float[size * size];
        double theta = degrees * Math.PI / 180;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
                values[i * size + j] = (float)(0.5 + 0.4 * Math.Cos(2 * Math.PI * (j * Math.Cos(theta) + i * Math.Sin(theta)) / period + phase));
        return tensor(values, new long[] { 1, 1, size, size });
    }

    /// <summary>The mean coarse-grid energy feature of each (period, orientation) channel over the central 4x4 cells.</summary>
    private static double[,] ChannelEnergy(GaborEnergyFeatures features, Tensor image)
    {
        using var f = features.Compute(image);
        var values = f.data<float>().ToArray();
        int cells = features.Cells, perChannel = cells * cells;
        var energy = new double[features.Periods.Count, GaborEnergyFeatures.Orientations];
        for (int b = 0; b < features.Periods.Count; b++)
        {
            // The finest period's block is followed by its fine grid (O x 16 x 16).
            int offset = b * GaborEnergyFeatures.Orientations * perChannel + (b > 0 ? GaborEnergyFeatures.Orientations * 4 * perChannel : 0);
            for (int o = 0; o < GaborEnergyFeatures.Orientations; o++)
            {
                double sum = 0;
                for (int r = 2; r < 6; r++)
                    for (int c = 2; c < 6; c++) sum += values[offset + o * perChannel + r * cells + c];
                energy[b, o] = sum / 16;
            }
        }
        return energy;
    }

    [Theory]
    [InlineData(0, 8.0, 1, 0, 32)]     // vertical bars, period 8 = W/4: the middle period, orientation 0°
    [InlineData(90, 4.0, 0, 2, 32)]    // horizontal bars, period 4 = W/8: the finest period, orientation 90°
    [InlineData(45, 8.0, 1, 1, 32)]    // 45°
    [InlineData(0, 4.0, 1, 0, 16)]     // a 16-pixel image runs at 32 working pixels: its 4-pixel period is the middle band (8 working pixels)
    [InlineData(90, 4.0, 1, 2, 16)]    // (a 2-pixel grating a quarter period along is uniform grey once sampled, so the finest band has no such case)
    public void AGratingDrivesTheChannelOfItsOrientationAndPeriodWhateverItsPhase(double degrees, double period, int band, int orientation, int size)
    {
        using var features = new GaborEnergyFeatures(size);
        Assert.Equal(new[] { 4.0, 8.0, 16.0 }, features.Periods);
        Assert.Equal(32, features.WorkingSize);
        Assert.Equal(3 * 4 * 64 + 4 * 256 + 64, features.FeatureCount);
        using var grating = Grating(degrees, period, 0, size);
        using var shifted = Grating(degrees, period, Math.PI / 2, size);   // a quarter period along: the quadrature pair's energy is the same
        var energy = ChannelEnergy(features, grating);
        var energyShifted = ChannelEnergy(features, shifted);
        for (int b = 0; b < features.Periods.Count; b++)
            for (int o = 0; o < GaborEnergyFeatures.Orientations; o++)
                if ((b, o) != (band, orientation))
                    Assert.True(energy[b, o] < 0.8 * energy[band, orientation], $"channel ({b}, {o}) {energy[b, o]:F3} against ({band}, {orientation}) {energy[band, orientation]:F3}");
        Assert.Equal(energy[band, orientation], energyShifted[band, orientation], 0.03 * energy[band, orientation]);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    public void UniformLightDrivesNoFilterInAnyCellAndTheFeatureCountIsWhatComputeReturns(int size)
    {
        using var features = new GaborEnergyFeatures(size);
        using var grey = full(1, 1, size, size, 0.7f);
        var values = features.Compute(grey).data<float>().ToArray();
        Assert.Equal(features.FeatureCount, values.Length);
        int energyFeatures = features.FeatureCount - 64;
        // Zero filter response leaves sqrt(sqrt(1e-6) + 1e-6) (the energy's and the compression's epsilons) in every
        // cell of every band, the border cells included: the image is mirrored, not padded with black.
        double floor = Math.Sqrt(Math.Sqrt(1e-6) + 1e-6);
        Assert.All(values.Take(energyFeatures), v => Assert.Equal(floor, v, 1e-3));
        Assert.All(values.Skip(energyFeatures), v => Assert.Equal(0.7, v, 1e-5));   // the luminance cells
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(128)]
    public void TheFftFilteringEqualsTheDirectConvolutionOfTheMirroredImageAndSoDoItsGradients(int size)
    {
        // The reference: each bank's filters run by conv2d over the image mirrored by the bank's own half-width, the
        // textbook form (the FFT path pads every bank by the coarsest half-width and filters in the frequency domain).
        using var features = new GaborEnergyFeatures(size);
        int w = features.WorkingSize;
        using var generator = new TorchSharp.torch.Generator(7);
        using var image = rand(new long[] { 3, 1, w, w }, generator: generator);
        Tensor Direct(Tensor x) => cat(Enumerable.Range(0, features.Periods.Count).Select(b =>
        {
            var filters = features.FilterBank(b);
            long half = filters.shape[2] / 2;
            return nn.functional.conv2d(nn.functional.pad(x, [half, half, half, half], TorchSharp.PaddingModes.Reflect), filters);
        }).ToArray(), 1);
        var leafFft = image.detach().requires_grad_(true);
        var leafDirect = image.detach().requires_grad_(true);
        using var fftResponses = features.Responses(leafFft);
        using var direct = Direct(leafDirect);
        Assert.Equal(direct.shape, fftResponses.shape);
        Assert.Equal(3 * 2 * GaborEnergyFeatures.Orientations, direct.shape[1]);
        double scale = direct.abs().max().item<float>();
        Assert.True(fftResponses.sub(direct).abs().max().item<float>() < 1e-5 * Math.Max(1, scale));
        // Any weighting of the responses: the same gradient at the pixels.
        using var weights = randn(direct.shape, generator: generator);
        fftResponses.mul(weights).sum().backward();
        direct.mul(weights).sum().backward();
        double gradientScale = leafDirect.grad!.abs().max().item<float>();
        Assert.True(gradientScale > 0);
        Assert.True(leafFft.grad!.sub(leafDirect.grad!).abs().max().item<float>() < 1e-5 * Math.Max(1, gradientScale));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(28)]
    [InlineData(80)]
    public void SidesTheFeaturesCannotTakeAreRefused(int size)
    {
        Assert.False(GaborEnergyFeatures.Supports(size));
        Assert.Throws<ArgumentException>(() => new GaborEnergyFeatures(size));
    }

}
