using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// MinD-Vis's route: the trained double-conditioned LDM (<see cref="DoubleConditionedLdm"/>, stage B on the stage-A
/// brain encoder) turns each voxel vector into a context and an added time embedding, repeated K times and handed,
/// with the adapter's null condition for classifier-free guidance, to the sampler (MinD-Vis: PLMS, 250 steps,
/// 5 samples, no guidance).
/// </summary>
public sealed class MindVisRoute : IDecodingRoute
{
    public const string Name = "mindvis";

    /// <summary>The paper's sampling (Chen et al. 2023; its code's PLMS sampler, 250 steps, no classifier-free guidance).</summary>
    public const string PaperSampler = "plms";

    /// <inheritdoc cref="PaperSampler"/>
    public const int PaperSteps = 250;

    /// <inheritdoc cref="PaperSampler"/>
    public const double PaperGuidance = 1.0;

    /// <summary>Where a decode's sampling departs from the paper's ("ddim, 50 steps, guidance 5"), or null when it does not.</summary>
    public static string? DeparturesFromPaper(string sampler, int steps, double guidance)
    {
        var parts = new List<string>();
        if (!string.Equals(sampler, PaperSampler, StringComparison.OrdinalIgnoreCase)) parts.Add(sampler);
        if (steps != PaperSteps) parts.Add($"{steps} steps");
        if (guidance != PaperGuidance) parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"guidance {guidance:G4}"));
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private readonly DoubleConditionedLdm model;
    private readonly LatentDiffusionSampler sampler;
    private readonly SamplingOptions sampling;

    public MindVisRoute(DoubleConditionedLdm model, FirstStage firstStage, SamplingOptions sampling)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(firstStage);
        this.sampling = sampling.Validate(model.Config.Scheduler.NumTrainTimesteps);
        sampler = new LatentDiffusionSampler(model.Unet, firstStage, model.Config.Scheduler, model.Config.ImageSize);
        model.eval();
        Method = new DecodedMethod("MinD-Vis: DC-LDM (stage A + stage B)", DecodedMethod.Route, Name, UsesFmri: true, UsesTrueLabel: false,
            ControlOf: null, $"the masked brain autoencoder's tokens mapped by the trained adapter into the UNet's cross-attention context and "
            + $"time embedding; {sampling.Sampler.ToString().ToLowerInvariant()} {sampling.Steps} steps, guidance {sampling.GuidanceScale:G3}"
            + (model.Config.BrainEncoder.IncludeTestFmri ? "; stage A saw test fMRI (without images)" : ""));
    }

    public DecodedMethod Method { get; }

    public bool Stochastic => true;

    public Tensor Decode(DecodeBatch batch, int samples)
    {
        using var noGrad = no_grad();
        using var voxels = tensor(batch.Voxels, new long[] { batch.Count, batch.VoxelCount });        // (N, V)
        return LatentSampling.Sample(sampler, batch, samples, sampling, (start, b) =>
        {
            var condition = model.Condition(voxels.narrow(0, start, b));
            var context = condition.Context.repeat_interleave(samples, 0);                             // (b K, T, D_ctx)
            var time = condition.TimeEmbedding?.repeat_interleave(samples, 0);                         // (b K, D_time)
            var nullCondition = model.Adapter.NullCondition(b * samples);
            return new GuidanceContexts(context, nullCondition.Context, time, time is null ? null : nullCondition.TimeEmbedding);
        });
    }
}
