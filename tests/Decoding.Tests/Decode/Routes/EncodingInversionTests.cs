using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.Evaluation;
using Decoding.LatentDiffusion;
using Decoding.Tests.Cli;
using Decoding.Tests.Evaluation;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The Gabor-energy encoding model and the route that inverts it through the VAE (<see cref="EncodingInversionRoute"/>).</summary>
public sealed class EncodingInversionTests(Xunit.Abstractions.ITestOutputHelper output)
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

    [Theory]
    // By hand from c(R) = (1 + (R - 1) s) / (1 - s): single-trial validation, 35-trial test (Generic Object Decoding),
    // signal share 0.2: c(1) / c(35) = 1 / (1 + 34 x 0.2) = 1 / 7.8.
    [InlineData(0.2, 1, 35, 1 / 7.8)]
    [InlineData(0.5, 5, 5, 1.0)]                  // as many trials on both sides: no change
    [InlineData(0.0, 1, 35, 1.0)]                 // no signal: averaging changes nothing the loss sees
    [InlineData(0.25, 3, 11, 1.5 / 3.5)]          // (1 + 2 x 0.25) / (1 + 10 x 0.25)
    public void ThePenaltyChosenOnValidationIsScaledForTheDecodedSamplesRepeats(double signal, double validation, double decoded, double expected)
        => Assert.Equal(expected, EncodingInversionRoute.RepeatsCorrection(signal, validation, decoded), 12);

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
        // 12 validation stimuli (the fixture's 40 training stimuli allow 20): the choice is what is tested, not its quality.
        var settings = new DecodingSettings { Route = EncodingInversionRoute.Name, Samples = 2, ValidationStimuli = 12, EncodingSteps = 30 };
        // One fit for the route and its control, as decode --control-out does.
        var (route, control) = data.DecodeWithControl(settings, settings with { ShuffleFmri = true, ControlSeed = 4 }, ldm);
        var report = EvaluationRun.Run(new EvaluationInputs([route, control], data.StimuliFile, EvaluationTestData.Instance.ClassifierFolder,
            Path.Combine(data.Folder, "eval-" + Guid.NewGuid().ToString("N"))), new EvaluationSettings([2, 4], Seed: 3, BootstrapResamples: 100, Permutations: 300), DateTimeOffset.UnixEpoch);
        var row = report.Rows[0];
        output.WriteLine($"encoding: 2-way pixels {row.TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}, control {report.Rows[1].TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}");
        Assert.Equal(("route", EncodingInversionRoute.Name, 1), (row.Kind, row.Route, row.Samples));
        Assert.True(row.TwoWayPixels.ReconstructionFixed.Mean.Value > 0.75);
        Assert.True(report.Rows[1].TwoWayPixels!.ReconstructionFixed.WithinNullRange);
        var description = DecodedImagesFile.Read(route).Method.Description;
        Assert.Contains("chosen on 12 validation stimuli held out of the training trials", description);
        Assert.Contains("no test stimulus, no scoring classifier", description);
        Assert.Contains("Adam 30 steps", description);
        // The chosen lambda's validation scores are recorded for evaluate's choice between routes, as the description gives them.
        var record = ValidationRecord.FromAttributes(DecodedImagesFile.Read(route).Attributes);
        Assert.NotNull(record);
        Assert.Equal(12, record.Stimuli);
        string chosen = System.Text.RegularExpressions.Regex.Match(description, @"lambda (\S+) chosen on").Groups[1].Value;
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{chosen}: PixCorr {record.Score.PixCorr:F3}, SSIM {record.Score.Ssim:F3}, agreement {record.Score.CategoryAgreement:F3}"), description);
    }

    [Fact]
    public void A_given_penalty_and_step_count_are_used_as_given_and_only_the_encoding_route_takes_them_and_the_onednn_backward_option()
    {
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string[] common = ["decode", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile, "--seed", "5", "--threads", "1"];
        string given = folder.Sub("given");
        Assert.Equal(0, CliTestHarness.Run([.. common, "--route", "encoding", "--encoding-penalty", "0.5", "--encoding-steps", "10", "--out", given]).Exit);
        var description = DecodedImagesFile.Read(given).Method.Description;
        Assert.Contains("lambda 0.5 as given", description);
        Assert.Contains("Adam 10 steps", description);
        Assert.DoesNotContain("validation stimuli", description);
        Assert.Null(ValidationRecord.FromAttributes(DecodedImagesFile.Read(given).Attributes));   // nothing chosen, nothing to compare
        foreach (var (extra, expected) in new (string[], string)[]
        {
            (["--route", "lowlevel", "--encoding-penalty", "1"], "--encoding-penalty 1: is the encoding route's setting; the lowlevel route has none"),
            (["--route", "encoding", "--encoding-penalty", "-1"], "--encoding-penalty -1: "),
            (["--route", "lowlevel", "--encoding-steps", "5"], "--encoding-steps 5: is the encoding route's setting; the lowlevel route has none"),
            (["--route", "encoding", "--encoding-steps", "0"], "--encoding-steps 0: "),
            // decode takes --onednn-backward for the routes that run backward passes, and only for them.
            (["--route", "lowlevel", "--onednn-backward", "on"], "--onednn-backward on: sets how backward passes run; the lowlevel route runs none"),
            // A split of whole categories is carved only where a setting is chosen on it.
            (["--route", "lowlevel", "--validation-split", "categories"], "--validation-split categories: carves the split a route chooses its setting on; the lowlevel route chooses none"),
            (["--route", "img2img", "--validation-split", "categories"], "--validation-split categories: carves the split --select chooses on; add --select"),
            (["--route", "encoding", "--encoding-penalty", "1", "--validation-split", "categories"], "--validation-split categories: carves the split lambda is chosen on; leave out --encoding-penalty"),
            (["--route", "encoding", "--validation-split", "halves"], "--validation-split 'halves': is unknown; choose"),
        })
        {
            string outDir = folder.Sub("bad" + Guid.NewGuid().ToString("N")[..6]);
            CliTestHarness.AssertRefused([.. common, .. extra, "--out", outDir], expected, Path.Combine(outDir, DecodedImagesFile.FileName));
        }
    }

    [Fact]
    public void Lambda_can_be_chosen_on_whole_training_categories_held_out()
    {
        // The fixture's 4 training categories: 2 held out whole (4 validation stimuli each), the maps fitted on the other 2.
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string[] common = ["decode", "--route", "encoding", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile, "--seed", "5",
            "--threads", "1", "--encoding-steps", "5", "--validation-stimuli", "8"];
        Assert.Equal(0, CliTestHarness.Run([.. common, "--validation-split", "categories", "--out", folder.Sub("categories")]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. common, "--out", folder.Sub("stimuli")]).Exit);
        var byCategory = DecodedImagesFile.Read(folder.Sub("categories"));
        var (train, test) = data.Pairs();
        test.Images.Dispose();
        var split = ValidationSplit.Carve(train, 8, 5, wholeCategories: true);
        Assert.Equal(2, split.HeldOutCategories!.Count);
        Assert.Contains("chosen on 8 validation stimuli held out of the training trials " + split.Describe(data.Stimuli.CategoryNames)
            + $" (both maps refitted on {split.Fit.Count} samples without them", byCategory.Method.Description);
        // Its record names that split, so evaluate compares it only with routes that chose on the same one.
        var record = ValidationRecord.FromAttributes(byCategory.Attributes)!;
        Assert.True(record.WholeCategories);
        // With the split's stimuli scored by the same judge (its references: the fit part and the held-out categories' other stimuli).
        double own;
        using (var judge = new NearestNeighbourCategoryJudge(split.Fit, split.JudgeOnly)) own = judge.StimuliAgreement(split.Validation);
        Assert.Equal(ValidationRecord.Of([.. split.Validation.StimulusIds.Select(id => id.Value)], record.Score, wholeCategories: true, own), record);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the validation stimuli themselves, a perfect reconstruction, score {own:F3}"),
            byCategory.Method.Description);
        Assert.NotEqual(record.SplitFingerprint, ValidationRecord.FromAttributes(DecodedImagesFile.Read(folder.Sub("stimuli")).Attributes)!.SplitFingerprint);
        split.DisposeImages();
        train.Images.Dispose();
    }
}
