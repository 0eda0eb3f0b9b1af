using Decoding.Diffusion;
using Decoding.Conditioning;
using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Class-conditional text-to-image generation, as diffusers' StableDiffusionPipeline with the label conditioner in the
/// text encoder's place: prompts → contexts (each prompt's, and the learned null context for guidance) →
/// <see cref="LatentDiffusionSampler"/> (initial latents from the caller's generator, scheduler loop, decoding).
/// Prompts must use only words of the class names the model was trained on.
/// </summary>
public sealed class TextToImagePipeline
{
    public TextToImagePipeline(LatentDiffusionModel model, FirstStage firstStage)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(firstStage);
        if (firstStage.Kind != model.Config.FirstStage)
            throw new ArgumentException($"text-to-image pipeline: the model was trained on a {model.Config.FirstStage} first stage, got {firstStage.Kind}");
        Sampler = new LatentDiffusionSampler(model.Unet, firstStage, model.Config.Scheduler, model.Config.ImageSize);
        model.eval();
    }

    public LatentDiffusionModel Model { get; }

    /// <summary>The condition-agnostic denoising part.</summary>
    public LatentDiffusionSampler Sampler { get; }

    public WordTokenizer Tokenizer => Model.Conditioner.Tokenizer;

    /// <summary>The class names the model was trained on, in label order.</summary>
    public IReadOnlyList<string> ClassNames => Model.Config.ClassNames;

    /// <summary>
    /// Rejects an empty prompt or one with words the model never saw, naming them and the known words; with
    /// <paramref name="setting"/> the error names that option (e.g. <c>--swap 'shoe': ...</c>).
    /// </summary>
    public void CheckPrompt(string prompt, string? setting = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var words = WordTokenizer.Words(prompt);
        var known = Tokenizer.Vocabulary.Skip(WordTokenizer.UnkId + 1).ToHashSet(StringComparer.Ordinal);
        var unknown = words.Where(w => !known.Contains(w)).Distinct().ToList();
        string? problem =
            words.Count == 0 ? $"has no words; use a class name such as '{ClassNames[0]}'"
            : unknown.Count > 0 ? $"unknown word(s) {string.Join(", ", unknown.Select(w => $"'{w}'"))}; the model knows the class names {string.Join(", ", ClassNames)}"
            : words.Count > Tokenizer.MaxLength - 2 ? $"has {words.Count} words; the model reads at most {Tokenizer.MaxLength - 2}"
            : null;
        if (problem is null) return;
        if (setting is not null) throw new InvalidSettingException(setting, $"'{prompt}'", problem);
        throw new ArgumentException($"prompt '{prompt}': {problem}");
    }

    /// <summary>The context of each prompt and the learned null context, (B, L, D) each, without gradients.</summary>
    public GuidanceContexts EncodePrompts(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new ArgumentException("text-to-image pipeline: no prompts given");
        foreach (var prompt in prompts) CheckPrompt(prompt);
        using var noGrad = no_grad();
        var conditional = Model.Conditioner.Encode(prompts);                      // (B, L, D)
        var unconditional = Model.Conditioner.NullContext(prompts.Count).clone(); // (B, L, D)
        return new GuidanceContexts(conditional, unconditional);
    }

    /// <summary>One image per prompt, (B, C, S, S) in [0, 1].</summary>
    public Tensor Generate(IReadOnlyList<string> prompts, SamplingOptions options, Generator generator, DenoisingStepCallback? callback = null)
    {
        using var scope = NewDisposeScope();
        var contexts = EncodePrompts(prompts);
        return Sampler.Sample(contexts, options, generator, callback).MoveToOuterDisposeScope();
    }
}
