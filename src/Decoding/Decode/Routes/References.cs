using Decoding.LatentDiffusion;
using Fmri.Data;
using Fmri.Data.Simulation;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// A reference without fMRI: the mean training image, the same for every test item. What a pixel metric gives for
/// knowing only what stimuli look like on average; a decoder's PixCorr or SSIM below it carries no stimulus-specific
/// information.
/// </summary>
public sealed class MeanImageReference(Tensor mean, int trainCount) : IDecodingRoute
{
    public const string Name = "mean-image";

    public DecodedMethod Method { get; } = new("reference: mean training image", DecodedMethod.Reference, Name, UsesFmri: false, UsesTrueLabel: false,
        ControlOf: null, $"the pixel-wise mean of the {trainCount} training samples' stimulus images; no fMRI, the same image for every item");

    public bool Stochastic => false;

    /// <summary>The mean of the training pairs' images.</summary>
    public static MeanImageReference Fit(StimulusPairs train)
    {
        // In float64: the sum of bytes is exact, so the mean is the correctly rounded quotient, as a hand computation gives.
        using var images = train.Images.to(ScalarType.Float64);                                         // (N, C, S, S)
        using var mean = images.mean([0]).DividedBy(255.0);
        return new MeanImageReference(mean.to(ScalarType.Float32), train.Count);                        // (C, S, S)
    }

    public Tensor Decode(DecodeBatch batch, int samples)
        => mean.unsqueeze(0).unsqueeze(0).expand(batch.Count, samples, mean.shape[0], mean.shape[1], mean.shape[2]).contiguous();
}

/// <summary>
/// An oracle bound, not a decoder: the mean training image of the test item's true category. It uses the true label
/// (no fMRI), so it shows what knowing the category alone gives on every metric; a decoder near it decodes the category
/// and little else.
/// </summary>
public sealed class ClassMeanReference(IReadOnlyDictionary<int, Tensor> means) : IDecodingRoute
{
    public const string Name = "class-mean";

    public DecodedMethod Method { get; } = new("reference: class-mean training image (true label)", DecodedMethod.Reference, Name, UsesFmri: false,
        UsesTrueLabel: true, ControlOf: null, "the mean training image of the item's true category; uses the true label, so an oracle bound, not a decoder");

    public bool Stochastic => false;

    public static ClassMeanReference Fit(StimulusPairs train)
    {
        var means = new Dictionary<int, Tensor>();
        using var images = train.Images.to(ScalarType.Float64);                                         // (N, C, S, S), exact sums
        foreach (int category in train.Categories.Distinct())
        {
            using var rows = tensor(Enumerable.Range(0, train.Count).Where(i => train.Categories[i] == category).Select(i => (long)i).ToArray(), ScalarType.Int64);
            using var mean = images.index_select(0, rows).mean([0]).DividedBy(255.0);
            means[category] = mean.to(ScalarType.Float32);                                              // (C, S, S)
        }
        return new ClassMeanReference(means);
    }

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        var rows = new List<Tensor>();
        foreach (int category in batch.RequireTrueCategories(Name))
        {
            if (!means.TryGetValue(category, out var mean))
                throw new InvalidSettingException("route", Name, $"category {category} of a test item has no training image (a category held out of training has no class mean)");
            rows.Add(mean.unsqueeze(0).expand(samples, mean.shape[0], mean.shape[1], mean.shape[2]));
        }
        return stack(rows, 0).contiguous();                                                             // (N, K, C, S, S)
    }
}

/// <summary>
/// An oracle bound, not a decoder: the latent diffusion model's own samples prompted with the test item's true
/// category name. It shows what the generative prior draws for a category when the category is known exactly; a
/// semantic route cannot do better on category metrics than this.
/// </summary>
public sealed class LdmClassReference : IDecodingRoute
{
    public const string Name = "ldm-class";

    private readonly TextToImagePipeline ldm;
    private readonly SamplingOptions sampling;
    private readonly IReadOnlyList<string> categoryNames;

    public LdmClassReference(TextToImagePipeline ldm, SamplingOptions sampling, IReadOnlyList<string> categoryNames)
    {
        this.ldm = ldm ?? throw new ArgumentNullException(nameof(ldm));
        this.sampling = sampling.Validate(ldm.Sampler.Scheduler.NumTrainTimesteps);
        this.categoryNames = categoryNames;
        Method = new DecodedMethod("reference: LDM samples of the true category", DecodedMethod.Reference, Name, UsesFmri: false, UsesTrueLabel: true,
            ControlOf: null, $"the latent diffusion model prompted with the item's true category name; {sampling.Sampler.ToString().ToLowerInvariant()} "
            + $"{sampling.Steps} steps, guidance {sampling.GuidanceScale:G3}; uses the true label, so an oracle bound, not a decoder");
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => true;

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        var prompts = batch.RequireTrueCategories(Name).Select(c => c >= 0 && c < categoryNames.Count ? categoryNames[c] : "").ToArray();
        foreach (var prompt in prompts.Distinct())
            if (!ldm.ClassNames.Contains(prompt))
                throw new InvalidSettingException("ldm", null, $"does not know the test category '{prompt}' (its classes: {string.Join(", ", ldm.ClassNames)})");
        using var contexts = ldm.EncodePrompts(prompts).Conditional;                                   // (N, L, D)
        var device = ldm.Model.Device;
        return LatentSampling.Sample(ldm.Sampler, batch, samples, sampling, (start, b) =>
        {
            var conditional = contexts.narrow(0, start, b).repeat_interleave(samples, 0).to(device);
            return new GuidanceContexts(conditional, ldm.Model.Conditioner.NullContext(conditional.shape[0]));
        });
    }
}

/// <summary>
/// On simulated data, the ceiling the simulator allows a linear decoder: the pixel ridge fitted and tested on the
/// simulator's noise-free responses (truth.h5) to the same training and test stimuli, with no measurement noise.
/// Not the field's noise ceiling (the share of a voxel's variance that its repeats allow a model to explain): a decoder
/// given the noise-free responses, which no decoder from measured fMRI has, and not a bound on other decoders.
/// </summary>
public sealed class NoiseFreeCeiling : IDecodingRoute
{
    public const string Name = "ceiling";

    private readonly RidgeImageMap map;
    private readonly SimulationTruth truth;
    private readonly Dictionary<StimulusId, int> rowOf;

    private NoiseFreeCeiling(RidgeImageMap map, SimulationTruth truth, Dictionary<StimulusId, int> rowOf, string truthFile, int trainCount)
    {
        this.map = map;
        this.truth = truth;
        this.rowOf = rowOf;
        Method = new DecodedMethod("ceiling: ridge voxels -> pixels on noise-free responses", DecodedMethod.Reference, Name, UsesFmri: false,
            UsesTrueLabel: false, ControlOf: null, $"the simulator's noise-free responses of all {truth.VoxelCount} simulated voxels ({truthFile}) "
            + $"to the same {trainCount} training stimuli and the test stimuli, each voxel standardised with training statistics; ridge to the pixels, "
            + $"lambda {map.Lambda:G3}; what a linear decoder could reach without measurement noise");
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => false;

    public static NoiseFreeCeiling Fit(StimulusPairs train, string truthFile, long seed)
    {
        var truth = SimulationTruth.Read(truthFile);
        var rowOf = new Dictionary<StimulusId, int>();
        for (int i = 0; i < truth.StimulusCount; i++) rowOf[truth.StimulusIds[i]] = i;
        var x = Responses(truth, rowOf, train.StimulusIds.Select(id => id.Value).ToArray(), truthFile);
        var map = RidgeImageMap.Fit(x, truth.VoxelCount, RouteImages.ToImageTensors(train.Images), new Random(RouteImages.SubSeed(seed, "ceiling-folds")), groups: train.StimulusGroups());
        return new NoiseFreeCeiling(map, truth, rowOf, truthFile, train.Count);
    }

    public Tensor Decode(DecodeBatch batch, int samples)
        => RouteImages.Stack(map.Predict(Responses(truth, rowOf, batch.StimulusIds, "truth"), batch.Count), samples);

    private static float[] Responses(SimulationTruth truth, Dictionary<StimulusId, int> rowOf, IReadOnlyList<string> ids, string source)
    {
        int v = truth.VoxelCount;
        var x = new float[(long)ids.Count * v];
        for (int i = 0; i < ids.Count; i++)
        {
            if (!rowOf.TryGetValue(new StimulusId(ids[i]), out int k))
                throw new DataFormatException(source, "stimulus_id", $"has no noise-free response for stimulus '{ids[i]}'");
            truth.Response(k).CopyTo(x.AsSpan(i * v, v));
        }
        return x;
    }
}
