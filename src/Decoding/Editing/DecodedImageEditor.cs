using System.Text.Json;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Edits a brain-decoded image with Prompt-to-Prompt: "what the subject saw, but as a sneaker". The source branch is
/// MinD-Vis's decoding of one fMRI item (the DC-LDM's UNet conditioned on the adapter's context and time embedding);
/// each edit is the label LDM's UNet conditioned on a category name, started from the same noise. The source's
/// cross-attention maps cannot be carried over: their keys are brain tokens, the edit's are words, and no word
/// corresponds to a brain token. What is injected is the source's self-attention maps (which positions of the latent
/// attend to which), during the first ⌊τ_s n⌋ steps: the part of the attention that fixes the layout. Each edit is
/// also generated without injection from the same noise, the reference that shows what the injection keeps.
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

    /// <summary>
    /// Images (1 + 2E, C, S, S) in [0, 1] for one fMRI item: the brain-decoded source, the E categories with the
    /// source's self-attention injected during the first <paramref name="selfFraction"/> of the steps, and the E
    /// categories without injection. The noise is one (1, c, h, w) draw from <paramref name="generator"/>.
    /// </summary>
    /// <param name="voxels">The item's voxels, (1, V) at the brain encoder's width.</param>
    public Tensor Edit(Tensor voxels, IReadOnlyList<string> categories, double selfFraction, SamplingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(voxels);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(generator);
        if (categories.Count == 0) throw new InvalidSettingException("to", null, "names no category to edit into");
        foreach (var category in categories) LabelPipeline.CheckPrompt(category);
        var schedule = new InjectionSchedule(0, selfFraction).Validate();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var condition = BrainModel.Condition(voxels);                                                     // (1, T, D), (1, E)
        var nullCondition = BrainModel.Adapter.NullCondition(1);
        var source = new GuidanceContexts(condition.Context, nullCondition.Context, condition.TimeEmbedding,
            condition.TimeEmbedding is null ? null : nullCondition.TimeEmbedding);
        var branches = new List<EditBranch> { new(BrainModel.Unet, source, null) };
        var labelUnet = LabelPipeline.Model.Unet;
        foreach (var category in categories)
            branches.Add(new EditBranch(labelUnet, LabelPipeline.EncodePrompts([category]), new AttentionInjection(null, schedule)));
        foreach (var category in categories)
            branches.Add(new EditBranch(labelUnet, LabelPipeline.EncodePrompts([category]), new AttentionInjection(null, InjectionSchedule.None)));

        var noise = Diffusion.DiffusionScheduler.RandomNormal(BrainSampler.LatentShape(1), generator, condition.Context.device, ScalarType.Float32);
        var latents = PromptToPromptSampling.Denoise(branches, BrainModel.Config.Scheduler, options, noise); // (1 + 2E, c, h, w)
        var sourceImage = BrainSampler.DecodeLatents(latents.narrow(0, 0, 1));                              // (1, C, S, S)
        var edits = PromptEditor.DecodeEach(LabelPipeline.Sampler, latents.narrow(0, 1, latents.shape[0] - 1));
        return cat(new[] { sourceImage, edits }, 0).MoveToOuterDisposeScope();
    }
}
