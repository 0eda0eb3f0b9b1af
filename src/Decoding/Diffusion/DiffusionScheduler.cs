using TorchSharp;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Diffusion;

/// <summary>
/// What every noise scheduler shares, in the shape of diffusers' <c>SchedulerMixin</c>: a scheduler holds only its
/// schedule (no network), turns a model output at timestep t into x_{t−1} with <see cref="Step"/>, and noises clean
/// samples for training with <see cref="AddNoise"/>. Use: build from a <see cref="SchedulerConfig"/>, call
/// <see cref="SetTimesteps"/>, then for each t in <see cref="Timesteps"/>: modelOutput = model(x, t);
/// x = Step(modelOutput, t, x).PrevSample. Samples are float32 tensors of any shape (B, ...).
/// </summary>
public abstract class DiffusionScheduler
{
    private long[] timesteps;

    /// <summary>Validates <paramref name="config"/> (errors name <paramref name="name"/>, the field and the value) and builds its schedule.</summary>
    protected DiffusionScheduler(SchedulerConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate(name);
        Name = name;
        Config = config;
        Schedule = NoiseSchedule.FromConfig(config);
        timesteps = Enumerable.Range(0, config.NumTrainTimesteps).Reverse().Select(t => (long)t).ToArray();
    }

    /// <summary>The scheduler's name as used in error messages, e.g. "DdimScheduler".</summary>
    public string Name { get; }

    /// <summary>The validated configuration.</summary>
    public SchedulerConfig Config { get; }

    /// <summary>β, α and ᾱ over the training timesteps.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>Standard deviation of the initial noise x_T ~ N(0, σ² I); 1 for DDPM-type schedulers.</summary>
    public double InitNoiseSigma => 1.0;

    /// <summary>The n of the last <see cref="SetTimesteps"/> call, or null before it.</summary>
    public int? NumInferenceSteps { get; private set; }

    /// <summary>The timesteps to visit, highest first; before <see cref="SetTimesteps"/>, all T training timesteps.</summary>
    public IReadOnlyList<long> Timesteps => timesteps;

    /// <summary>Chooses the <paramref name="numInferenceSteps"/> timesteps of a sampling run (and resets any multistep history).</summary>
    public void SetTimesteps(int numInferenceSteps)
    {
        timesteps = ComputeTimesteps(numInferenceSteps);
        NumInferenceSteps = numInferenceSteps;
        BeginIndex = 0;
        OnTimestepsSet();
    }

    /// <summary>
    /// The first step of this run, counted on the grid of n inference steps: 0, or for image-to-image the number of
    /// steps skipped (diffusers' <c>set_begin_index</c>; see <see cref="Img2Img"/>). For the schedulers that take one
    /// step per listed timestep (DDPM, DDIM) it is also the index in <see cref="Timesteps"/>; PLMS lists one timestep
    /// twice and starts its warm-up afresh at the begin step (see <see cref="TimestepsFrom"/>). Reset by SetTimesteps.
    /// </summary>
    public int BeginIndex { get; private set; }

    /// <summary>Starts the run at grid step <paramref name="index"/> (call after SetTimesteps).</summary>
    public void SetBeginIndex(int index)
    {
        if (NumInferenceSteps is null) throw new InvalidOperationException($"{Name}.SetBeginIndex: call SetTimesteps first");
        int steps = GridSteps;
        if (index < 0 || index >= steps)
            throw new ArgumentOutOfRangeException(nameof(index), $"{Name}.SetBeginIndex: {index} is outside 0..{steps - 1}");
        BeginIndex = index;
        OnBeginIndexSet();
    }

    /// <summary>
    /// The timestep of grid step <paramref name="step"/>: the noise level a run that begins there starts from (the
    /// timestep image-to-image noises its start latent to). Call after SetTimesteps.
    /// </summary>
    public virtual long TimestepOfStep(int step) => timesteps[step];

    /// <summary>
    /// The timesteps a run that begins at grid step <paramref name="step"/> visits, in order, one model call each:
    /// Timesteps[step..] for DDPM and DDIM. Call after SetTimesteps.
    /// </summary>
    public virtual IReadOnlyList<long> TimestepsFrom(int step) => timesteps[step..];

    /// <summary>How many steps the grid of the last SetTimesteps holds (n; the length of Timesteps for DDPM and DDIM).</summary>
    protected virtual int GridSteps => timesteps.Length;

    /// <summary>Called after <see cref="SetBeginIndex"/>.</summary>
    protected virtual void OnBeginIndexSet()
    {
    }

    /// <summary>One reverse step: x_{t−1} and x̂_0 from the model output at timestep t and the current sample x_t.</summary>
    public abstract SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, Generator? generator = null);

    /// <summary>The model input for timestep t; these schedulers feed x_t unchanged (k-diffusion-style ones would scale it).</summary>
    public virtual Tensor ScaleModelInput(Tensor sample, long timestep) => sample;

    /// <summary>x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε with per-sample int64 timesteps (B) (see <see cref="ForwardProcess.AddNoise"/>).</summary>
    public Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps) =>
        ForwardProcess.AddNoise(Schedule, originalSamples, noise, timesteps);

    /// <summary>The v-prediction target √ᾱ_t ε − √(1 − ᾱ_t) x_0 (see <see cref="ForwardProcess.GetVelocity"/>).</summary>
    public Tensor GetVelocity(Tensor sample, Tensor noise, Tensor timesteps) =>
        ForwardProcess.GetVelocity(Schedule, sample, noise, timesteps);

    /// <summary>The descending inference timesteps for n steps.</summary>
    protected virtual long[] ComputeTimesteps(int numInferenceSteps) =>
        InferenceTimesteps.Compute(Config.TimestepSpacing, Config.NumTrainTimesteps, numInferenceSteps, Config.StepsOffset, Name);

    /// <summary>Called after <see cref="SetTimesteps"/> has replaced the timesteps.</summary>
    protected virtual void OnTimestepsSet()
    {
    }

    /// <summary>Rejects a timestep outside [0, T) and a model output whose shape differs from the sample's.</summary>
    protected void CheckStepArguments(Tensor modelOutput, long timestep, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        if (timestep < 0 || timestep >= Config.NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(timestep),
                $"{Name}.Step: timestep = {timestep} is outside [0, num_train_timesteps = {Config.NumTrainTimesteps}).");
        if (!modelOutput.shape.SequenceEqual(sample.shape))
            throw new ArgumentException(
                $"{Name}.Step: modelOutput has shape ({string.Join(", ", modelOutput.shape)}) but the sample has ({string.Join(", ", sample.shape)}).",
                nameof(modelOutput));
    }

    /// <summary>Fails if <see cref="SetTimesteps"/> has not been called.</summary>
    protected int RequireNumInferenceSteps() =>
        NumInferenceSteps ?? throw new InvalidOperationException($"{Name}.Step: call SetTimesteps(numInferenceSteps) before stepping.");

    /// <summary>
    /// Standard normal noise shaped like <paramref name="like"/>, drawn on the CPU from <paramref name="generator"/>
    /// (as diffusers' randn_tensor does for a CPU generator), then moved to like's device and dtype.
    /// </summary>
    protected Tensor DrawNoise(Tensor like, Generator? generator, string why)
    {
        if (generator is null)
            throw new ArgumentNullException(nameof(generator), $"{Name}.Step: {why} draws noise; pass a seeded torch.Generator.");
        return RandomNormal(like.shape, generator, like.device, like.dtype);
    }

    /// <summary>N(0, I) noise of <paramref name="shape"/> drawn on the CPU from <paramref name="generator"/>, then moved to <paramref name="device"/>.</summary>
    internal static Tensor RandomNormal(long[] shape, Generator generator, Device device, ScalarType dtype)
    {
        var cpuNoise = randn(shape, dtype: dtype, device: TorchDevice.Host, generator: generator);
        if (TorchDevice.IsHost(device))
            return cpuNoise;
        using (cpuNoise)
            return cpuNoise.to(device);
    }
}
