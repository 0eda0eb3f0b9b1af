using System.Text.Json;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Edits a brain-decoded image with Prompt-to-Prompt: "what the subject saw, but as a sneaker". The source branch is
/// MinD-Vis's decoding of one fMRI item (the DC-LDM's UNet conditioned on the adapter's context and time embedding);
/// each edit is the label LDM's UNet conditioned on a category name, started from the same noise. Injected into the
/// edit's first steps:
/// <list type="bullet">
/// <item>the source's self-attention maps (which latent positions attend to which) during the first ⌊τ_s n⌋ steps, the
/// part of the attention that fixes the layout; always possible, the two UNets have the same layers;</item>
/// <item>optionally the source's cross-attention maps during the first ⌊τ_c n⌋ steps, context token k's map for word
/// token k. No word means what a brain token means, but the adapter's T tokens take the places of the label
/// conditioner's T tokens in the same UNet (the DC-LDM starts from the label LDM, and its alignment loss pulls token k of
/// the brain context towards token k of the category's context), so position k for position k is the one alignment
/// there is; it needs T equal to the label context's length.</item>
/// </list>
/// Each edit is also generated without injection from the same noise, the reference that shows what the injection keeps.
/// </summary>
public sealed class DecodedImageEditor
{
    public DecodedImageEditor(DoubleConditionedLdm brainModel, FirstStage brainFirstStage, TextToImagePipeline labelPipeline)
    {
        BrainModel = brainModel ?? throw new ArgumentNullException(nameof(brainModel));
        BrainFirstStage = brainFirstStage ?? throw new ArgumentNullException(nameof(brainFirstStage));
        LabelPipeline = labelPipeline ?? throw new ArgumentNullException(nameof(labelPipeline));
        var brain = brainModel.Config;
        var label = labelPipeline.Model.Config;
        if (JsonSerializer.Serialize(brain.Unet) != JsonSerializer.Serialize(label.Unet))
            throw new InvalidSettingException("ldm", null, "has a UNet of another configuration than the fMRI model's; give the train-ldm folder the adapter was trained from");
        if (JsonSerializer.Serialize(brain.Scheduler) != JsonSerializer.Serialize(label.Scheduler))
            throw new InvalidSettingException("ldm", null, "has another noise schedule than the fMRI model's; give the train-ldm folder the adapter was trained from");
        if (brain.ImageSize != label.ImageSize || brain.ImageChannels != label.ImageChannels || brain.FirstStage != label.FirstStage)
            throw new InvalidSettingException("ldm", null, $"makes {label.ImageChannels}x{label.ImageSize}x{label.ImageSize} images through {label.FirstStage}; the fMRI model {brain.ImageChannels}x{brain.ImageSize}x{brain.ImageSize} through {brain.FirstStage}");
        BrainSampler = new LatentDiffusionSampler(brainModel.Unet, brainFirstStage, brain.Scheduler, brain.ImageSize);
    }

    public DoubleConditionedLdm BrainModel { get; }
    public FirstStage BrainFirstStage { get; }
    public TextToImagePipeline LabelPipeline { get; }
    public LatentDiffusionSampler BrainSampler { get; }

    /// <summary>Whether cross-attention maps can be injected: the brain context has as many tokens as a category's.</summary>
    public bool CanInjectCrossAttention => BrainModel.Config.Adapter.ContextTokens == LabelPipeline.Tokenizer.MaxLength;

    /// <summary>
    /// Images (1 + 2E, C, S, S) in [0, 1] for one fMRI item: the brain-decoded source, the E categories with the
    /// source's attention injected (<paramref name="schedule"/>: cross-attention token k to token k during its first
    /// τ_c, self-attention during its first τ_s), and the E categories without injection. The noise is one
    /// (1, c, h, w) draw from <paramref name="generator"/>.
    /// </summary>
    /// <param name="voxels">The item's voxels, (1, V) at the brain encoder's width.</param>
    public Tensor Edit(Tensor voxels, IReadOnlyList<string> categories, InjectionSchedule schedule, SamplingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(voxels);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(generator);
        if (categories.Count == 0) throw new InvalidSettingException("to", null, "names no category to edit into");
        foreach (var category in categories) LabelPipeline.CheckPrompt(category);
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.Validate();
        if (schedule.CrossFraction > 0 && !CanInjectCrossAttention)
            throw new InvalidSettingException("cross_steps", schedule.CrossFraction,
                $"needs as many brain context tokens ({BrainModel.Config.Adapter.ContextTokens}) as a category's context has ({LabelPipeline.Tokenizer.MaxLength}); use 0");
        var cross = schedule.CrossFraction > 0
            ? new CrossAttentionEdit(TokenAlignment.Identity(LabelPipeline.Tokenizer.MaxLength), Enumerable.Repeat(1f, LabelPipeline.Tokenizer.MaxLength).ToArray())
            : null;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var condition = BrainModel.Condition(voxels);                                                     // (1, T, D), (1, E)
        var nullCondition = BrainModel.Adapter.NullCondition(1);
        var source = new GuidanceContexts(condition.Context, nullCondition.Context, condition.TimeEmbedding,
            condition.TimeEmbedding is null ? null : nullCondition.TimeEmbedding);
        var branches = new List<EditBranch> { new(BrainModel.Unet, source, null) };
        var labelUnet = LabelPipeline.Model.Unet;
        foreach (var category in categories)
            branches.Add(new EditBranch(labelUnet, LabelPipeline.EncodePrompts([category]), new AttentionInjection(cross, schedule)));
        foreach (var category in categories)
            branches.Add(new EditBranch(labelUnet, LabelPipeline.EncodePrompts([category]), new AttentionInjection(null, InjectionSchedule.None)));

        var noise = Diffusion.DiffusionScheduler.RandomNormal(BrainSampler.LatentShape(1), generator, condition.Context.device, ScalarType.Float32);
        var latents = PromptToPromptSampling.Denoise(branches, BrainModel.Config.Scheduler, options, noise); // (1 + 2E, c, h, w)
        var sourceImage = BrainSampler.DecodeLatents(latents.narrow(0, 0, 1));                              // (1, C, S, S)
        var edits = PromptEditor.DecodeEach(LabelPipeline.Sampler, latents.narrow(0, 1, latents.shape[0] - 1));
        return cat(new[] { sourceImage, edits }, 0).MoveToOuterDisposeScope();
    }
}
