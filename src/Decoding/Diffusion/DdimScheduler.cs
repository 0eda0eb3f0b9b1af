using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Denoising diffusion implicit models (Song, Meng &amp; Ermon 2021, "Denoising Diffusion Implicit Models"), as diffusers'
/// DDIMScheduler: the generalised reverse step of eq. 12 with σ_t(η) of eq. 16 over a subsequence of the training
/// timesteps; η = 0 is the deterministic DDIM sampler, η = 1 a DDPM-like ancestral sampler. As in diffusers, the step
/// from t lands on t − T div n whatever the spacing, and before the first training timestep on ᾱ = 1
/// (set_alpha_to_one) or ᾱ_0.
/// </summary>
public sealed class DdimScheduler : DiffusionScheduler
{
    public DdimScheduler(SchedulerConfig config) : base(config, nameof(DdimScheduler))
    {
    }

    /// <summary>ᾱ used "before" timestep 0: 1 with set_alpha_to_one, else ᾱ_0.</summary>
    public float FinalAlphaCumprod => Config.SetAlphaToOne ? 1f : Schedule.AlphaBar(0);

    /// <summary>The deterministic step (η = 0); see <see cref="Step(Tensor, long, Tensor, double, Generator?, bool)"/>.</summary>
    public override SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, Generator? generator = null) =>
        Step(modelOutput, timestep, sample, eta: 0.0, generator: generator);

    /// <summary>
    /// One DDIM step from timestep t to t − T div n. <paramref name="eta"/> scales the noise (eq. 16); η &gt; 0 needs a
    /// <paramref name="generator"/>. With <paramref name="useClippedModelOutput"/>, ε is re-derived from the clipped x̂_0.
    /// </summary>
    public SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta, Generator? generator = null, bool useClippedModelOutput = false)
    {
        CheckStepArguments(modelOutput, timestep, sample);
        if (!(eta >= 0) || double.IsInfinity(eta))
            throw new ArgumentOutOfRangeException(nameof(eta), $"{Name}.Step: eta = {eta}, must be a finite number >= 0.");
        var numInferenceSteps = RequireNumInferenceSteps();

        // Notation (variable -> Song et al. 2021; their α_t is our ᾱ_t):
        //   alphaProdT, alphaProdTPrev -> α_t, α_{t−1}        betaProdT -> 1 − α_t
        //   predEpsilon -> ε_θ^(t)(x_t)      predOriginal -> f_θ^(t)(x_t), "predicted x_0" (eq. 9)
        //   stdDevT -> σ_t(η)                 predSampleDirection -> "direction pointing to x_t"
        //   prevSample -> x_{t−1}
        // Scalars are float32, as in diffusers. Tensor arithmetic with them goes through ScalarArithmetic, whose Scalars
        // outlive the libtorch call.

        // 1. The previous timestep t − T div n.
        var prevTimestep = timestep - Config.NumTrainTimesteps / numInferenceSteps;

        // 2. α_t and α_{t−1}.
        var alphaProdT = Schedule.AlphaBar(timestep);
        var alphaProdTPrev = prevTimestep >= 0 ? Schedule.AlphaBar(prevTimestep) : FinalAlphaCumprod;
        var betaProdT = 1f - alphaProdT;

        using var scope = NewDisposeScope();
        var alphaBar = tensor(alphaProdT);   // α_t as a 0-dim float32 tensor

        // 3. Predicted x_0 and ε from the model output (eq. 9: x_0 = (x_t − √(1 − α_t) ε_θ)/√α_t).
        var predOriginal = ForwardProcess.ToOriginal(Config.PredictionType, modelOutput, sample, alphaBar);
        var predEpsilon = ForwardProcess.ToEpsilon(Config.PredictionType, modelOutput, sample, alphaBar);

        // 4. Clip the predicted x_0 to the data range.
        if (Config.ClipSample)
            predOriginal = predOriginal.Clamped(-Config.ClipSampleRange, Config.ClipSampleRange);

        // 5. σ_t(η) = η √((1 − α_{t−1})/(1 − α_t)) √(1 − α_t/α_{t−1})   (eq. 16).
        var variance = (1f - alphaProdTPrev) / betaProdT * (1f - alphaProdT / alphaProdTPrev);
        var stdDevT = (float)eta * MathF.Sqrt(variance);

        if (useClippedModelOutput)
            predEpsilon = ForwardProcess.EpsilonFromOriginal(sample, predOriginal, alphaBar);

        // 6. "Direction pointing to x_t" of eq. 12: √(1 − α_{t−1} − σ_t²) ε_θ.
        var directionVariance = 1f - alphaProdTPrev - stdDevT * stdDevT;
        if (directionVariance < 0)
            throw new ArgumentOutOfRangeException(nameof(eta),
                $"{Name}.Step: eta = {eta} makes σ_t² exceed 1 − α_(t−1) at timestep {timestep}; use eta <= 1.");
        var predSampleDirection = predEpsilon.Times(MathF.Sqrt(directionVariance));

        // 7. x_{t−1} = √α_{t−1} x̂_0 + direction + σ_t ε_t   (eq. 12).
        var prevSample = predOriginal.Times(MathF.Sqrt(alphaProdTPrev)).Plus(predSampleDirection);
        if (eta > 0)
        {
            var noise = DrawNoise(modelOutput, generator, $"eta = {eta}");
            prevSample = prevSample.Plus(noise.Times(stdDevT));
        }

        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(), predOriginal.MoveToOuterDisposeScope());
    }
}
