using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.Evaluation;
using Decoding.LatentDiffusion;
using Decoding.Tests.Cli;
using Decoding.Tests.Evaluation;
using Fmri.EncodingModels;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The route that inverts the Gabor-energy encoding model through the VAE (<see cref="EncodingInversionRoute"/>).</summary>
public sealed class EncodingInversionTests(Xunit.Abstractions.ITestOutputHelper output)
{
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
