using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.BrainAttention;

/// <summary>What one fMRI item's decoding attended to: its image, and its cross-attention grouped by ROI.</summary>
/// <param name="Image">The decoded image, (C, S, S) in [0, 1].</param>
public sealed record ItemAttention(Tensor Image, RoiAttention Rois) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Decodes fMRI items with MinD-Vis's DC-LDM as <c>decode --route mindvis</c> does (one sample per item) while a
/// <see cref="CrossAttentionRecorder"/> averages the cross-attention maps over every step, layer and head, then groups
/// the context tokens by the ROIs of the brain patches they are made of (<see cref="RoiAttention"/>).
/// </summary>
public sealed class BrainAttentionRun
{
    public BrainAttentionRun(DoubleConditionedLdm model, FirstStage firstStage)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(firstStage);
        Sampler = new LatentDiffusionSampler(model.Unet, firstStage, model.Config.Scheduler, model.Config.ImageSize);
        model.eval();
    }

    public DoubleConditionedLdm Model { get; }
    public LatentDiffusionSampler Sampler { get; }

    /// <param name="voxels">One item, (1, V) at the brain encoder's width.</param>
    /// <param name="generator">The item's generator; its first (1, c, h, w) draw is the noise.</param>
    public ItemAttention Measure(Tensor voxels, PatchRois rois, SamplingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(voxels);
        ArgumentNullException.ThrowIfNull(options);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = Model.BrainEncoder.Encode(voxels, withClsToken: Model.Adapter.Config.ClsTokenInEncoder);   // (1, 1 + L, D_fmri), or (1, L, D_fmri)
        var shares = AdapterTokenComposition.PatchShares(Model.Adapter, tokens);                       // (1, T, L)
        var condition = Model.Adapter.forward(tokens);
        var nullCondition = Model.Adapter.NullCondition(1);
        var contexts = new GuidanceContexts(condition.Context, nullCondition.Context, condition.TimeEmbedding,
            condition.TimeEmbedding is null ? null : nullCondition.TimeEmbedding);
        var noise = Diffusion.DiffusionScheduler.RandomNormal(Sampler.LatentShape(1), generator, condition.Context.device, ScalarType.Float32);
        using var recorder = new CrossAttentionRecorder(options.UsesGuidance, Sampler.LatentSize);
        Tensor latents;
        try
        {
            Model.Unet.AttentionControl = recorder;
            latents = Sampler.Denoise(noise, 1.0, contexts, options, stepNoise: generator);   // DDPM draws each step's noise from the item's generator
        }
        finally
        {
            Model.Unet.AttentionControl = null;
        }
        var image = Sampler.DecodeLatents(latents)[0];                                                  // (C, S, S)
        using var maps = recorder.MeanMaps();
        using var mass = recorder.MeanMass();
        var grouped = RoiAttention.Combine(maps[0], mass[0], shares[0], rois);
        return new ItemAttention(image.MoveToOuterDisposeScope(), grouped);
    }
}
