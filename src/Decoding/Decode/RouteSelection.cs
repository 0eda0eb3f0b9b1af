using System.Globalization;
using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Metrics;
using Fmri.Data;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>The settings tried on the validation split. The strengths run from a light touch of the prior (0.1: the last
/// tenth of the steps, where strong guidance moves the category while the pixels barely change) to most of the
/// schedule (0.8).</summary>
/// <param name="Starts">How img2img candidates reach their strength's timestep (<see cref="Img2ImgStart"/>); null: noised only.</param>
/// <param name="BestOf">img2img: when above 1, the chosen noised setting is scored again with best-of-M
/// (<see cref="Img2ImgSettings.BestOf"/>) and the rule decides between the two.</param>
public sealed record SelectionGrid(IReadOnlyList<double> Strengths, IReadOnlyList<double> Guidances, IReadOnlyList<double> Blends,
    IReadOnlyList<Img2ImgStart>? Starts = null, int BestOf = 1)
{
    public static SelectionGrid Default { get; } = new([0.1, 0.35, 0.5, 0.65, 0.8], [4.0, 8.0, 16.0], [0.0, 0.25, 0.5, 0.75], [Img2ImgStart.Noised]);

    /// <summary>The starts tried (noised when none are named).</summary>
    public IReadOnlyList<Img2ImgStart> StartsTried => Starts is { Count: > 0 } s ? s : [Img2ImgStart.Noised];

    /// <summary>
    /// Every value a setting decode accepts: strengths in (0, 1], guidances in [0, 1000], blends in [0, 1]. The settings'
    /// names are those of the command that gave them (decode's <c>select_*</c>, slurm's <c>sweep_*</c>).
    /// </summary>
    public void CheckValues(string strengths, string guidances, string blends)
    {
        foreach (double value in Strengths) Check.InRange(value, 1e-6, 1, strengths);
        foreach (double value in Guidances) Check.InRange(value, 0, 1000, guidances);
        foreach (double value in Blends) Check.InRange(value, 0, 1, blends);
    }
}

/// <summary>
/// How a candidate did on the validation items, measured without the evaluation's scoring classifier (a decoder chosen
/// by the metric it is scored with would inflate it): pixel correlation, SSIM and 2-way identification in pixels against
/// the validation stimuli, and category agreement: how far the decoded images look like the training images of their
/// stimuli's categories (<see cref="NearestNeighbourCategoryJudge"/>: the mean share of each image's 10 nearest training
/// images, by pixel correlation, in the item's category).
/// </summary>
public sealed record ValidationScore(double PixCorr, double Ssim, double PixelIdentification, double CategoryAgreement);

/// <summary>
/// The validation stimuli as the validation's pixel scores compare with them: cut to the stimuli's own region of the
/// decoder's canvas (<see cref="NativeGeometry.ToRegion"/>), as the evaluation computes PixCorr and SSIM. The zero
/// padding every image shares would raise both scores, and a
/// fidelity floor given in the evaluation's numbers (<c>--select-min-pixcorr</c>, <c>--select-min-ssim</c>) must be held
/// against validation scores on the same scale.
/// </summary>
public sealed class ValidationStimuli
{
    private ValidationStimuli(NativeGeometry geometry, IReadOnlyList<ImageTensor> images)
    {
        Geometry = geometry;
        Images = images;
    }

    /// <summary>Where the stimuli sit on the canvas.</summary>
    public NativeGeometry Geometry { get; }

    /// <summary>The stimuli, each cut to its region (HWC in [0, 1]).</summary>
    public IReadOnlyList<ImageTensor> Images { get; }

    /// <summary>The stimuli of <paramref name="validation"/>, whose <see cref="StimulusPairs.NativeSize"/> says where they
    /// sit on the canvas (without it, the whole canvas).</summary>
    public static ValidationStimuli Of(StimulusPairs validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        int canvas = (int)validation.Images.shape[2];
        var (height, width) = validation.NativeSize ?? (canvas, canvas);
        var geometry = NativeGeometry.For(canvas, height, width);
        return new ValidationStimuli(geometry, RouteImages.ToImageTensors(validation.Images).Select(geometry.ToRegion).ToArray());
    }
}

/// <summary>The validation PixCorr and SSIM a candidate must keep.</summary>
/// <param name="Source">Where the numbers come from: the low-level route's own validation scores, or the values the
/// user asked for (<c>--select-min-pixcorr</c>, <c>--select-min-ssim</c>).</param>
public sealed record FidelityFloor(double PixCorr, double Ssim, string Source);

/// <summary>One candidate setting and its validation score.</summary>
/// <param name="KeepsFidelity">Its validation PixCorr and SSIM are at least the fidelity floor's (<see cref="FidelityFloor"/>).</param>
/// <param name="Start">How the img2img candidate reached its strength's timestep (noised for the semantic route).</param>
/// <param name="BestOf">img2img candidates drawn per item, the one closest to the low-level image kept (1: one draw).</param>
public sealed record SelectionCandidate(SemanticTarget Target, double Strength, double Guidance, double Blend, ValidationScore Score, bool KeepsFidelity,
    Img2ImgStart Start = Img2ImgStart.Noised, int BestOf = 1);

/// <summary>The choice and everything it was chosen from (recorded in run.json).</summary>
/// <param name="TargetAccuracy">Validation category accuracy of the semantic maps.</param>
/// <param name="LowLevel">The low-level route's own validation score (img2img only).</param>
/// <param name="LowLevelLambda">The ridge penalty of the low-level map the candidates started from (img2img only). It is
/// chosen for the single-trial validation items; the test decode refits the map with the penalty corrected for its
/// samples' repeats (the decode's method description gives that one), so the two can differ.</param>
/// <param name="ValidationStimulusIds">The training stimuli held out as the validation split (<see cref="ValidationSplit"/>),
/// so a reader can check that none of them is a test stimulus and rebuild the split without re-deriving the seeded draw.</param>
/// <param name="Floor">The fidelity a candidate had to keep (img2img only).</param>
/// <param name="LowLevelForms">When the low-level prior was chosen here: the validation score of the low-level image of
/// each form tried (<see cref="LowLevelPrior"/>), the higher PixCorr + SSIM winning.</param>
/// <param name="ChosenScore">The chosen candidate's validation score (what <c>evaluate</c> compares routes by, <see cref="ValidationRecord"/>).</param>
/// <param name="StimuliAgreement">The category agreement of the validation stimuli themselves, what a perfect
/// reconstruction would score (<see cref="NearestNeighbourCategoryJudge.StimuliAgreement"/>).</param>
public sealed record SelectionResult(DecodingSettings Chosen, IReadOnlyDictionary<string, double> TargetAccuracy,
    IReadOnlyList<SelectionCandidate> Candidates, ValidationScore? LowLevel, int ValidationItems, int FitSamples, string Rule,
    double? LowLevelLambda = null, IReadOnlyList<string>? ValidationStimulusIds = null, FidelityFloor? Floor = null,
    IReadOnlyDictionary<string, ValidationScore>? LowLevelForms = null, ValidationScore? ChosenScore = null, double? StimuliAgreement = null)
{
    /// <summary>The chosen candidate's <see cref="ValidationRecord"/> (null without the validation stimuli's ids).</summary>
    public ValidationRecord? Record => ChosenScore is null || ValidationStimulusIds is null ? null
        : ValidationRecord.Of(ValidationStimulusIds, ChosenScore, Chosen.ValidationWholeCategories, StimuliAgreement);
}

/// <summary>
/// Chooses the image-to-image and semantic routes' settings on a validation split of the training trials
/// (<see cref="ValidationSplit"/>), never on the test stimuli. The routes are fitted on the rest of the training trials;
/// each (strength, guidance) is decoded once (K = 1) with the category target, and every blend with the low-level
/// reconstruction is scored (<see cref="ValidationScore"/>). The rule:
/// <list type="number">
/// <item>keep the fidelity floor (<see cref="FidelityFloor"/>): img2img candidates whose validation PixCorr or SSIM is
/// below it are out. The floor is the low-level route's own validation PixCorr and SSIM unless the user names the
/// fidelity they need (a lab that wants the category first and accepts some blur asks for less); the semantic route has
/// no low-level image and keeps every candidate;</item>
/// <item>among the rest, the highest category agreement (<see cref="NearestNeighbourCategoryJudge"/>); ties go to the
/// higher PixCorr + SSIM;</item>
/// <item>the context and contrastive targets are decoded at the chosen (strength, guidance) and win if they rank higher
/// by the same rule;</item>
/// <item>with a best-of-M grid (<see cref="SelectionGrid.BestOf"/>) and a chosen setting with the noised start (the
/// inverted start draws no noise to choose among), that setting is decoded again keeping
/// the best of M candidates per item (<see cref="Img2ImgSettings.BestOf"/>), every blend scored, and wins if it ranks
/// higher by the same rule. It costs M decodes of the validation items, so only the chosen setting is tried.</item>
/// </list>
/// If no candidate keeps the floor, the one closest to it (highest PixCorr + SSIM) is chosen, and the rule says so.
/// Asked to (<c>--low-level-prior choose</c>), the img2img selection first fits the low-level latent in both forms
/// (<see cref="LowLevelPrior"/>) and starts every candidate from the form with the higher validation PixCorr + SSIM.
/// </summary>
public static class RouteSelection
{
    /// <param name="decodeSteps">The step count the chosen setting will decode the test items with (null: the validation
    /// decodes' own, <paramref name="settings"/>' Sampling.Steps); a strength must run a step at both.</param>
    /// <param name="minPixCorr">The validation PixCorr a candidate must keep (img2img only); null: the low-level route's.</param>
    /// <param name="minSsim">The validation SSIM a candidate must keep (img2img only); null: the low-level route's.</param>
    /// <param name="chooseLowLevelPrior">img2img only: fit the low-level latent in each form (<see cref="LowLevelPrior"/>) and
    /// keep the one whose low-level images score the higher validation PixCorr + SSIM; false: the settings' form.</param>
    public static SelectionResult Select(DecodingSettings settings, RouteModels models, StimulusPairs train, IReadOnlyList<string> categoryNames,
        SelectionGrid grid, int validationStimuli, IProgress<ProgressUpdate>? progress = null, int? decodeSteps = null,
        double? minPixCorr = null, double? minSsim = null, bool chooseLowLevelPrior = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var spec = RouteCatalog.Spec(settings.Route);
        Check.That(spec.Name is Img2ImgRoute.Name or SemanticRoute.Name, "select", spec.Name, "chooses settings of the img2img and semantic routes only");
        Check.That(spec.Name == Img2ImgRoute.Name || !chooseLowLevelPrior, "low_level_prior", "choose",
            $"chooses the low-level latent of the img2img route; the {spec.Name} route has none");
        Check.That(spec.Name == Img2ImgRoute.Name || (minPixCorr is null && minSsim is null),
            minPixCorr is not null ? "select_min_pixcorr" : "select_min_ssim", minPixCorr ?? minSsim,
            $"sets the fidelity img2img candidates keep; the {spec.Name} route has no low-level image to keep");
        var ldm = models.Ldm ?? throw new InvalidSettingException("ldm", null, $"is required by the {spec.Name} route (a train-ldm folder)");
        // A strength that runs no denoising step at the validation decodes' step count, or at the test decode's, is
        // skipped (and named in the rule).
        int fewestSteps = Math.Min(settings.Sampling.Steps, decodeSteps ?? settings.Sampling.Steps);
        var skipped = spec.Name == Img2ImgRoute.Name
            ? grid.Strengths.Where(s => Diffusion.Img2Img.StepsRun(fewestSteps, s) < 1).ToList()
            : [];
        var strengths = spec.Name == Img2ImgRoute.Name ? grid.Strengths.Except(skipped).ToList() : [1.0];
        Check.That(strengths.Count > 0, "select_strengths", string.Join(" ", grid.Strengths.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            string.Create(CultureInfo.InvariantCulture, $"run no denoising step at {fewestSteps} steps; raise a strength to at least {Diffusion.Img2Img.SmallestStrength(fewestSteps)} or the steps"));
        if (spec.Name == Img2ImgRoute.Name && grid.StartsTried.Contains(Img2ImgStart.Inverted))
        {
            Check.That(settings.Sampling.Sampler == SamplerKind.Ddim && settings.Sampling.Eta == 0, "select_starts", "inverted",
                $"needs the deterministic DDIM sampler ({{sampler}} ddim); this decode uses {settings.Sampling.Sampler.ToString().ToLowerInvariant()}");
            Check.That(settings.Img2Img.LowFrequencyBlock == 0, "select_starts", "inverted",
                "has no noise for ILVR to hold the latent to; leave out {ilvr_block} or {select_starts} inverted");
        }
        Check.That(spec.Name != Img2ImgRoute.Name || grid.BestOf == 1 || grid.StartsTried.Contains(Img2ImgStart.Noised), "best_of", grid.BestOf,
            "chooses among noised candidates; the grid tries the inverted start only (add noised to {select_starts})");
        var split = ValidationSplit.Carve(train, validationStimuli, settings.Seed, settings.ValidationWholeCategories);
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
            using var judge = new NearestNeighbourCategoryJudge(fit, split.JudgeOnly);
            double stimuliAgreement = judge.StimuliAgreement(validation);
            var stimuli = ValidationStimuli.Of(validation);
            var ids = validation.StimulusIds.Select(id => id.Value).ToArray();
            LowLevelRoute? lowLevel = null;
            Tensor? low = null;                                                                            // (N, 1, C, S, S)
            Dictionary<string, ValidationScore>? lowLevelForms = chooseLowLevelPrior ? [] : null;
            var lowLevelPrior = settings.LowLevelPrior;
            static string FormName(LowLevelPrior prior) => prior.ToString().ToLowerInvariant();
            static double Fidelity(ValidationScore score) => score.PixCorr + score.Ssim;
            if (spec.Name == Img2ImgRoute.Name)
            {
                // One low-level form, or each form scored on the validation split and the higher PixCorr + SSIM kept.
                foreach (var prior in chooseLowLevelPrior ? [LowLevelPrior.None, LowLevelPrior.Category] : new[] { settings.LowLevelPrior })
                {
                    var route = LowLevelRoute.Fit(fit, ldm.Sampler.FirstStage, settings.Seed, prior: prior);
                    var images = route.Decode(DecodeBatch.For(route, validation.Voxels, validation.VoxelCount, ids, validation.Categories, []), 1);
                    if (lowLevelForms is not null)
                    {
                        using var first = images.select(1, 0);
                        var score = Score(first, stimuli, judge, validation.Categories);
                        lowLevelForms[FormName(prior)] = score;
                        if (low is not null && Fidelity(score) <= Fidelity(lowLevelForms[FormName(lowLevelPrior)]))
                        {
                            images.Dispose();
                            continue;
                        }
                    }
                    low?.Dispose();
                    (lowLevel, low, lowLevelPrior) = (route, images, prior);
                }
            }
            using var keptLowImages = low;                                                                 // disposed with this scope
            ValidationScore? lowScore = null;
            FidelityFloor? floor = null;
            if (low is not null)
            {
                using var lowImages = low.select(1, 0);
                lowScore = Score(lowImages, stimuli, judge, validation.Categories);
                floor = new FidelityFloor(minPixCorr ?? lowScore.PixCorr, minSsim ?? lowScore.Ssim,
                    (minPixCorr, minSsim) switch
                    {
                        (null, null) => "the low-level route's validation PixCorr and SSIM",
                        (not null, not null) => "asked for with --select-min-pixcorr and --select-min-ssim",
                        (not null, null) => "PixCorr asked for with --select-min-pixcorr, SSIM the low-level route's",
                        _ => "SSIM asked for with --select-min-ssim, PixCorr the low-level route's",
                    });
            }
            var candidates = new List<SelectionCandidate>();
            var blends = spec.Name == Img2ImgRoute.Name ? grid.Blends : [0.0];
            var starts = spec.Name == Img2ImgRoute.Name ? grid.StartsTried : [Img2ImgStart.Noised];
            bool tryBestOf = spec.Name == Img2ImgRoute.Name && grid.BestOf > 1;
            int done = 0, total = strengths.Count * grid.Guidances.Count * starts.Count + 2 + (tryBestOf ? 1 : 0);   // best-of: one more, if its start is noised
            List<SelectionCandidate> Try(SemanticTarget target, double strength, double guidance, Img2ImgStart start, int bestOf = 1)
            {
                var sampling = settings.Sampling with { GuidanceScale = guidance };
                var decoder = semantic.WithTarget(target);
                IDecodingRoute route = lowLevel is null
                    ? new SemanticRoute(decoder, ldm, sampling)
                    : new Img2ImgRoute(lowLevel, decoder, ldm, sampling, settings.Img2Img with { Strength = strength, Blend = 0, Start = start, BestOf = bestOf });
                using var decoded = DecodeAll(route, validation, ids, settings.Seed);                      // (N, 1, C, S, S)
                var scored = new List<SelectionCandidate>();
                foreach (double blend in blends)
                {
                    using var images = low is null || blend == 0 ? decoded.select(1, 0).clone() : decoded.Times(1 - blend).Plus(low.Times(blend)).select(1, 0);
                    var score = Score(images, stimuli, judge, validation.Categories);
                    bool keeps = floor is null || (score.PixCorr >= floor.PixCorr && score.Ssim >= floor.Ssim);
                    scored.Add(new SelectionCandidate(target, strength, guidance, blend, score, keeps, start, bestOf));
                }
                progress?.Report(new ProgressUpdate(++done / (double)total, $"validation {done}/{total}"));
                return scored;
            }
            foreach (var start in starts)
                foreach (double strength in strengths)
                    foreach (double guidance in grid.Guidances)
                        candidates.AddRange(Try(SemanticTarget.Category, strength, guidance, start));
            var bestCategory = Best(candidates);
            candidates.AddRange(Try(SemanticTarget.Context, bestCategory.Strength, bestCategory.Guidance, bestCategory.Start));
            candidates.AddRange(Try(SemanticTarget.Contrastive, bestCategory.Strength, bestCategory.Guidance, bestCategory.Start));
            var best = Best(candidates);
            bool triedBestOf = tryBestOf && best.Start == Img2ImgStart.Noised;
            if (triedBestOf)
            {
                candidates.AddRange(Try(best.Target, best.Strength, best.Guidance, best.Start, grid.BestOf));   // every blend again, best-of-M
                best = Best(candidates);
            }
            else if (tryBestOf)
                progress?.Report(new ProgressUpdate(1.0, $"validation {total}/{total}"));
            var chosen = settings with
            {
                SemanticTarget = best.Target,
                LowLevelPrior = lowLevelPrior,
                Sampling = settings.Sampling with { GuidanceScale = best.Guidance },
                Img2Img = spec.Name == Img2ImgRoute.Name ? settings.Img2Img with { Strength = best.Strength, Blend = best.Blend, Start = best.Start, BestOf = best.BestOf } : settings.Img2Img,
            };
            string agreement = "the highest category agreement (share of each image's 10 nearest "
                + (split.JudgeOnly is null ? "fit images" : "training images, fit images or the held-out categories' other stimuli,")
                + string.Create(CultureInfo.InvariantCulture, $" by pixel correlation in its category; the validation stimuli themselves, a perfect reconstruction, score {stimuliAgreement:F3}), ")
                + "ties to the higher PixCorr + SSIM";
            string rule = "fitted on the training trials without the validation stimuli"
                + (split.HeldOutCategories is { Count: > 0 } ? ", which come " + split.Describe(categoryNames) : "")
                + "; no test stimulus and no scoring classifier used. "
                + (floor is null
                    ? char.ToUpperInvariant(agreement[0]) + agreement[1..]
                    : string.Create(CultureInfo.InvariantCulture, $"Candidates keeping validation PixCorr >= {floor.PixCorr:F3} and SSIM >= {floor.Ssim:F3} ({floor.Source}), then {agreement}"))
                + (starts.Count > 1 ? "; the category target over the grid of starts (noised, DDIM-inverted), strengths and guidances" : "; the category target over the grid")
                + ", then the context and contrastive targets at the chosen start, strength and guidance"
                + (triedBestOf ? string.Create(CultureInfo.InvariantCulture, $", then that setting with the best of {grid.BestOf} candidates per item (the one closest to the low-level image) against one") : "")
                + (tryBestOf && !triedBestOf ? string.Create(CultureInfo.InvariantCulture, $"; the best of {grid.BestOf} not tried: the chosen start is inverted, which draws no noise") : "")
                + (skipped.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"; strength {string.Join(", ", skipped.Select(s => s.ToString(CultureInfo.InvariantCulture)))} skipped: no denoising step at {fewestSteps} steps") : "")
                + (candidates.Any(c => c.KeepsFidelity) ? "" : ". No candidate kept the fidelity floor: the one closest to it (highest PixCorr + SSIM) was chosen");
            if (lowLevelForms is not null)
                rule += string.Create(CultureInfo.InvariantCulture,
                    $"; the low-level latent {(lowLevelPrior == LowLevelPrior.Category ? "with the predicted category's mean" : "as one ridge map")} (validation PixCorr + SSIM "
                    + $"{string.Join(", ", lowLevelForms.Select(f => $"{f.Key} {f.Value.PixCorr + f.Value.Ssim:F3}"))})");
            return new SelectionResult(chosen, accuracy, candidates, lowScore, validation.Count, fit.Count, rule, lowLevel?.Map.Lambda, ids, floor, lowLevelForms, best.Score,
                stimuliAgreement);
        }
        finally
        {
            split.DisposeImages();
        }
    }

    /// <summary>The rule's choice: among candidates keeping the fidelity floor, the highest category agreement, ties to
    /// the higher PixCorr + SSIM; if none keeps it, the highest PixCorr + SSIM.</summary>
    public static SelectionCandidate Best(IReadOnlyList<SelectionCandidate> candidates) => Best(candidates, c => (c.KeepsFidelity, c.Score));

    /// <summary>The same rule over anything that carries a candidate's floor verdict and scores (a sweep's rows).</summary>
    public static T Best<T>(IReadOnlyList<T> candidates, Func<T, (bool KeepsFidelity, ValidationScore Score)> of)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        Check.That(candidates.Count > 0, "select", null, "has no candidate to choose from");
        return Rank(candidates, of).First();
    }

    /// <summary>Candidates in the rule's order: those keeping the floor first, by category agreement, ties to the higher
    /// PixCorr + SSIM; then the rest by PixCorr + SSIM. <see cref="Best{T}"/> is the first.</summary>
    public static IEnumerable<T> Rank<T>(IEnumerable<T> candidates, Func<T, (bool KeepsFidelity, ValidationScore Score)> of)
        => candidates.OrderByDescending(c => of(c).KeepsFidelity)
            .ThenByDescending(c => of(c).KeepsFidelity ? of(c).Score.CategoryAgreement : 0)
            .ThenByDescending(c => of(c).Score.PixCorr + of(c).Score.Ssim);

    private static Tensor DecodeAll(IDecodingRoute route, StimulusPairs items, string[] ids, long seed)
    {
        var generators = ItemGenerators.For(seed, ids);
        try
        {
            var chunks = new List<Tensor>();
            var batch = DecodeBatch.For(route, items.Voxels, items.VoxelCount, ids, items.Categories, generators);
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

    /// <summary>The validation score of images (N, C, S, S) in [0, 1] against their stimuli and the stimuli's categories.</summary>
    public static ValidationScore Score(Tensor images, ValidationStimuli stimuli, NearestNeighbourCategoryJudge judge, IReadOnlyList<int> categories)
    {
        ArgumentNullException.ThrowIfNull(judge);
        var (pixCorr, ssim, identification) = PixelScore(images, stimuli);
        return new ValidationScore(pixCorr, ssim, identification, judge.Agreement(images, categories));
    }

    /// <summary>PixCorr, SSIM and pixel 2-way identification of images (N, C, S, S) in [0, 1] against their stimuli, as
    /// decoded.h5 will hold them (8-bit), on the stimuli's own region of the canvas.</summary>
    public static (double PixCorr, double Ssim, double Identification) PixelScore(Tensor images, ValidationStimuli stimuli)
    {
        ArgumentNullException.ThrowIfNull(stimuli);
        using var bytes = images.Clamped(0, 1).Times(255).round().to(ScalarType.Byte);
        var decoded = RouteImages.ToImageTensors(bytes).Select(stimuli.Geometry.ToRegion).ToArray();
        var targets = stimuli.Images;
        double pixCorr = Enumerable.Range(0, decoded.Length).Average(i => SafeCorrelation(decoded[i], targets[i]));
        double ssim = Ssim.Compute(decoded, targets).Mean;
        double identification = TwoWayIdentification.ComputeWithSimilarity(decoded.Length, (i, j) => SafeCorrelation(decoded[i], targets[j])).Mean;
        return (pixCorr, ssim, identification);
    }

    private static double SafeCorrelation(ImageTensor a, ImageTensor b)
    {
        bool constant = a.Pixels.All(p => p == a.Pixels[0]) || b.Pixels.All(p => p == b.Pixels[0]);
        return constant ? 0 : PixCorr.Compute(a, b);
    }
}
