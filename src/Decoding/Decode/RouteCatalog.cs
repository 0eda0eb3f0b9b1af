using Decoding.Decode.Routes;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Fmri.Core;
using Fmri.Data;

namespace Decoding.Decode;

/// <summary>The trained models routes may use; each route says which it needs.</summary>
/// <param name="Ldm">A trained latent diffusion model (<c>train-ldm</c> folder): its VAE, UNet and conditioner.</param>
/// <param name="MindVis">A trained fMRI-conditioned LDM (<c>train-adapter</c> folder) and its first stage.</param>
/// <param name="TruthFile">The simulator's truth.h5 (the noise-free ceiling).</param>
public sealed record RouteModels(TextToImagePipeline? Ldm = null, (DoubleConditionedLdm Model, FirstStage FirstStage)? MindVis = null, string? TruthFile = null);

/// <summary>One entry of the catalog: a route's name, kind and what it needs.</summary>
/// <param name="ChoosesOnValidation">The route chooses its own setting on a validation split of the training trials
/// while it is fitted (and reports that fit's progress).</param>
/// <param name="RunsBackwardPasses">The route follows gradients through a convolutional model (so <c>decode</c> applies
/// the oneDNN backward decision, <c>--onednn-backward</c>, for it).</param>
public sealed record RouteSpec(string Name, string Kind, bool NeedsLdm, bool NeedsMindVis, bool NeedsTruth, string Summary, bool ChoosesOnValidation = false,
    bool RunsBackwardPasses = false);

/// <summary>
/// Every way <c>decode --route</c> can make images, by name. Routes from fMRI: <c>lowlevel</c> (ridge to the VAE
/// latent), <c>encoding</c> (an encoding model inverted through the VAE from that latent), <c>semantic</c> (ridge to the conditioning, then the LDM from noise), <c>img2img</c> (both: the
/// low-level latent as start, the semantic conditioning as guide), <c>mindvis</c> (the trained DC-LDM). Baseline:
/// <c>ridge-pixels</c>. References without fMRI: <c>mean-image</c>, <c>class-mean</c> and <c>ldm-class</c> (the last two
/// use the true label: oracle bounds), and on simulated data <c>ceiling</c>.
/// </summary>
public static class RouteCatalog
{
    public static IReadOnlyList<RouteSpec> Routes { get; } =
    [
        new(Img2ImgRoute.Name, DecodedMethod.Route, true, false, false, "low-level latent + semantic conditioning through the LDM (img2img)"),
        new(LowLevelRoute.Name, DecodedMethod.Route, true, false, false, "ridge voxels -> VAE latent, decoded by the VAE"),
        new(EncodingInversionRoute.Name, DecodedMethod.Route, true, false, false, "Gabor-energy encoding model (a pooling field or a linear map per voxel) inverted through the VAE from the low-level latent", ChoosesOnValidation: true,
            RunsBackwardPasses: true),
        new(SemanticRoute.Name, DecodedMethod.Route, true, false, false, "ridge voxels -> conditioning, LDM from pure noise"),
        new(MindVisRoute.Name, DecodedMethod.Route, false, true, false, "MinD-Vis's DC-LDM (stage A + stage B)"),
        new(RidgePixelsRoute.Name, DecodedMethod.Baseline, false, false, false, "ridge voxels -> pixels"),
        new(MeanImageReference.Name, DecodedMethod.Reference, false, false, false, "the mean training image (no fMRI)"),
        new(ClassMeanReference.Name, DecodedMethod.Reference, false, false, false, "the true category's mean training image (true label)"),
        new(LdmClassReference.Name, DecodedMethod.Reference, true, false, false, "LDM samples of the true category (true label)"),
        new(NoiseFreeCeiling.Name, DecodedMethod.Reference, false, false, true, "pixel ridge on the simulator's noise-free responses"),
    ];

    public static IReadOnlyList<string> Names => Routes.Select(r => r.Name).ToArray();

    public static RouteSpec Spec(string name) =>
        Routes.FirstOrDefault(r => r.Name == name) ?? throw new InvalidSettingException("route", $"'{name}'", $"is unknown; choose one of {string.Join(", ", Names)}");

    /// <summary>Fits the route <paramref name="settings"/> names on <paramref name="train"/> (at the decode geometry).</summary>
    /// <param name="progress">Told the fraction done of a long fit (the encoding route's validation inversions).</param>
    public static IDecodingRoute Build(DecodingSettings settings, RouteModels models, StimulusPairs train, IReadOnlyList<string> categoryNames,
        IProgress<ProgressUpdate>? progress = null)
    {
        var spec = Spec(settings.Route);
        if (spec.NeedsLdm && models.Ldm is null) throw new InvalidSettingException("ldm", null, $"is required by the {spec.Name} route (a train-ldm folder)");
        if (spec.NeedsMindVis && models.MindVis is null) throw new InvalidSettingException("model", null, $"is required by the {spec.Name} route (a train-adapter folder)");
        if (spec.NeedsTruth && models.TruthFile is null) throw new InvalidSettingException("simulation_truth", null, $"is required by the {spec.Name} route (the simulator's truth.h5)");
        long seed = settings.Seed;
        // The ridge maps to images are scored for the decoded samples' noise (averages of InputRepeats trials).
        Fmri.Ridge.TrialNoise? Noise() => RouteNoise.For(train, settings.InputRepeats, seed);
        return spec.Name switch
        {
            Img2ImgRoute.Name => new Img2ImgRoute(LowLevelRoute.Fit(train, models.Ldm!.Sampler.FirstStage, seed, Noise(), settings.LowLevelPrior),
                SemanticDecoder.Fit(train, categoryNames, models.Ldm, settings.SemanticTarget, seed), models.Ldm, settings.Sampling, settings.Img2Img),
            LowLevelRoute.Name => LowLevelRoute.Fit(train, models.Ldm!.Sampler.FirstStage, seed, Noise(), settings.LowLevelPrior),
            EncodingInversionRoute.Name => EncodingInversionRoute.Fit(train, models.Ldm!.Sampler.FirstStage, seed, Noise(), settings.LowLevelPrior, settings.EncodingPenalty, progress, settings.ValidationStimuli, settings.EncodingSteps,
                settings.ValidationWholeCategories, categoryNames),
            SemanticRoute.Name => new SemanticRoute(SemanticDecoder.Fit(train, categoryNames, models.Ldm!, settings.SemanticTarget, seed), models.Ldm!, settings.Sampling),
            MindVisRoute.Name => new MindVisRoute(models.MindVis!.Value.Model, models.MindVis.Value.FirstStage, settings.Sampling),
            RidgePixelsRoute.Name => RidgePixelsRoute.Fit(train, seed, Noise()),
            MeanImageReference.Name => MeanImageReference.Fit(train),
            ClassMeanReference.Name => ClassMeanReference.Fit(train),
            LdmClassReference.Name => new LdmClassReference(models.Ldm!, settings.Sampling, categoryNames),
            NoiseFreeCeiling.Name => NoiseFreeCeiling.Fit(train, models.TruthFile!, seed),
            _ => throw new InvalidOperationException($"route {spec.Name} is listed but not built"),
        };
    }
}
