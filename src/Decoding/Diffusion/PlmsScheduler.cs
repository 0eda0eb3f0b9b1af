using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// The pseudo linear multistep (PLMS) sampler of Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models on
/// Manifolds" (ICLR), as diffusers' PNDMScheduler with skip_prk_steps = true (the PLMS sampler of latent diffusion,
/// which MinD-Vis samples with). Each step feeds a linear multistep combination e′ of the last model outputs into
/// the PNDM transfer x_{t−δ} = φ(x_t, e′, t, t − δ) (eq. 9), δ = T div n. Instead of Runge–Kutta warm-up steps,
/// the first steps use lower orders:
/// <code>
///   call 0 at t:        e′ = e_t                          (Euler step to t − δ, kept aside)
///   call 1 at t − δ:    e′ = (e_t + e_{t−δ}(x̃)) / 2       (re-does the step from t with the averaged slope)
///   call 2:             e′ = (3 e_0 − e_1)/2               (2nd-order Adams–Bashforth; e_0 the newest output)
///   call 3:             e′ = (23 e_0 − 16 e_1 + 5 e_2)/12  (3rd order)
///   call 4 on:          e′ = (55 e_0 − 59 e_1 + 37 e_2 − 9 e_3)/24   (4th order, Liu et al. Sec. 3.3)
/// </code>
/// so <see cref="DiffusionScheduler.Timesteps"/> holds n + 1 entries with the second timestep twice (diffusers' list), and
/// the model is called n + 1 times. Steps must be taken in the order of <see cref="DiffusionScheduler.TimestepsFrom"/>(BeginIndex)
/// (Timesteps from pure noise). The scheduler keeps up to four model
/// outputs between steps; <see cref="Dispose"/> or <see cref="DiffusionScheduler.SetTimesteps"/> releases them.
/// <para>
/// A run that begins at grid step b (image-to-image) starts the warm-up afresh there: it visits g_b, g_{b+1}, g_{b+1},
/// g_{b+2}, ..., the last n − b grid timesteps with the second repeated (<see cref="TimestepsFrom"/>), so the noised
/// start sits at g_b as DDIM's does and every call is made at its sample's own noise level. diffusers' img2img instead
/// slices its n + 1 entry list at index b (PNDM's <c>order</c> is 1): the run then starts one grid step noisier, the
/// warm-up's repeat falls before the slice, and from the third call on each call is labelled one grid step below its
/// sample's noise level.
/// </para>
/// </summary>
public sealed class PlmsScheduler : DiffusionScheduler, IDisposable
{
    /// <summary>The n grid timesteps of the last SetTimesteps, highest first (Timesteps without the repeat).</summary>
    private long[] grid = [];

    /// <summary>The timesteps this run visits: <see cref="TimestepsFrom"/>(BeginIndex).</summary>
    private long[] run = [];

    /// <summary>Model outputs e of the multistep history, oldest first (diffusers' <c>ets</c>); at most four.</summary>
    private readonly List<Tensor> modelOutputs = new();

    /// <summary>x_t of the first step, kept for the re-done step of call 1 (diffusers' <c>cur_sample</c>).</summary>
    private Tensor? firstSample;

    public PlmsScheduler(SchedulerConfig config) : base(config, nameof(PlmsScheduler))
    {
        if (!config.SkipPrkSteps)
            throw SchedulerConfig.Bad(Name, "skip_prk_steps", false,
                "PlmsScheduler is PNDM with skip_prk_steps = true; the Runge-Kutta warm-up (PNDMScheduler's false) is a different sampler");
        if (config.PredictionType == PredictionType.Sample)
            throw SchedulerConfig.Bad(Name, "prediction_type", "sample", "PLMS combines ε (or v) predictions; use epsilon or v_prediction");
    }

    /// <summary>ᾱ used "before" timestep 0: 1 with set_alpha_to_one, else ᾱ_0.</summary>
    public float FinalAlphaCumprod => Config.SetAlphaToOne ? 1f : Schedule.AlphaBar(0);

    /// <summary>How many Step calls were made since SetTimesteps or SetBeginIndex (diffusers' <c>counter</c>).</summary>
    public int StepCounter { get; private set; }

    /// <summary>How many model outputs the multistep history holds (diffusers' <c>len(ets)</c>).</summary>
    public int StoredModelOutputCount => modelOutputs.Count;

    public override SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, Generator? generator = null)
    {
        CheckStepArguments(modelOutput, timestep, sample);
        var numInferenceSteps = RequireNumInferenceSteps();
        if (StepCounter >= run.Length)
            throw new InvalidOperationException(
                $"{Name}.Step: all {run.Length} steps of SetTimesteps({numInferenceSteps}) from step {BeginIndex} are done; call SetTimesteps to start a new run.");
        if (timestep != run[StepCounter])
            throw new ArgumentException(
                $"{Name}.Step: timestep = {timestep}, but call {StepCounter} of this run is at timestep {run[StepCounter]}; PLMS keeps a history of model outputs, so steps must follow TimestepsFrom(BeginIndex) in order.",
                nameof(timestep));

        // Notation (variable -> Liu et al. 2022):
        //   stepSize -> δ        timestep, prevTimestep -> t, t − δ        modelOutputs -> e_t, e_{t−δ}, ... (history)
        //   combined -> e′_t, the linear multistep combination              prevSample -> x_{t−δ} = φ(x_t, e′_t, t, t − δ)
        // Arithmetic with numbers, and additions, go through ScalarArithmetic, whose Scalars outlive the libtorch call.
        var stepSize = Config.NumTrainTimesteps / numInferenceSteps;
        var prevTimestep = timestep - stepSize;

        using var scope = NewDisposeScope();
        Tensor combined;
        if (StepCounter == 1)
        {
            // Call 1 is evaluated at t − δ on the Euler estimate x̃; it re-does the step t -> t − δ from the kept x_t
            // with the averaged slope (pseudo improved Euler). Its output is not added to the history.
            prevTimestep = timestep;
            timestep += stepSize;
            combined = modelOutput.Plus(modelOutputs[^1]).DividedBy(2);
            sample = firstSample!;
        }
        else
        {
            Remember(modelOutput);
            var e = modelOutputs;
            combined = e.Count switch
            {
                1 => modelOutput,                                                              // e′ = e_t (Euler)
                2 => (e[^1].Times(3) - e[^2]).DividedBy(2),                                                        // AB2
                3 => (e[^1].Times(23) - e[^2].Times(16)).Plus(e[^3].Times(5)).DividedBy(12),                       // AB3
                _ => ((e[^1].Times(55) - e[^2].Times(59)).Plus(e[^3].Times(37)) - e[^4].Times(9)).Times((float)(1.0 / 24.0)), // AB4 (PLMS)
            };
            if (StepCounter == 0)
                KeepFirstSample(sample);
        }

        var (prevSample, predOriginal) = Transfer(sample, timestep, prevTimestep, combined);
        if (StepCounter == 1)
            ReleaseFirstSample();
        StepCounter++;
        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(), predOriginal.MoveToOuterDisposeScope());
    }

    /// <summary>Releases the multistep history.</summary>
    public void Dispose()
    {
        ResetHistory();
    }

    /// <summary>n + 1 timesteps: the spacing's n, highest first, with the second one repeated (n = 1: just one).</summary>
    protected override long[] ComputeTimesteps(int numInferenceSteps)
    {
        grid = base.ComputeTimesteps(numInferenceSteps);
        return WithWarmUp(grid);
    }

    public override long TimestepOfStep(int step) => grid[step];

    /// <summary>The grid timesteps from <paramref name="step"/> on with the second repeated: the warm-up starts at the begin step.</summary>
    public override IReadOnlyList<long> TimestepsFrom(int step) => WithWarmUp(grid[step..]);

    protected override int GridSteps => grid.Length;

    protected override void OnTimestepsSet()
    {
        ResetHistory();
        run = [.. Timesteps];
    }

    protected override void OnBeginIndexSet()
    {
        ResetHistory();
        run = WithWarmUp(grid[BeginIndex..]);
    }

    /// <summary>The timesteps visited for a descending grid: its first, then the rest with the first of them twice.</summary>
    private static long[] WithWarmUp(long[] spaced) =>
        spaced.Length == 1 ? spaced : new[] { spaced[0], spaced[1] }.Concat(spaced.Skip(1)).ToArray();

    /// <summary>
    /// The transfer part φ (Liu et al. 2022, eq. 9), with x_t added to both sides:
    /// x_{t−δ} = √(ᾱ_{t−δ}/ᾱ_t) x_t − (ᾱ_{t−δ} − ᾱ_t) e′ / (ᾱ_t √(1 − ᾱ_{t−δ}) + √(ᾱ_t (1 − ᾱ_t) ᾱ_{t−δ})),
    /// which equals the deterministic DDIM step. Also returns x̂_0 = (x_t − √(1 − ᾱ_t) e′)/√ᾱ_t.
    /// </summary>
    private (Tensor PrevSample, Tensor PredOriginal) Transfer(Tensor sample, long timestep, long prevTimestep, Tensor combined)
    {
        var alphaProdT = Schedule.AlphaBar(timestep);
        var alphaProdTPrev = prevTimestep >= 0 ? Schedule.AlphaBar(prevTimestep) : FinalAlphaCumprod;
        var betaProdT = 1f - alphaProdT;
        var betaProdTPrev = 1f - alphaProdTPrev;
        var alphaBar = tensor(alphaProdT);   // ᾱ_t as a 0-dim float32 tensor

        // v-prediction: the combination is of v's; turn it into ε at (x_t, t).
        var epsilon = Config.PredictionType == PredictionType.VPrediction
            ? ForwardProcess.EpsilonFromVelocity(sample, combined, alphaBar)
            : combined;

        var sampleCoeff = MathF.Sqrt(alphaProdTPrev / alphaProdT);
        var denominator = alphaProdT * MathF.Sqrt(betaProdTPrev) + MathF.Sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        var prevSample = sample.Times(sampleCoeff) - epsilon.Times(alphaProdTPrev - alphaProdT).DividedBy(denominator);
        var predOriginal = ForwardProcess.OriginalFromEpsilon(sample, epsilon, alphaBar);
        return (prevSample, predOriginal);
    }

    /// <summary>Appends e_t to the history, keeping the last four. The history holds its own handles, outside any dispose scope.</summary>
    private void Remember(Tensor modelOutput)
    {
        while (modelOutputs.Count > 3)
        {
            modelOutputs[0].Dispose();
            modelOutputs.RemoveAt(0);
        }
        modelOutputs.Add(modelOutput.alias().DetachFromDisposeScope());
    }

    private void KeepFirstSample(Tensor sample)
    {
        ReleaseFirstSample();
        firstSample = sample.alias().DetachFromDisposeScope();
    }

    private void ReleaseFirstSample()
    {
        firstSample?.Dispose();
        firstSample = null;
    }

    private void ResetHistory()
    {
        foreach (var e in modelOutputs)
            e.Dispose();
        modelOutputs.Clear();
        ReleaseFirstSample();
        StepCounter = 0;
    }
}
