using System.Text.Json;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Unet;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// One branch of a Prompt-to-Prompt run: the UNet that denoises it, its conditioning (batch 1) and what it injects
/// (null for the source, branch 0). Branches may use different UNets of the same architecture (the brain-decoded
/// source runs the DC-LDM's UNet, its edits the label LDM's).
/// </summary>
public sealed record EditBranch(UNet2DConditionModel Unet, GuidanceContexts Contexts, AttentionInjection? Injection);

/// <summary>
/// Denoises a source and its edits in lockstep from one noise (Prompt-to-Prompt, Hertz et al. 2022, Sec. 3.2):
/// <code>
///   z_T = ε for every branch                                  the same seed
///   for each step t (the scheduler's timesteps):
///       for branch b = 0 (source), 1, ... (edits):           one UNet call each, batch [z_t^b, z_t^b]
///           ε̂_b = guided UNet_b(z_t^b, t, [c_∅^b, c^b])        with <see cref="PromptToPromptControl"/> attached
///       z_{t−1} = scheduler.Step([ε̂_0, ε̂_1, ...], t, z_t)     one deterministic step on all branches
/// </code>
/// Only deterministic samplers (DDIM with η = 0, PLMS): a sampler that draws noise at every step would give the
/// branches different noise.
/// </summary>
public static class PromptToPromptSampling
{
    /// <summary>The denoised, scaled latents of every branch, (branches, c, h, w).</summary>
    /// <param name="branches">Branch 0 is the source (no injection); all UNets share one configuration.</param>
    /// <param name="scheduler">The noise schedule the UNets were trained with.</param>
    /// <param name="options">Sampler, steps and guidance (the same for every branch).</param>
    /// <param name="noise">ε, (1, c, h, w): every branch starts from it.</param>
    public static Tensor Denoise(IReadOnlyList<EditBranch> branches, SchedulerConfig scheduler, SamplingOptions options, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(branches);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(noise);
        options.Validate(scheduler.NumTrainTimesteps);
        if (options.Sampler == SamplerKind.Ddpm || options.Eta != 0)
            throw new InvalidSettingException("sampler", options.Sampler.ToString().ToLowerInvariant(),
                "draws noise at every step, which would differ between the source and its edits; use ddim (eta 0) or plms");
        if (branches.Count == 0 || branches[0].Injection is not null)
            throw new ArgumentException("Prompt-to-Prompt sampling: branch 0 must be the source (no injection)");
        if (noise.dim() != 4 || noise.shape[0] != 1)
            throw new ArgumentException($"Prompt-to-Prompt sampling: noise must be (1, c, h, w), got ({string.Join(", ", noise.shape)})");
        string config = JsonSerializer.Serialize(branches[0].Unet.Config);
        foreach (var branch in branches)
        {
            if (JsonSerializer.Serialize(branch.Unet.Config) != config)
                throw new ArgumentException("Prompt-to-Prompt sampling: every branch's UNet must have the source's configuration (their attention maps are exchanged)");
            branch.Contexts.Validate();
            if (branch.Contexts.BatchSize != 1) throw new ArgumentException($"Prompt-to-Prompt sampling: each branch holds one prompt, got a batch of {branch.Contexts.BatchSize}");
            if (options.UsesGuidance && branch.Contexts.Unconditional is null)
                throw new ArgumentException($"Prompt-to-Prompt sampling: guidance scale {options.GuidanceScale} needs every branch's unconditional context");
        }

        var sampler = Samplers.Create(options.Sampler, scheduler);
        sampler.SetTimesteps(options.Steps);
        int evaluations = sampler.Timesteps.Count;
        using var control = new PromptToPromptControl(branches.Select(b => b.Injection).ToList(), options.UsesGuidance, evaluations);
        var unets = branches.Select(b => b.Unet).Distinct().ToList();
        try
        {
            foreach (var unet in unets)
            {
                unet.eval();
                unet.AttentionControl = control;
                unet.SelfAttentionControl = control;
            }
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var device = noise.device;
            Tensor Denoiser(Tensor latents, long t)
            {
                using var stepScope = NewDisposeScope();
                using var timestep = tensor(t, ScalarType.Int64, device);
                var outputs = new List<Tensor>(branches.Count);
                for (int b = 0; b < branches.Count; b++)
                {
                    control.Branch = b;
                    outputs.Add(BranchOutput(branches[b], latents.narrow(0, b, 1), timestep, options));   // (1, c, h, w)
                }
                return cat(outputs, 0).MoveToOuterDisposeScope();                                         // (branches, c, h, w)
            }
            control.Step = 0;
            var initial = noise.expand(branches.Count, -1, -1, -1).contiguous().Times(sampler.InitNoiseSigma); // z_T, every branch
            var latents = DenoisingLoop.Denoise(sampler, Denoiser, initial, options.Steps,
                callback: (i, _, _) => control.Step = i + 1);
            return latents.MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var unet in unets)
            {
                unet.AttentionControl = null;
                unet.SelfAttentionControl = null;
            }
            (sampler as IDisposable)?.Dispose();
        }
    }

    /// <summary>One branch's model output: the guided combination over [z, z] with [c_∅, c], or the conditional call.</summary>
    private static Tensor BranchOutput(EditBranch branch, Tensor latent, Tensor timestep, SamplingOptions options)
    {
        var c = branch.Contexts;
        if (!options.UsesGuidance)
            return branch.Unet.Forward(latent, timestep, c.Conditional, c.ConditionalTimeEmbedding);
        using var scope = NewDisposeScope();
        var doubled = cat(new[] { latent, latent }, 0);                                                  // (2, c, h, w)
        var context = cat(new[] { c.Unconditional!, c.Conditional }, 0);                                  // (2, L, D)
        var added = c.ConditionalTimeEmbedding is null ? null : cat(new[] { c.UnconditionalTimeEmbedding!, c.ConditionalTimeEmbedding }, 0);
        var output = branch.Unet.Forward(doubled, timestep, context, added);                              // (2, c, h, w)
        var halves = output.chunk(2, 0);
        return ClassifierFreeGuidance.Combine(halves[0], halves[1], options.GuidanceScale).MoveToOuterDisposeScope();
    }
}
