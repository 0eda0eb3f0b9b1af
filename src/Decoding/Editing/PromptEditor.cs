using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Prompt-to-Prompt editing with the class-conditional label LDM: a source prompt (a category name) and its edits
/// (<see cref="PromptEdit"/>) generated together from the same noise, sample by sample.
/// </summary>
public sealed class PromptEditor
{
    public PromptEditor(TextToImagePipeline pipeline)
    {
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
    }

    public TextToImagePipeline Pipeline { get; }

    /// <summary>
    /// Checks the prompts and compiles each edit against the model's tokenizer (errors name the edit), so a run fails
    /// before any sampling.
    /// </summary>
    public IReadOnlyList<CrossAttentionEdit> Compile(string source, IReadOnlyList<PromptEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        Pipeline.CheckPrompt(source, "prompt");
        foreach (var edit in edits)
            Pipeline.CheckPrompt(edit.Target, edit.Kind switch { PromptEditKind.WordSwap => "swap", PromptEditKind.Refinement => "refine", _ => "reweight" });
        return edits.Select(e => e.Compile(source, Pipeline.Tokenizer)).ToList();
    }

    /// <summary>
    /// Images (samples, 1 + E [+ E], C, S, S) in [0, 1]: per sample, the source, its E edits, and with
    /// <paramref name="plain"/> each edited prompt generated without injection from the same noise. Sample k's noise is
    /// the k-th (1, c, h, w) draw from <paramref name="generator"/>.
    /// </summary>
    public Tensor Edit(string source, IReadOnlyList<PromptEdit> edits, InjectionSchedule schedule, SamplingOptions options,
        Generator generator, int samples, bool plain = false, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(generator);
        schedule.Validate();
        Check.AtLeast(samples, 1, "n");
        var compiled = Compile(source, edits);
        var prompts = new List<string> { source };
        var injections = new List<AttentionInjection?> { null };
        for (int e = 0; e < edits.Count; e++)
        {
            prompts.Add(edits[e].Target);
            injections.Add(new AttentionInjection(compiled[e], schedule));
        }
        if (plain)
            foreach (var edit in edits)
            {
                prompts.Add(edit.Target);
                injections.Add(new AttentionInjection(null, InjectionSchedule.None));
            }

        var sampler = Pipeline.Sampler;
        var rows = new List<Tensor>();
        try
        {
            for (int k = 0; k < samples; k++)
            {
                using var scope = NewDisposeScope();
                var noise = DiffusionScheduler.RandomNormal(sampler.LatentShape(1), generator, Pipeline.Model.Device, ScalarType.Float32); // (1, c, h, w)
                var branches = prompts.Select((p, b) => new EditBranch(sampler.Unet, Pipeline.EncodePrompts([p]), injections[b])).ToList();
                var latents = PromptToPromptSampling.Denoise(branches, sampler.Scheduler, options, noise);     // (branches, c, h, w)
                rows.Add(DecodeEach(sampler, latents).MoveToOuterDisposeScope());                                // (branches, C, S, S)
                progress?.Report(k + 1);
            }
            return stack(rows, 0);                                                                               // (samples, branches, C, S, S)
        }
        finally
        {
            foreach (var r in rows) r.Dispose();
        }
    }

    /// <summary>Decodes latents one row at a time (so each image's decoding does not depend on the others).</summary>
    internal static Tensor DecodeEach(LatentDiffusionSampler sampler, Tensor latents)
    {
        using var scope = NewDisposeScope();
        var images = Enumerable.Range(0, (int)latents.shape[0]).Select(b => sampler.DecodeLatents(latents.narrow(0, b, 1))).ToList();
        return cat(images, 0).MoveToOuterDisposeScope();
    }
}
