using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Metrics;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>The settings tried on the validation split.</summary>
public sealed record SelectionGrid(IReadOnlyList<double> Strengths, IReadOnlyList<double> Guidances, IReadOnlyList<double> Blends)
{
    public static SelectionGrid Default { get; } = new([0.35, 0.5, 0.65], [4.0, 8.0, 16.0], [0.0, 0.2, 0.4]);
}

/// <summary>
/// How a candidate did on the validation items, measured without the evaluation's scoring classifier (a decoder chosen
/// by the metric it is scored with would inflate it): pixel correlation, SSIM, 2-way identification in pixels, and
/// category consistency: the share of decoded images that a linear category judge, a ridge map from pixels to the
/// one-hot category fitted on the fit split's stimulus images only, assigns to the item's category.
/// <see cref="Objective"/> is their mean.
/// </summary>
public sealed record ValidationScore(double PixCorr, double Ssim, double PixelIdentification, double CategoryConsistency)
{
    public double Objective => (PixCorr + Ssim + PixelIdentification + CategoryConsistency) / 4;
}

/// <summary>One candidate setting and its validation score.</summary>
public sealed record SelectionCandidate(SemanticTarget Target, double Strength, double Guidance, double Blend, ValidationScore Score);

/// <summary>The choice and everything it was chosen from (recorded in run.json).</summary>
/// <param name="TargetAccuracy">Validation category accuracy of the semantic map.</param>
public sealed record SelectionResult(DecodingSettings Chosen, IReadOnlyDictionary<string, double> TargetAccuracy,
    IReadOnlyList<SelectionCandidate> Candidates, int ValidationItems, int FitSamples, string Rule);

/// <summary>
/// Chooses the image-to-image and semantic routes' settings on a validation split of the training trials
/// (<see cref="ValidationSplit"/>), never on the test stimuli: the routes are fitted on the rest of the training
/// trials; each (strength, guidance) is decoded once (K = 1) with the category target and scored with every blend by
/// <see cref="ValidationScore"/>; the context target is then decoded at the best (strength, guidance) and kept if it
/// scores higher.
/// </summary>
public static class RouteSelection
{
    public static SelectionResult Select(DecodingSettings settings, RouteModels models, StimulusPairs train, IReadOnlyList<string> categoryNames,
        SelectionGrid grid, int validationStimuli, IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var spec = RouteCatalog.Spec(settings.Route);
        Check.That(spec.Name is Img2ImgRoute.Name or SemanticRoute.Name, "select", spec.Name, "chooses settings of the img2img and semantic routes only");
        var ldm = models.Ldm ?? throw new InvalidSettingException("ldm", null, $"is required by the {spec.Name} route (a train-ldm folder)");
        var split = ValidationSplit.Carve(train, validationStimuli, settings.Seed);
        var fit = split.Fit;
        var validation = split.Validation;
        try
        {
            var semantic = SemanticDecoder.Fit(fit, categoryNames, ldm, SemanticTarget.Category, settings.Seed, trainMapper: true);
            double Accuracy(SemanticTarget target)
            {
                var predicted = semantic.WithTarget(target).PredictCategories(validation.Voxels, validation.Count);
                return Enumerable.Range(0, validation.Count).Count(i => predicted[i] == validation.Categories[i]) / (double)validation.Count;
            }
            var accuracy = new Dictionary<string, double>
            {
                ["semantic_map_category_accuracy"] = Accuracy(SemanticTarget.Category),
                ["contrastive_mapper_category_accuracy"] = Accuracy(SemanticTarget.Contrastive),
            };
            var lowLevel = spec.Name == Img2ImgRoute.Name ? LowLevelRoute.Fit(fit, ldm.Sampler.FirstStage, settings.Seed) : null;
            var judge = CategoryJudge.Fit(fit, settings.Seed);

            var stimuli = RouteImages.ToImageTensors(validation.Images);
            var ids = validation.StimulusIds.Select(id => id.Value).ToArray();
            using var low = lowLevel?.Decode(new DecodeBatch(validation.Voxels, validation.VoxelCount, ids, validation.Categories, []), 1);
            var candidates = new List<SelectionCandidate>();
            var strengths = spec.Name == Img2ImgRoute.Name ? grid.Strengths : [1.0];
            var blends = spec.Name == Img2ImgRoute.Name ? grid.Blends : [0.0];
            int done = 0, total = strengths.Count * grid.Guidances.Count + 2;
            List<SelectionCandidate> Try(SemanticTarget target, double strength, double guidance)
            {
                var sampling = settings.Sampling with { GuidanceScale = guidance };
                var decoder = semantic.WithTarget(target);
                IDecodingRoute route = lowLevel is null
                    ? new SemanticRoute(decoder, ldm, sampling)
                    : new Img2ImgRoute(lowLevel, decoder, ldm, sampling, new Img2ImgSettings(strength, 0));
                using var decoded = DecodeAll(route, validation, ids, settings.Seed);                      // (N, 1, C, S, S)
                var scored = new List<SelectionCandidate>();
                foreach (double blend in blends)
                {
                    using var images = low is null || blend == 0 ? decoded.select(1, 0).clone() : (decoded * (1 - blend) + low * blend).select(1, 0);
                    scored.Add(new SelectionCandidate(target, strength, guidance, blend, Score(images, stimuli, validation.Categories, judge)));
                }
                progress?.Report(new ProgressUpdate(++done / (double)total, $"validation {done}/{total}"));
                return scored;
            }
            foreach (double strength in strengths)
                foreach (double guidance in grid.Guidances)
                    candidates.AddRange(Try(SemanticTarget.Category, strength, guidance));
            var bestCategory = candidates.OrderByDescending(c => c.Score.Objective).First();
            candidates.AddRange(Try(SemanticTarget.Context, bestCategory.Strength, bestCategory.Guidance));
            candidates.AddRange(Try(SemanticTarget.Contrastive, bestCategory.Strength, bestCategory.Guidance));
            var best = candidates.OrderByDescending(c => c.Score.Objective).First();
            var chosen = settings with
            {
                SemanticTarget = best.Target,
                Sampling = settings.Sampling with { GuidanceScale = best.Guidance },
                Img2Img = spec.Name == Img2ImgRoute.Name ? new Img2ImgSettings(best.Strength, best.Blend) : settings.Img2Img,
            };
            return new SelectionResult(chosen, accuracy, candidates, validation.Count, fit.Count,
                "the (strength, guidance, blend) with the highest mean of validation PixCorr, SSIM, pixel 2-way identification and the linear "
                + "category judge's accuracy, with the category target; then the context and contrastive targets at that strength and guidance if they score higher; "
                + "fitted on the training trials without the validation stimuli; no test stimulus and no scoring classifier used");
        }
        finally
        {
            fit.Images.Dispose();
            validation.Images.Dispose();
        }
    }

    private static Tensor DecodeAll(IDecodingRoute route, StimulusPairs items, string[] ids, long seed)
    {
        var generators = ItemGenerators.For(seed, ids);
        try
        {
            var chunks = new List<Tensor>();
            var batch = new DecodeBatch(items.Voxels, items.VoxelCount, ids, items.Categories, generators);
            for (int start = 0; start < items.Count; start += DecodingRun.ItemsPerCall)
                chunks.Add(route.Decode(batch.Slice(start, Math.Min(DecodingRun.ItemsPerCall, items.Count - start)), 1));
            var all = cat(chunks, 0);
            foreach (var c in chunks) c.Dispose();
            return all;
        }
        finally
        {
            foreach (var g in generators) g.Dispose();
        }
    }

    /// <summary>The classifier-free validation score of images (N, C, S, S) in [0, 1] against their stimuli.</summary>
    public static ValidationScore Score(Tensor images, IReadOnlyList<ImageTensor> stimuli, IReadOnlyList<int> categories, CategoryJudge judge)
    {
        using var bytes = (images.clamp(0, 1) * 255).round().to(ScalarType.Byte);
        var decoded = RouteImages.ToImageTensors(bytes);
        double pixCorr = Enumerable.Range(0, decoded.Count).Average(i => SafeCorrelation(decoded[i], stimuli[i]));
        double ssim = Ssim.Compute(decoded, stimuli).Mean;
        double identification = TwoWayIdentification.ComputeWithSimilarity(decoded.Count, (i, j) => SafeCorrelation(decoded[i], stimuli[j])).Mean;
        var judged = judge.Categories(decoded);
        double consistency = Enumerable.Range(0, decoded.Count).Count(i => judged[i] == categories[i]) / (double)decoded.Count;
        return new ValidationScore(pixCorr, ssim, identification, consistency);
    }

    private static double SafeCorrelation(ImageTensor a, ImageTensor b)
    {
        bool constant = a.Pixels.All(p => p == a.Pixels[0]) || b.Pixels.All(p => p == b.Pixels[0]);
        return constant ? 0 : PixCorr.Compute(a, b);
    }
}
