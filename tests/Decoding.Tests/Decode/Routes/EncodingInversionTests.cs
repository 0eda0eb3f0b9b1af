using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.Evaluation;
using Decoding.LatentDiffusion;
using Decoding.Tests.Evaluation;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The Gabor-energy encoding model and the route that inverts it through the VAE (<see cref="EncodingInversionRoute"/>).</summary>
public sealed class EncodingInversionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A 32x32 sinusoidal grating in [0, 1]: 0.5 + 0.4 cos(2π u / period + phase), u along <paramref name="degrees"/>.</summary>
    private static Tensor Grating(double degrees, double period, double phase)
    {
        var values = new float[32 * 32];
        double theta = degrees * Math.PI / 180;
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++)
                values[i * 32 + j] = (float)(0.5 + 0.4 * Math.Cos(2 * Math.PI * (j * Math.Cos(theta) + i * Math.Sin(theta)) / period + phase));
        return tensor(values, new long[] { 1, 1, 32, 32 });
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
    [InlineData(0, 8.0, 1, 0)]     // vertical bars, period 8 = W/4: the middle period, orientation 0°
    [InlineData(90, 4.0, 0, 2)]    // horizontal bars, period 4 = W/8: the finest period, orientation 90°
    [InlineData(45, 8.0, 1, 1)]    // 45°
    public void AGratingDrivesTheChannelOfItsOrientationAndPeriodWhateverItsPhase(double degrees, double period, int band, int orientation)
    {
        using var features = new GaborEnergyFeatures(32);
        Assert.Equal(new[] { 4.0, 8.0, 16.0 }, features.Periods);
        Assert.Equal(3 * 4 * 64 + 4 * 256 + 64, features.FeatureCount);
        using var grating = Grating(degrees, period, 0);
        using var shifted = Grating(degrees, period, Math.PI / 2);   // a quarter period along: the quadrature pair's energy is the same
        var energy = ChannelEnergy(features, grating);
        var energyShifted = ChannelEnergy(features, shifted);
        for (int b = 0; b < features.Periods.Count; b++)
            for (int o = 0; o < GaborEnergyFeatures.Orientations; o++)
                if ((b, o) != (band, orientation))
                    Assert.True(energy[b, o] < 0.8 * energy[band, orientation], $"channel ({b}, {o}) {energy[b, o]:F3} against ({band}, {orientation}) {energy[band, orientation]:F3}");
        Assert.Equal(energy[band, orientation], energyShifted[band, orientation], 0.03 * energy[band, orientation]);
    }

    [Fact]
    public void UniformLightDrivesNoFilter()
    {
        using var features = new GaborEnergyFeatures(32);
        using var grey = full(1, 1, 32, 32, 0.7f);
        var values = features.Compute(grey).data<float>().ToArray();
        int energyFeatures = features.FeatureCount - 64;
        // Zero filter response leaves sqrt(sqrt(1e-6) + 1e-6) (the energy's and the compression's epsilons) in every cell.
        double floor = Math.Sqrt(Math.Sqrt(1e-6) + 1e-6);
        // The 3x3 inner cells of the coarse grid of the finest period are away from the zero padding at the border.
        for (int o = 0; o < GaborEnergyFeatures.Orientations; o++)
            for (int r = 3; r < 5; r++)
                for (int c = 3; c < 5; c++) Assert.Equal(floor, values[o * 64 + r * 8 + c], 1e-3);
        Assert.All(values.Skip(energyFeatures), v => Assert.Equal(0.7, v, 1e-5));   // the luminance cells
    }

    [Fact]
    public void InversionMovesTheImageTowardTheMeasuredPatternAndAHugePenaltyKeepsTheStart()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var pipeline = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var vae = pipeline.Sampler.FirstStage;
        var low = LowLevelRoute.Fit(train, vae, 3);
        using var model = GaborEncodingModel.Fit(train, new Random(3));
        using var z0 = low.Map.PredictLatents(test.Voxels, test.Count);
        using var measured = tensor(test.Voxels, new long[] { test.Count, test.VoxelCount });
        using var start = low.Map.DecodeLatents(z0);
        using var free = EncodingInversionRoute.Invert(vae, model, z0, measured, penalty: 0);
        using var held = EncodingInversionRoute.Invert(vae, model, z0, measured, penalty: 1e7);
        double Fit(Tensor images)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var predicted = model.Predict(images);
            var a = predicted.sub(predicted.mean([1L], keepdim: true));
            var b = measured.sub(measured.mean([1L], keepdim: true));
            return a.mul(b).sum([1L]).div(a.norm(1).mul(b.norm(1))).mean().item<float>();
        }
        double before = Fit(start), after = Fit(free);
        output.WriteLine($"encoding-model fit of the measured voxels: start {before:F3}, inverted {after:F3}; max change with a huge penalty {held.sub(start).abs().max().item<float>():F4}");
        Assert.True(after > before + 0.02, $"inverted {after:F3} against start {before:F3}");
        Assert.True(held.sub(start).abs().max().item<float>() < 2e-3);
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void TheRouteChoosesItsPenaltyOnValidationIdentifiesItsStimuliAndItsControlDoesNot()
    {
        var data = RouteTestData.Instance;
        var ldm = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var settings = new DecodingSettings { Route = EncodingInversionRoute.Name, Samples = 2 };
        string route = data.Decode(settings, ldm);
        string control = data.Decode(settings with { ShuffleFmri = true, ControlSeed = 4 }, ldm);
        var report = EvaluationRun.Run(new EvaluationInputs([route, control], data.StimuliFile, EvaluationTestData.Instance.ClassifierFolder,
            Path.Combine(data.Folder, "eval-" + Guid.NewGuid().ToString("N"))), new EvaluationSettings([2, 4], Seed: 3, BootstrapResamples: 100, Permutations: 300), DateTimeOffset.UnixEpoch);
        var row = report.Rows[0];
        output.WriteLine($"encoding: 2-way pixels {row.TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}, control {report.Rows[1].TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}");
        Assert.Equal(("route", EncodingInversionRoute.Name, 1), (row.Kind, row.Route, row.Samples));
        Assert.True(row.TwoWayPixels.ReconstructionFixed.Mean.Value > 0.75);
        Assert.True(report.Rows[1].TwoWayPixels!.ReconstructionFixed.WithinNullRange);
        var description = DecodedImagesFile.Read(route).Method.Description;
        Assert.Contains("chosen on 20 validation stimuli held out of the training trials", description);
        Assert.Contains("no test stimulus, no scoring classifier", description);
    }
}
