using System.Globalization;
using Decoding.LatentDiffusion;
using Fmri.Core;
using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.EncodingModels;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// Bayesian decoding with an encoding model (Naselaris et al. 2009), the generator's decoder as the image prior: the
/// image is the VAE decoding of the latent z that best explains the measured voxels under an encoding model (image ->
/// voxels, fitted on the training trials; <see cref="FitEncodingModel"/>: for each voxel a feature-weighted receptive
/// field, <see cref="FeatureWeightedReceptiveFields"/>, or a linear map from Gabor energy everywhere in the image,
/// <see cref="GaborEncodingModel"/>, whichever predicts its held-out trials better) while staying near the low-level
/// route's latent z₀ (<see cref="LowLevelRoute"/>, voxels -> latent):
/// <code>
///   z* = argmin_z  mean_i [1 − corr(f(D(z_i)), y_i)] + λ mean((z − z₀)²)
/// </code>
/// where D is the frozen VAE decoder, f the encoding model and y_i the item's measured voxels; Adam from z₀ for
/// <see cref="Steps"/> steps. The correlation ignores the pattern's overall scale and offset, which the encoding
/// model's shrunken predictions do not match. The two maps carry different information: the linear decoder gives the
/// expected latent, blurred where the voxels are uncertain; the encoding model says which local orientations and
/// spatial frequencies the image must hold for early visual cortex to respond as it did, and the decoder keeps the
/// image among those the VAE can draw. Deterministic (K = 1).
/// <para>
/// λ is chosen on a validation split carved from the training trials (<see cref="ValidationSplit"/>; both maps refitted
/// without it), with the rule <c>decode --select</c> applies to img2img: candidates whose validation PixCorr and SSIM
/// keep the low-level route's own, then the highest category agreement (<see cref="NearestNeighbourCategoryJudge"/>).
/// No test stimulus and no scoring classifier are used. The validation items are single training trials, the decoded
/// samples may average many (Generic Object Decoding: 35), and cleaner voxels deserve a weaker pull toward z₀: the
/// chosen λ is scaled for the decoded samples' repeats (<see cref="RepeatsCorrection"/>), as the ridge maps' penalties
/// are (<see cref="Fmri.Ridge.TrialNoise"/>).
/// </para>
/// </summary>
public sealed class EncodingInversionRoute : IDecodingRoute, IDisposable
{
    public const string Name = "encoding";

    /// <summary>Adam steps on the latent by default (<c>decode --encoding-steps</c>).</summary>
    public const int DefaultSteps = 100;

    /// <summary>Adam's step size on the (unscaled) latent.</summary>
    public const double LearningRate = 0.02;

    /// <summary>The penalties λ tried on the validation split (each costs one inversion of the validation items).</summary>
    public static IReadOnlyList<double> DefaultPenalties { get; } = [0.3, 1, 3];

    private readonly LowLevelRoute lowLevel;
    private readonly IEncodingModel encoding;

    private EncodingInversionRoute(LowLevelRoute lowLevel, IEncodingModel encoding, double penalty, int steps, DecodedMethod method, ValidationRecord? validation)
    {
        Steps = steps;
        Validation = validation;
        this.lowLevel = lowLevel;
        this.encoding = encoding;
        Penalty = penalty;
        Method = method;
    }

    /// <summary>Adam steps on the latent, in the validation decodes and the decode.</summary>
    public int Steps { get; }

    /// <summary>λ, the weight of the pull toward the low-level latent.</summary>
    public double Penalty { get; }

    public DecodedMethod Method { get; }

    public bool Stochastic => false;

    /// <summary>The chosen λ's validation score (null when λ was given).</summary>
    public ValidationRecord? Validation { get; }

    /// <summary>Chooses λ on a validation split of <paramref name="train"/> (unless <paramref name="penalty"/> is given),
    /// then fits both maps on all of <paramref name="train"/>.</summary>
    /// <param name="noise">The trial noise of the samples to decode, for the low-level map (<see cref="RouteNoise"/>) and
    /// the scaling of the chosen λ (<see cref="RepeatsCorrection"/>).</param>
    /// <param name="validationStimuli">Training stimuli held out to choose λ (at most half of them; see <see cref="ValidationSplit"/>).</param>
    public static EncodingInversionRoute Fit(StimulusPairs train, FirstStage vae, long seed, Fmri.Ridge.TrialNoise? noise = null,
        LowLevelPrior prior = LowLevelPrior.None, double? penalty = null, IProgress<ProgressUpdate>? progress = null,
        int validationStimuli = DecodingSettings.DefaultValidationStimuli, int steps = DefaultSteps, bool validationWholeCategories = false,
        IReadOnlyList<string>? categoryNames = null)
    {
        Check.AtLeast(steps, 1, "encoding_steps");
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(vae);
        int size = (int)train.Images.shape[2];
        Check.That(GaborEnergyFeatures.Supports(size), "image_size", size, $"(the image size of the --ldm folder's model) is not one the encoding route's Gabor features take (16, 32, 48 or a multiple of {GaborEnergyFeatures.MaxWorkingSize})");
        string choice;
        ValidationRecord? validation = null;
        if (penalty is { } given)
        {
            Check.That(given >= 0 && double.IsFinite(given), "encoding_penalty", given, "must be a finite number >= 0");
            choice = string.Create(CultureInfo.InvariantCulture, $"lambda {given:G3} as given");
        }
        else
        {
            var (chosen, record, validationRepeats, score) = ChoosePenalty(train, vae, seed, prior, progress, validationStimuli, steps,
                validationWholeCategories, categoryNames);
            penalty = chosen;
            choice = record;
            validation = score;
            if (noise is not null)
            {
                // The decoded samples average more trials than the validation items: the data term deserves more weight.
                double signal = 1 - noise.MeanFraction;
                penalty = chosen * RepeatsCorrection(signal, validationRepeats, noise.Repeats);
                choice += string.Create(CultureInfo.InvariantCulture,
                    $"; for samples averaging {noise.Repeats:G3} trials (validation items: {validationRepeats:G3}; single-trial signal share {signal:F2}, estimated on the training samples) "
                    + $"the chosen lambda is scaled by {penalty / chosen:G3} to {penalty:G3}");
            }
        }
        progress?.Report(new ProgressUpdate(0.8, "the low-level map on every training sample"));
        var low = LowLevelRoute.Fit(train, vae, seed, noise, prior);
        progress?.Report(new ProgressUpdate(0.9, "the encoding model on every training sample"));
        var model = FitEncodingModel(train, seed);
        string description = string.Create(CultureInfo.InvariantCulture,
            $"Bayesian decoding with an encoding model: the VAE latent that best explains the measured voxels under "
            + $"{model.Description}, kept near the low-level latent ({low.Method.Description}); "
            + $"loss 1 - corr(predicted, measured voxels) + {penalty:G3} x mean squared distance to the low-level latent, Adam {steps} steps "
            + $"of {LearningRate:G3} through the frozen VAE decoder; {choice}");
        return new EncodingInversionRoute(low, model, penalty!.Value, steps,
            new DecodedMethod("encoding model inverted through the VAE (Bayesian decoding)", DecodedMethod.Route, Name,
                UsesFmri: true, UsesTrueLabel: false, ControlOf: null, description), validation);
    }

    /// <summary>
    /// The encoding model the route inverts: each voxel predicted by the feature-weighted receptive field model or by
    /// the linear Gabor-energy map, whichever has the smaller held-out error on <paramref name="train"/>
    /// (<see cref="VoxelwiseModelChoice"/>); both cross-validated on the same folds.
    /// </summary>
    public static IEncodingModel FitEncodingModel(StimulusPairs train, long seed)
    {
        int foldSeed = RouteImages.SubSeed(seed, "encoding-model-folds");
        var local = FeatureWeightedReceptiveFields.Fit(train, new Random(foldSeed));
        try
        {
            return new VoxelwiseModelChoice(local, GaborEncodingModel.Fit(train, new Random(foldSeed)));
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The factor that carries a λ chosen on items averaging <paramref name="validationRepeats"/> trials over to items
    /// averaging <paramref name="decodedRepeats"/>. The correlation loss is, to first order near a good fit, the Gaussian
    /// negative log-likelihood of the voxels (the pattern's scale and offset fitted) divided by the pattern's energy in
    /// noise units, c(R) = R (S + N/R) / N = (1 + (R − 1) s) / (1 − s) for signal variance S, single-trial noise N and
    /// signal share s = S / (S + N). The prior's weight in the likelihood's units does not depend on the noise, so the
    /// λ of the correlation loss scales with 1 / c(R): by c(R_validation) / c(R_decoded). 1 when the two average as many
    /// trials; below 1 (a weaker pull toward the low-level latent) when the decoded samples are cleaner.
    /// </summary>
    public static double RepeatsCorrection(double signalShare, double validationRepeats, double decodedRepeats)
    {
        Check.InRange(signalShare, 0, 1, "signal_share");
        Check.InRange(validationRepeats, 1, 1e9, "validation_repeats");
        Check.InRange(decodedRepeats, 1, 1e9, "decoded_repeats");
        return (1 + (validationRepeats - 1) * signalShare) / (1 + (decodedRepeats - 1) * signalShare);
    }

    /// <summary>λ by the validation rule (see the class remarks), the rule's record, the trials the validation items average,
    /// and the chosen λ's validation score.</summary>
    private static (double Penalty, string Choice, double ValidationRepeats, ValidationRecord Score) ChoosePenalty(StimulusPairs train, FirstStage vae, long seed, LowLevelPrior prior,
        IProgress<ProgressUpdate>? progress, int validationStimuli, int steps, bool wholeCategories, IReadOnlyList<string>? categoryNames)
    {
        var split = ValidationSplit.Carve(train, validationStimuli, seed, wholeCategories);
        var (fit, validation) = (split.Fit, split.Validation);
        try
        {
            progress?.Report(new ProgressUpdate(0, "validation: the low-level map"));
            var low = LowLevelRoute.Fit(fit, vae, seed, prior: prior);
            progress?.Report(new ProgressUpdate(0.05, "validation: the encoding model"));
            using var model = FitEncodingModel(fit, seed);
            using var judge = new NearestNeighbourCategoryJudge(fit, split.JudgeOnly);
            double stimuliAgreement = judge.StimuliAgreement(validation);
            var stimuli = ValidationStimuli.Of(validation);
            using var z0 = low.Map.PredictLatents(validation.Voxels, validation.Count);
            using var measured = tensor(validation.Voxels, new long[] { validation.Count, validation.VoxelCount });
            using var lowImages = low.Map.DecodeLatents(z0);
            var floor = RouteSelection.Score(lowImages, stimuli, judge, validation.Categories);
            var scored = new List<(double Penalty, bool Keeps, ValidationScore Score)>();
            foreach (double candidate in DefaultPenalties)
            {
                using var images = Invert(vae, model, z0, measured, candidate, steps);
                var score = RouteSelection.Score(images, stimuli, judge, validation.Categories);
                scored.Add((candidate, score.PixCorr >= floor.PixCorr && score.Ssim >= floor.Ssim, score));
                progress?.Report(new ProgressUpdate(0.1 + 0.7 * scored.Count / DefaultPenalties.Count, string.Create(CultureInfo.InvariantCulture, $"validation: lambda {candidate:G3} done")));
            }
            var best = RouteSelection.Best(scored, s => (s.Keeps, s.Score));
            string Row(double p, ValidationScore s) => string.Create(CultureInfo.InvariantCulture, $"{p:G3}: PixCorr {s.PixCorr:F3}, SSIM {s.Ssim:F3}, agreement {s.CategoryAgreement:F3}");
            string none = scored.Any(s => s.Keeps) ? "" : " (none kept it: the highest PixCorr + SSIM)";
            string rows = string.Join("; ", scored.Select(s => Row(s.Penalty, s.Score)));
            double validationRepeats = validation.RepeatCounts?.Average() ?? 1;
            string heldOut = split.HeldOutCategories is { Count: > 0 } ? " " + split.Describe(categoryNames) : "";
            return (best.Penalty, string.Create(CultureInfo.InvariantCulture,
                $"lambda {best.Penalty:G3} chosen on {validation.Count} validation stimuli held out of the training trials{heldOut}"
                + $" (both maps refitted on {fit.Count} samples without them; no test stimulus, no scoring classifier): candidates keeping the low-level route's validation PixCorr {floor.PixCorr:F3} "
                + $"and SSIM {floor.Ssim:F3}, then the highest category agreement (the validation stimuli themselves, a perfect reconstruction, score {stimuliAgreement:F3}){none}; "
                + $"validation {rows}"), validationRepeats,
                ValidationRecord.Of(validation.StimulusIds.Select(id => id.Value).ToArray(), best.Score, wholeCategories, stimuliAgreement));
        }
        finally
        {
            split.DisposeImages();
        }
    }

    /// <summary>
    /// The latents z (N, C_z, h, w) that minimise the route's loss from <paramref name="start"/> (z₀) for the measured
    /// voxels (N, V), decoded: images (N, C, S, S) in [0, 1]. Adam (β = 0.9, 0.999) written out, so the update is the
    /// same on every run.
    /// </summary>
    public static Tensor Invert(FirstStage vae, IEncodingModel model, Tensor start, Tensor measured, double penalty, int steps = DefaultSteps, double learningRate = LearningRate)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(measured);
        if (measured.shape[0] != start.shape[0] || measured.shape[1] != model.VoxelCount)
            throw new ArgumentException($"encoding inversion: {measured.shape[0]} x {measured.shape[1]} voxels for {start.shape[0]} latents and a model of {model.VoxelCount} voxels");
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        using var scope = NewDisposeScope();
        var z0 = start.detach().to(ScalarType.Float32);
        var y = measured.to(ScalarType.Float32);
        var yCentred = y.sub(y.mean([1L], keepdim: true));
        var yUnit = yCentred.div(yCentred.norm(1, keepdim: true).add(1e-8));
        var z = z0.clone();
        var m = zeros_like(z);
        var v = zeros_like(z);
        for (int t = 1; t <= steps; t++)
        {
            using var step = NewDisposeScope();
            var leaf = z.detach().requires_grad_(true);
            var images = ImageTensors.ToUnitRange(vae.DecodeWithGradient(leaf));                   // (N, C, S, S)
            var predicted = model.Predict(images);                                                 // (N, V)
            var centred = predicted.sub(predicted.mean([1L], keepdim: true));
            var correlation = centred.mul(yUnit).sum([1L]).div(centred.norm(1).add(1e-8));         // (N)
            var loss = correlation.neg().add(1).mean().add(leaf.sub(z0).square().mean().mul(penalty));
            TorchBackends.Backward(loss);
            using (no_grad())
            {
                var g = leaf.grad!;
                m.mul_(beta1).add_(g, alpha: 1 - beta1);
                v.mul_(beta2).addcmul_(g, g, value: 1 - beta2);
                var mHat = m.div(1 - Math.Pow(beta1, t));
                var vHat = v.div(1 - Math.Pow(beta2, t));
                z.sub_(mHat.div(vHat.sqrt().add(epsilon)).mul(learningRate));
            }
        }
        using (no_grad())
            return ImageTensors.ToUnitRange(vae.Decode(z)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var z0 = lowLevel.Map.PredictLatents(batch.Voxels, batch.Count);
        using var measured = tensor(batch.Voxels, new long[] { batch.Count, batch.VoxelCount });
        using var images = Invert(lowLevel.Map.FirstStage, encoding, z0, measured, Penalty, Steps);   // (N, C, S, S)
        return images.unsqueeze(1).expand(batch.Count, samples, images.shape[1], images.shape[2], images.shape[3]).contiguous();
    }

    public void Dispose() => encoding.Dispose();
}
