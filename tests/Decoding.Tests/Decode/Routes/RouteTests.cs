using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.Evaluation;
using Decoding.LatentDiffusion;
using Decoding.Tests.Evaluation;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The routes of <see cref="RouteCatalog"/>, fitted on <see cref="RouteTestData"/> and scored by the evaluation.</summary>
public sealed class RouteTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly EvaluationSettings Settings = new([2, 4], Seed: 3, BootstrapResamples: 100, Permutations: 300);

    private static EvaluationReport Evaluate(params string[] decoded)
        => EvaluationRun.Run(new EvaluationInputs(decoded, RouteTestData.Instance.StimuliFile, EvaluationTestData.Instance.ClassifierFolder,
            Path.Combine(RouteTestData.Instance.Folder, "eval-" + Guid.NewGuid().ToString("N"))), Settings, DateTimeOffset.UnixEpoch);

    private static TextToImagePipeline Ldm() => new LatentDiffusionModelFolder(RouteTestData.Instance.LdmFolder).LoadPipeline();

    private static readonly SamplingOptions FewSteps = new() { Sampler = SamplerKind.Ddim, Steps = 6, GuidanceScale = 3 };

    [Fact]
    public void TheLowLevelRouteIdentifiesItsStimuliAndItsControlDoesNot()
    {
        var data = RouteTestData.Instance;
        var ldm = Ldm();
        var settings = new DecodingSettings { Route = LowLevelRoute.Name, Samples = 3 };
        string route = data.Decode(settings, ldm);
        string control = data.Decode(settings with { ShuffleFmri = true, ControlSeed = 4 }, ldm);
        var report = Evaluate(route, control);
        var row = report.Rows[0];
        output.WriteLine($"low-level: 2-way pixels {row.TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}, control {report.Rows[1].TwoWayPixels!.ReconstructionFixed.Mean.Value:F3}");
        Assert.Equal(("route", LowLevelRoute.Name, 1), (row.Kind, row.Route, row.Samples));   // deterministic: K = 1 whatever --samples
        Assert.False(row.TwoWayPixels.ReconstructionFixed.WithinNullRange);
        Assert.True(row.TwoWayPixels.ReconstructionFixed.Mean.Value > 0.75);
        var controlRow = report.Rows[1];
        Assert.Equal("control", controlRow.Kind);
        Assert.Equal(LowLevelRoute.Name, controlRow.Control!.ControlOf);
        Assert.Equal(0, controlRow.Control.SameCategoryDonors);
        Assert.True(controlRow.TwoWayPixels!.ReconstructionFixed.WithinNullRange);
        var file = DecodedImagesFile.Read(control);
        Assert.NotNull(file.FmriOrder);
        Assert.All(Enumerable.Range(0, file.Count), i => Assert.NotEqual(i, file.FmriOrder![i]));
    }

    [Fact]
    public void DecodingAgainIntoAFolderLeavesNoImageOfTheEarlierRun()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        train.Images.Dispose();
        string folder = Path.Combine(data.Folder, "rewrite-" + Guid.NewGuid().ToString("N"));
        int size = SyntheticBrainData.Size;
        using (var two = zeros(new long[] { test.Count, 2, 1, size, size }))
            DecodingRun.Write(two, test, EvaluationTestData.Route("two samples"), null, folder, new Dictionary<string, object>());
        string id = test.StimulusIds[0].Value;
        Assert.True(File.Exists(Path.Combine(folder, $"{id}_1.png")));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");

        using (var one = zeros(new long[] { test.Count, 1, 1, size, size }))
            DecodingRun.Write(one, test, EvaluationTestData.Route("one sample"), null, folder, new Dictionary<string, object>());
        test.Images.Dispose();
        Assert.True(File.Exists(Path.Combine(folder, $"{id}_0.png")));
        Assert.Empty(Directory.GetFiles(folder, "*_1.png"));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.Equal(1, DecodedImagesFile.Read(Path.Combine(folder, DecodedImagesFile.FileName)).Samples);
    }

    [Fact]
    public void ADecoderThatOutputsTheClassMeanScoresExactlyTheClassMeanReference()
    {
        var data = RouteTestData.Instance;
        string reference = data.Decode(new DecodingSettings { Route = ClassMeanReference.Name });

        // The same images computed by hand from the stimulus file and the training split, then written as a route.
        var (train, test) = data.Pairs();
        int plane = SyntheticBrainData.Size * SyntheticBrainData.Size;
        var byHand = new float[test.Count * plane];
        for (int i = 0; i < test.Count; i++)
        {
            var members = Enumerable.Range(0, train.Count).Where(j => train.Categories[j] == test.Categories[i]).ToArray();
            var trainBytes = train.Images.data<byte>().ToArray();
            for (int p = 0; p < plane; p++)
                byHand[i * plane + p] = (float)(members.Sum(j => (double)trainBytes[j * plane + p]) / members.Length / 255.0);
        }
        string folder = Path.Combine(data.Folder, "class-mean-by-hand-" + Guid.NewGuid().ToString("N"));
        using (var images = tensor(byHand, new long[] { test.Count, 1, 1, SyntheticBrainData.Size, SyntheticBrainData.Size }))
            DecodingRun.Write(images, test, EvaluationTestData.Route("class mean by hand"), null, folder, new Dictionary<string, object>());
        train.Images.Dispose();
        test.Images.Dispose();

        var report = Evaluate(reference, Path.Combine(folder, DecodedImagesFile.FileName));
        var (a, b) = (report.Rows.Single(r => r.Kind == "reference"), report.Rows.Single(r => r.Kind == "route"));
        Assert.True(a.UsesTrueLabel);
        Assert.Equal(a.NWay.Select(s => s.MeanOverSamples.Mean), b.NWay.Select(s => s.MeanOverSamples.Mean));
        Assert.Equal(a.TwoWayPixels!.ReconstructionFixed.Mean, b.TwoWayPixels!.ReconstructionFixed.Mean);
        Assert.Equal(a.TwoWayFeatures.ReconstructionFixed.Mean, b.TwoWayFeatures.ReconstructionFixed.Mean);
        Assert.Equal(a.PixCorr!.Mean, b.PixCorr!.Mean);
        Assert.Equal(a.Ssim!.Mean, b.Ssim!.Mean);
    }

    [Fact]
    public void TheMeanImageReferenceGivesEveryItemTheMeanTrainingImage()
    {
        var data = RouteTestData.Instance;
        var file = DecodedImagesFile.Read(data.Decode(new DecodingSettings { Route = MeanImageReference.Name }));
        Assert.Equal((DecodedMethod.Reference, false, false), (file.Method.Kind, file.Method.UsesFmri, file.Method.UsesTrueLabel));
        var (train, test) = data.Pairs();
        var trainBytes = train.Images.data<byte>().ToArray();
        int plane = SyntheticBrainData.Size * SyntheticBrainData.Size;
        for (int p = 0; p < plane; p += 17)
        {
            double mean = Enumerable.Range(0, train.Count).Average(j => (double)trainBytes[j * plane + p]);
            Assert.All(Enumerable.Range(0, file.Count), i => Assert.Equal(Math.Round(mean, MidpointRounding.ToEven), file.Image(i, 0)[p], 0.5001));
        }
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Theory]
    [InlineData(SemanticTarget.Context)]
    [InlineData(SemanticTarget.Category)]
    public void TheSemanticMapNamesTheTestCategoriesOfEasyData(SemanticTarget target)
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var decoder = SemanticDecoder.Fit(train, data.Stimuli.CategoryNames, Ldm(), target, seed: 2);
        var predicted = decoder.PredictCategories(test.Voxels, test.Count);
        double accuracy = Enumerable.Range(0, test.Count).Count(i => predicted[i] == test.Categories[i]) / (double)test.Count;
        output.WriteLine($"{target}: test category accuracy {accuracy:F3}");
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy}");
        using var contexts = decoder.PredictContexts(test.Voxels, test.Count);
        Assert.Equal(3, contexts.dim());
        Assert.Equal(test.Count, contexts.shape[0]);
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void AnItemsImagesDoNotDependOnTheOtherItemsDecodedWithIt()
    {
        // Per-item generators: decoding all items, or a few of them in another batch, gives each item the same noise and so
        // the same images, up to the float rounding of kernels that differ with the batch size (about 1e-6 here; a shard
        // that starts on a batch boundary repeats the batches exactly).
        var data = RouteTestData.Instance;
        var ldm = Ldm();
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Samples = 2, Sampling = FewSteps, Seed = 8 };
        var route = RouteCatalog.Build(settings, new RouteModels(ldm), train, data.Stimuli.CategoryNames);
        var ids = test.StimulusIds.Select(id => id.Value).ToArray();
        Tensor DecodeRows(int[] rows)
        {
            var voxels = DecodingRun.Permute(test.Voxels, test.VoxelCount, rows);
            var generators = ItemGenerators.For(settings.Seed, rows.Select(r => ids[r]));
            var batch = new DecodeBatch(voxels, test.VoxelCount, rows.Select(r => ids[r]).ToArray(), null, generators);
            return route.Decode(batch, 2);
        }
        using var all = DecodeRows(Enumerable.Range(0, test.Count).ToArray());
        int[] some = [7, 2, 5];
        using var few = DecodeRows(some);
        for (int j = 0; j < some.Length; j++)
            Assert.True(all[some[j]].allclose(few[j], rtol: 0, atol: 1e-4), $"item {some[j]} differs by up to {(all[some[j]] - few[j]).abs().max().item<float>()}");
        // The noise matters: another run seed gives other images.
        using var other = route.Decode(new DecodeBatch(test.Voxels, test.VoxelCount, ids, null, ItemGenerators.For(settings.Seed + 1, ids)), 2);
        Assert.False(other.allclose(all, rtol: 0, atol: 1e-2));
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void SelectionKeepsTheFidelityTheUserAsksForAndThenTheBestCategoryAgreement()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 };
        var grid = new SelectionGrid([0.5], [1.0, 4.0], [0.0, 0.5]);
        // A floor every candidate keeps: the highest category agreement wins outright.
        var open = RouteSelection.Select(settings, new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, grid, validationStimuli: 8, minPixCorr: -1, minSsim: -1);
        Assert.Equal((-1.0, -1.0), (open.Floor!.PixCorr, open.Floor.Ssim));
        Assert.Contains("asked for", open.Floor.Source);
        Assert.Contains("PixCorr >= -1.000 and SSIM >= -1.000", open.Rule);
        Assert.All(open.Candidates, c => Assert.True(c.KeepsFidelity));
        double top = open.Candidates.Max(c => c.Score.CategoryAgreement);
        var chosen = open.Candidates.Single(c => (c.Target, c.Strength, c.Guidance, c.Blend)
            == (open.Chosen.SemanticTarget, open.Chosen.Img2Img.Strength, open.Chosen.Sampling.GuidanceScale, open.Chosen.Img2Img.Blend));
        Assert.Equal(top, chosen.Score.CategoryAgreement);
        // Beside the candidates, the validation stimuli's own agreement (what a perfect reconstruction scores), by the same
        // judge on the same split, in the rule and in the record evaluate compares routes by.
        var split = ValidationSplit.Carve(train, 8, settings.Seed, settings.ValidationWholeCategories);
        double own;
        using (var judge = new NearestNeighbourCategoryJudge(split.Fit, split.JudgeOnly)) own = judge.StimuliAgreement(split.Validation);
        split.DisposeImages();
        Assert.Equal(own, open.StimuliAgreement);
        Assert.Equal(own, open.Record!.StimuliAgreement);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"in its category; the validation stimuli themselves, a perfect reconstruction, score {own:F3}), ties to"), open.Rule);
        // A floor no candidate keeps (PixCorr 1): the closest to it is chosen and the rule says so.
        var closed = RouteSelection.Select(settings, new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, grid, validationStimuli: 8, minPixCorr: 1);
        Assert.Equal(closed.LowLevel!.Ssim, closed.Floor!.Ssim);
        Assert.Contains("PixCorr asked for", closed.Floor.Source);
        Assert.All(closed.Candidates, c => Assert.False(c.KeepsFidelity));
        Assert.Contains("No candidate kept the fidelity floor", closed.Rule);
        var closest = closed.Candidates.OrderByDescending(c => c.Score.PixCorr + c.Score.Ssim).First();
        Assert.Equal((closest.Strength, closest.Guidance, closest.Blend), (closed.Chosen.Img2Img.Strength, closed.Chosen.Sampling.GuidanceScale, closed.Chosen.Img2Img.Blend));
        // The semantic route has no low-level image: a floor is refused by name before anything is fitted.
        var semantic = Assert.Throws<InvalidSettingException>(() => RouteSelection.Select(settings with { Route = SemanticRoute.Name }, new RouteModels(Ldm()), train,
            data.Stimuli.CategoryNames, grid, validationStimuli: 8, minSsim: 0.5));
        Assert.Contains("select_min_ssim", semantic.Message);
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void SelectionCanChooseTheLowLevelLatentsFormAndRecordsBoth()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 };
        var grid = new SelectionGrid([0.5], [4.0], [0.0]);
        var chosen = RouteSelection.Select(settings, new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, grid, validationStimuli: 8,
            chooseLowLevelPrior: true);
        var forms = chosen.LowLevelForms!;
        Assert.Equal(["category", "none"], forms.Keys.Order());
        // The form with the higher validation PixCorr + SSIM is chosen, its score is the low-level score (and floor).
        var best = forms.OrderByDescending(f => f.Value.PixCorr + f.Value.Ssim).First();
        Assert.Equal(best.Key, chosen.Chosen.LowLevelPrior.ToString().ToLowerInvariant());
        Assert.Equal(best.Value, chosen.LowLevel);
        Assert.Contains("validation PixCorr + SSIM none", chosen.Rule);
        // Without the choice only the given form is fitted and nothing about forms is recorded.
        var given = RouteSelection.Select(settings with { LowLevelPrior = LowLevelPrior.Category }, new RouteModels(Ldm()), train, data.Stimuli.CategoryNames,
            grid, validationStimuli: 8);
        Assert.Null(given.LowLevelForms);
        Assert.Equal(LowLevelPrior.Category, given.Chosen.LowLevelPrior);
        Assert.Equal(forms["category"], given.LowLevel);
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void SelectionUsesOnlyTrainingStimuliAndPicksTheBestValidationScore()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        // Strength 0.1 runs no step of FewSteps' 6 (floor(0.6) = 0): skipped and named in the rule.
        var grid = new SelectionGrid([0.1, 0.4, 0.8], [1.0, 4.0], [0.0, 0.5]);
        var result = RouteSelection.Select(new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 }, new RouteModels(Ldm()),
            train, data.Stimuli.CategoryNames, grid, validationStimuli: 8);
        Assert.DoesNotContain(result.Candidates, c => c.Strength == 0.1);
        Assert.Contains("strength 0.1 skipped: no denoising step at 6 steps", result.Rule);
        // A grid whose every strength runs no step is refused before anything is fitted.
        var none = Assert.Throws<InvalidSettingException>(() => RouteSelection.Select(new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 },
            new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, grid with { Strengths = [0.1, 0.15] }, validationStimuli: 8));
        Assert.Contains("no denoising step at 6 steps", none.Message);
        // A strength that runs steps at the validation's 6 but none at the test decode's 5 is refused too.
        var tooFew = Assert.Throws<InvalidSettingException>(() => RouteSelection.Select(new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 },
            new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, grid with { Strengths = [0.18] }, validationStimuli: 8, decodeSteps: 5));
        Assert.Contains("no denoising step at 5 steps", tooFew.Message);
        Assert.Equal(8, result.ValidationItems);
        Assert.Equal(train.Count - 8, result.FitSamples);
        // The recorded penalty is the plain (single-trial) choice of the low-level map on the fit part.
        var carved = ValidationSplit.Carve(train, 8, 3);
        var fitPart = carved.Fit;
        Assert.Equal(LowLevelRoute.Fit(fitPart, new RouteModels(Ldm()).Ldm!.Sampler.FirstStage, 3).Map.Lambda, result.LowLevelLambda);
        // The held-out stimuli are recorded: training stimuli, none of them a test stimulus, none in the fit part.
        Assert.Equal(carved.Validation.StimulusIds.Select(id => id.Value), result.ValidationStimulusIds!);
        Assert.Equal(8, result.ValidationStimulusIds!.Distinct().Count());
        Assert.Empty(result.ValidationStimulusIds!.Intersect(test.StimulusIds.Select(id => id.Value)));
        Assert.Empty(result.ValidationStimulusIds!.Intersect(fitPart.StimulusIds.Select(id => id.Value)));
        Assert.Subset(train.StimulusIds.Select(id => id.Value).ToHashSet(), result.ValidationStimulusIds!.ToHashSet());
        // The full grid with the category target, then the context and contrastive targets at the chosen (strength, guidance)
        // for every blend.
        Assert.Equal(2 * 2 * 2 + 2 + 2, result.Candidates.Count);
        var categoryBest = RouteSelection.Best(result.Candidates.Where(c => c.Target == SemanticTarget.Category).ToList());
        var contextRows = result.Candidates.Where(c => c.Target != SemanticTarget.Category).ToList();
        Assert.Equal(4, contextRows.Count);
        Assert.All(contextRows, c => Assert.Equal((categoryBest.Strength, categoryBest.Guidance), (c.Strength, c.Guidance)));
        // The fidelity floor is the low-level reconstruction's own validation score; every candidate's category agreement is measured.
        var floor = result.Floor!;
        Assert.Equal((result.LowLevel!.PixCorr, result.LowLevel.Ssim), (floor.PixCorr, floor.Ssim));
        Assert.All(result.Candidates, c =>
        {
            Assert.Equal(c.Score.PixCorr >= floor.PixCorr && c.Score.Ssim >= floor.Ssim, c.KeepsFidelity);
            Assert.InRange(c.Score.CategoryAgreement, 0, 1);
        });
        var keeping = result.Candidates.Where(c => c.KeepsFidelity).ToList();
        var best = keeping.Count > 0
            ? keeping.OrderByDescending(c => c.Score.CategoryAgreement).ThenByDescending(c => c.Score.PixCorr + c.Score.Ssim).First()
            : result.Candidates.OrderByDescending(c => c.Score.PixCorr + c.Score.Ssim).First();
        Assert.Equal((best.Target, best.Strength, best.Guidance, best.Blend),
            (result.Chosen.SemanticTarget, result.Chosen.Img2Img.Strength, result.Chosen.Sampling.GuidanceScale, result.Chosen.Img2Img.Blend));
        Assert.InRange(result.TargetAccuracy["semantic_map_category_accuracy"], 0, 1);
        Assert.InRange(result.TargetAccuracy["contrastive_mapper_category_accuracy"], 0, 1);
        // The validation stimuli are training stimuli: the carve never sees a test stimulus.
        var split = ValidationSplit.Carve(train, 8, 3);
        var testIds = test.StimulusIds.ToHashSet();
        Assert.DoesNotContain(split.Validation.StimulusIds, testIds.Contains);
        Assert.Empty(split.Fit.StimulusIds.Intersect(split.Validation.StimulusIds));
        split.Fit.Images.Dispose();
        split.Validation.Images.Dispose();
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void SelectionOnWholeCategoriesFitsOnTheOtherCategoriesAndSaysSo()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3, ValidationWholeCategories = true };
        var result = RouteSelection.Select(settings, new RouteModels(Ldm()), train, data.Stimuli.CategoryNames, new SelectionGrid([0.4], [4.0], [0.0]), validationStimuli: 8);
        var split = ValidationSplit.Carve(train, 8, 3, wholeCategories: true);
        // The validation items are the whole-category split's, the fit part the other categories' trials.
        Assert.Equal(split.Validation.StimulusIds.Select(id => id.Value), result.ValidationStimulusIds!);
        Assert.Equal(split.Fit.Count, result.FitSamples);
        Assert.All(split.Validation.Categories, c => Assert.Contains(c, split.HeldOutCategories!));
        Assert.Contains("fitted on the training trials without the validation stimuli, which come " + split.Describe(data.Stimuli.CategoryNames) + ";", result.Rule);
        Assert.Contains("10 nearest training images, fit images or the held-out categories' other stimuli,", result.Rule);
        // The semantic map never saw a held-out category, so it cannot name one: its validation accuracy is 0.
        Assert.Equal(0, result.TargetAccuracy["semantic_map_category_accuracy"]);
        split.DisposeImages();
        train.Images.Dispose();
        test.Images.Dispose();
    }
}
