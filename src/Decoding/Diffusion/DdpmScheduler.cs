using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Ancestral sampling of denoising diffusion probabilistic models (Ho et al. 2020, "Denoising Diffusion Probabilistic
/// Models", Algorithm 2), as diffusers' DDPMScheduler: each step draws x_{t−1} from the posterior
/// q(x_{t−1} | x_t, x̂_0) (eq. 6–7) around the predicted clean sample x̂_0. Without <see cref="DiffusionScheduler.SetTimesteps"/>
/// it walks all T steps (t−1 is t − 1); after it, the previous timestep is the next one in <see cref="DiffusionScheduler.Timesteps"/>,
/// so Step only accepts timesteps of the schedule.
/// </summary>
public sealed class DdpmScheduler : DiffusionScheduler
{
    public DdpmScheduler(SchedulerConfig config) : base(config, nameof(DdpmScheduler))
    {
    }

    /// <summary>The timestep the step from <paramref name="timestep"/> lands on; −1 after the last one.</summary>
    public long PreviousTimestep(long timestep)
    {
        if (NumInferenceSteps is null)
            return timestep - 1;
        var timesteps = Timesteps;
        for (var i = 0; i < timesteps.Count; i++)
            if (timesteps[i] == timestep)
                return i == timesteps.Count - 1 ? -1 : timesteps[i + 1];
        var listed = string.Join(", ", timesteps.Take(3)) + (timesteps.Count > 3 ? ", ..." : "");
        throw new ArgumentException(
            $"{Name}.Step: timestep = {timestep} is not one of the timesteps set by SetTimesteps({NumInferenceSteps}): {listed}.",
            nameof(timestep));
    }

    /// <summary>
    /// σ_t², the variance of the noise added when stepping from <paramref name="timestep"/>: β̃_t (eq. 7, clamped at
    /// 1e-20) for fixed_small and fixed_small_log, β_t for fixed_large, with β_t = 1 − ᾱ_t/ᾱ_{t−1} over the step taken.
    /// </summary>
    public float GetVariance(long timestep)
    {
        if (timestep < 0 || timestep >= Config.NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(timestep),
                $"{Name}.GetVariance: timestep = {timestep} is outside [0, num_train_timesteps = {Config.NumTrainTimesteps}).");
        var (posteriorVariance, betaT) = Variances(timestep, PreviousTimestep(timestep));
        return Config.VarianceType == VarianceType.FixedLarge ? betaT : posteriorVariance;
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, Generator? generator = null)
    {
        CheckStepArguments(modelOutput, timestep, sample);
        var prevTimestep = PreviousTimestep(timestep);

        // Notation (variable -> Ho et al. 2020, with t−1 the previous timestep of the schedule):
        //   alphaProdT, alphaProdTPrev -> ᾱ_t, ᾱ_{t−1}        betaProdT, betaProdTPrev -> 1 − ᾱ_t, 1 − ᾱ_{t−1}
        //   currentAlphaT, currentBetaT -> α_t = ᾱ_t/ᾱ_{t−1}, β_t = 1 − α_t
        //   predOriginal -> x̂_0       predPrevSample -> μ̃_t(x_t, x̂_0)       std -> σ_t       noise -> z ~ N(0, I)
        // Scalars are float32, as in diffusers. Tensor arithmetic with them goes through ScalarArithmetic, whose Scalars
        // outlive the libtorch call.
        var alphaProdT = Schedule.AlphaBar(timestep);
        var alphaProdTPrev = prevTimestep >= 0 ? Schedule.AlphaBar(prevTimestep) : 1f;
        var betaProdT = 1f - alphaProdT;
        var betaProdTPrev = 1f - alphaProdTPrev;
        var currentAlphaT = alphaProdT / alphaProdTPrev;
        var currentBetaT = 1f - currentAlphaT;

        using var scope = NewDisposeScope();
        var alphaBar = tensor(alphaProdT);   // ᾱ_t as a 0-dim float32 tensor

        // 1. x̂_0 from the model output (eq. 15 for ε: x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ)/√ᾱ_t).
        var predOriginal = ForwardProcess.ToOriginal(Config.PredictionType, modelOutput, sample, alphaBar);

        // 2. Clip x̂_0 to the data range (Ho et al.'s pixel-space sampler clips to [−1, 1]).
        if (Config.ClipSample)
            predOriginal = predOriginal.Clamped(-Config.ClipSampleRange, Config.ClipSampleRange);

        // 3. Posterior mean (eq. 7): μ̃_t = √ᾱ_{t−1} β_t/(1 − ᾱ_t) · x̂_0 + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) · x_t.
        var originalCoeff = MathF.Sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
        var sampleCoeff = MathF.Sqrt(currentAlphaT) * betaProdTPrev / betaProdT;
        var predPrevSample = predOriginal.Times(originalCoeff).Plus(sample.Times(sampleCoeff));

        // 4. x_{t−1} = μ̃_t + σ_t z for t > 0 (Algorithm 2, line 3–4), σ_t² from the variance type (Sec. 3.2).
        if (timestep > 0)
        {
            var (posteriorVariance, betaT) = Variances(timestep, prevTimestep);
            var std = Config.VarianceType switch
            {
                VarianceType.FixedSmall => MathF.Sqrt(posteriorVariance),
                VarianceType.FixedSmallLog => MathF.Exp(0.5f * MathF.Log(posteriorVariance)),
                VarianceType.FixedLarge => MathF.Sqrt(betaT),
                _ => throw new InvalidOperationException($"{Name}: unknown variance type {Config.VarianceType}."),
            };
            var noise = DrawNoise(modelOutput, generator, $"the step from timestep {timestep}");
            predPrevSample = predPrevSample.Plus(noise.Times(std));
        }

        return new SchedulerStepOutput(predPrevSample.MoveToOuterDisposeScope(), predOriginal.MoveToOuterDisposeScope());
    }

    /// <summary>(β̃_t clamped at 1e-20, β_t) for the step from timestep to prevTimestep, in float32 (eq. 7).</summary>
    private (float PosteriorVariance, float Beta) Variances(long timestep, long prevTimestep)
    {
        var alphaProdT = Schedule.AlphaBar(timestep);
        var alphaProdTPrev = prevTimestep >= 0 ? Schedule.AlphaBar(prevTimestep) : 1f;
        var currentBetaT = 1f - alphaProdT / alphaProdTPrev;
        var posteriorVariance = (1f - alphaProdTPrev) / (1f - alphaProdT) * currentBetaT;
        return (MathF.Max(posteriorVariance, 1e-20f), currentBetaT);
    }
}
