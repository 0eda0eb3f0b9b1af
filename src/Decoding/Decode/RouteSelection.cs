using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Metrics;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>The settings tried on the validation split.</summary>
public sealed record SelectionGrid(IReadOnlyList<double> Strengths, IReadOnlyList<double> Guidances, IReadOnlyList<double> Blends)
{
    public static SelectionGrid Default { get; } = new([0.35, 0.5, 0.65], [3.0, 7.0], [0.0, 0.25, 0.5]);
}

/// <summary>
/// How a candidate did on the validation items, measured without the evaluation's scoring classifier (a decoder chosen
/// by the metric it is scored with would inflate it): pixel correlation, SSIM, 2-way identification in pixels, and
/// category consistency (the decoded image's nearest class-mean training image is the item's category, by pixel
/// correlation). <see cref="Objective"/> is their mean.
/// </summary>
public sealed record ValidationScore(double PixCorr, double Ssim, double PixelIdentification, double CategoryConsistency)
{
    public double Objective => (PixCorr + Ssim + PixelIdentification + CategoryConsistency) / 4;
}

/// <summary>One candidate setting and its validation score.</summary>
public sealed record SelectionCandidate(double Strength, double Guidance, double Blend, ValidationScore Score);

/// <summary>The choice and everything it was chosen from (recorded in run.json).</summary>
/// <param name="TargetAccuracy">Validation category accuracy of each semantic target's map.</param>
public sealed record SelectionResult(DecodingSettings Chosen, IReadOnlyDictionary<string, double> TargetAccuracy,
    IReadOnlyList<SelectionCandidate> Candidates, int ValidationItems, int FitSamples, string Rule);

/// <summary>
/// Chooses the image-to-image and semantic routes' settings on a validation split of the training trials
/// (<see cref="ValidationSplit"/>), never on the test stimuli: the routes are fitted on the rest of the training
/// trials, the semantic target is the one whose map names the validation items' categories best, and each
/// (strength, guidance) is decoded once (K = 1) and scored with every blend by <see cref="ValidationScore"/>.
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
            var accuracy = new Dictionary<string, double>();
            var decoders = new Dictionary<SemanticTarget, SemanticDecoder>();
            foreach (var target in Enum.GetValues<SemanticTarget>())
            {
                var decoder = SemanticDecoder.Fit(fit, categoryNames, ldm, target, settings.Seed);
                var predicted = decoder.PredictCategories(validation.Voxels, validation.Count);
                accuracy[target.ToString().ToLowerInvariant()] = Enumerable.Range(0, validation.Count).Count(i => predicted[i] == validation.Categories[i]) / (double)validation.Count;
                decoders[target] = decoder;
            }
            var bestTarget = decoders.Keys.OrderByDescending(t => accuracy[t.ToString().ToLowerInvariant()]).ThenBy(t => t).First();
            var semantic = decoders[bestTarget];
            var lowLevel = spec.Name == Img2ImgRoute.Name ? LowLevelRoute.Fit(fit, ldm.Sampler.FirstStage, settings.Seed) : null;

            var stimuli = RouteImages.ToImageTensors(validation.Images);
            var labels = fit.Categories.Distinct().Order().ToArray();
            using var classMeans = ClassConsistency.ClassMeans(fit.Images, fit.Categories.Select(c => Array.IndexOf(labels, c)).ToArray(), labels.Length);
            var ids = validation.StimulusIds.Select(id => id.Value).ToArray();
            var candidates = new List<SelectionCandidate>();
            var strengths = spec.Name == Img2ImgRoute.Name ? grid.Strengths : [1.0];
            var blends = spec.Name == Img2ImgRoute.Name ? grid.Blends : [0.0];
            int done = 0, total = strengths.Count * grid.Guidances.Count;
            foreach (double strength in strengths)
                foreach (double guidance in grid.Guidances)
                {
                    var sampling = settings.Sampling with { GuidanceScale = guidance };
                    IDecodingRoute route = lowLevel is null
                        ? new SemanticRoute(semantic, ldm, sampling)
                        : new Img2ImgRoute(lowLevel, semantic, ldm, sampling, new Img2ImgSettings(strength, 0));
                    using var decoded = DecodeAll(route, validation, ids, settings.Seed);                // (N, 1, C, S, S)
                    using var low = lowLevel?.Decode(new DecodeBatch(validation.Voxels, validation.VoxelCount, ids, validation.Categories, []), 1);
                    foreach (double blend in blends)
                    {
                        using var images = low is null || blend == 0 ? decoded.select(1, 0).clone() : (decoded * (1 - blend) + low * blend).select(1, 0);
                        candidates.Add(new SelectionCandidate(strength, guidance, blend, Score(images, stimuli, validation.Categories, labels, classMeans)));
                    }
                    progress?.Report(new ProgressUpdate(++done / (double)total, $"validation {done}/{total}"));
                }
            var best = candidates.OrderByDescending(c => c.Score.Objective).First();
            var chosen = settings with
            {
                SemanticTarget = bestTarget,
                Sampling = settings.Sampling with { GuidanceScale = best.Guidance },
                Img2Img = spec.Name == Img2ImgRoute.Name ? new Img2ImgSettings(best.Strength, best.Blend) : settings.Img2Img,
            };
            return new SelectionResult(chosen, accuracy, candidates, validation.Count, fit.Count,
                "semantic target: the map with the higher validation category accuracy; then the (strength, guidance, blend) with the highest "
                + "mean of validation PixCorr, SSIM, pixel 2-way identification and class-mean category consistency; no test stimulus and no scoring classifier used");
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
    public static ValidationScore Score(Tensor images, IReadOnlyList<ImageTensor> stimuli, IReadOnlyList<int> categories, int[] labels, Tensor classMeans)
    {
        using var bytes = (images.clamp(0, 1) * 255).round().to(ScalarType.Byte);
        var decoded = RouteImages.ToImageTensors(bytes);
        double pixCorr = Enumerable.Range(0, decoded.Count).Average(i => SafeCorrelation(decoded[i], stimuli[i]));
        double ssim = Ssim.Compute(decoded, stimuli).Mean;
        double identification = TwoWayIdentification.ComputeWithSimilarity(decoded.Count, (i, j) => SafeCorrelation(decoded[i], stimuli[j])).Mean;
        var nearest = ClassConsistency.NearestClassMean(images, classMeans);
        double consistency = Enumerable.Range(0, decoded.Count).Count(i => labels[nearest[i]] == categories[i]) / (double)decoded.Count;
        return new ValidationScore(pixCorr, ssim, identification, consistency);
    }

    private static double SafeCorrelation(ImageTensor a, ImageTensor b)
    {
        bool constant = a.Pixels.All(p => p == a.Pixels[0]) || b.Pixels.All(p => p == b.Pixels[0]);
        return constant ? 0 : PixCorr.Compute(a, b);
    }
}
