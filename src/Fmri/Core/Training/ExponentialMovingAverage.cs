using System.Globalization;
using Fmri.Core.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Core.Training;

/// <summary>
/// Exponential moving average of a module's parameters ("shadow" parameters), the weights diffusion models are
/// usually sampled with. After each optimiser step, <see cref="Step"/> moves every shadow parameter toward the
/// live one: s &lt;- s - (1 - decay_t) (s - p), with decay_t from <see cref="Decay"/> (diffusers <c>EMAModel</c>
/// semantics, including <c>min_decay</c> and <c>update_after_step</c>). Parameters that do not require gradients
/// are copied, not averaged. Buffers are not averaged (as in diffusers).
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Module module;
    private readonly List<(string Name, Tensor Shadow)> entries = [];

    /// <param name="module">The module being trained; the shadow starts as a copy of its parameters.</param>
    /// <param name="decay">Largest decay, e.g. 0.9999 (diffusers' default).</param>
    /// <param name="warmup">How the decay grows over the first updates.</param>
    /// <param name="minDecay">Smallest decay after the first copying updates (diffusers <c>min_decay</c>).</param>
    /// <param name="updateAfterStep">Number of initial updates that only copy the parameters (diffusers <c>update_after_step</c>).</param>
    /// <param name="inverseGamma">γ of <see cref="EmaWarmup.InversePower"/> (diffusers <c>inv_gamma</c>, default 1).</param>
    /// <param name="power">Exponent of <see cref="EmaWarmup.InversePower"/> (diffusers default 2/3).</param>
    public ExponentialMovingAverage(Module module, double decay = 0.9999, EmaWarmup warmup = EmaWarmup.StepRatio,
        double minDecay = 0.0, long updateAfterStep = 0, double inverseGamma = 1.0, double power = 2.0 / 3.0)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentException($"EMA decay must be in [0, 1], got {decay}");
        if (!(minDecay >= 0 && minDecay <= decay)) throw new ArgumentException($"EMA min_decay must be in [0, decay = {decay}], got {minDecay}");
        if (updateAfterStep < 0) throw new ArgumentException($"EMA update_after_step must be >= 0, got {updateAfterStep}");
        if (!(inverseGamma > 0)) throw new ArgumentException($"EMA inv_gamma must be positive, got {inverseGamma}");
        if (!(power > 0)) throw new ArgumentException($"EMA power must be positive, got {power}");
        MaxDecay = decay;
        Warmup = warmup;
        MinDecay = minDecay;
        UpdateAfterStep = updateAfterStep;
        InverseGamma = inverseGamma;
        Power = power;
        this.module = module;
        using var _ = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
            entries.Add((name, parameter.detach().clone()));
    }

    public double MaxDecay { get; }
    public EmaWarmup Warmup { get; }
    public double MinDecay { get; }
    public long UpdateAfterStep { get; }
    public double InverseGamma { get; }
    public double Power { get; }

    /// <summary>Number of <see cref="Step"/> calls so far (diffusers <c>optimization_step</c>).</summary>
    public long OptimizationStep { get; private set; }

    /// <summary>The decay used by the last <see cref="Step"/> (NaN before the first).</summary>
    public double CurrentDecay { get; private set; } = double.NaN;

    /// <summary>Shadow parameters by name (the EMA weights, to save or to sample with).</summary>
    public IReadOnlyDictionary<string, Tensor> ShadowParameters => entries.ToDictionary(e => e.Name, e => e.Shadow);

    /// <summary>
    /// The decay of update number <paramref name="optimizationStep"/> (1 for the first update).
    /// With t = optimizationStep - updateAfterStep - 1 (diffusers <c>get_decay</c>): t &lt;= 0 gives 0 (copy), otherwise
    /// the warm-up value clamped to [minDecay, decay]. <see cref="EmaWarmup.None"/> uses the decay from t = 0 on.
    /// </summary>
    public double Decay(long optimizationStep)
    {
        long t = Math.Max(0, optimizationStep - UpdateAfterStep - 1);
        double value;
        switch (Warmup)
        {
            case EmaWarmup.None:
                if (optimizationStep <= UpdateAfterStep) return 0.0;
                value = MaxDecay;
                break;
            case EmaWarmup.StepRatio:
                if (t <= 0) return 0.0;
                value = (1.0 + t) / (10.0 + t);
                break;
            case EmaWarmup.InversePower:
                if (t <= 0) return 0.0;
                value = 1.0 - Math.Pow(1.0 + t / InverseGamma, -Power);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "unknown EMA warm-up");
        }
        return Math.Max(Math.Min(value, MaxDecay), MinDecay);
    }

    /// <summary>One EMA update from the module's current parameters; call after each optimiser step.</summary>
    public void Step()
    {
        OptimizationStep++;
        double decay = Decay(OptimizationStep);
        CurrentDecay = decay;
        using var _ = no_grad();
        foreach (var (live, shadow) in Pairs())
        {
            if (live.requires_grad)
                shadow.lerp_(live.detach(), 1.0 - decay); // s + (1 - decay)(p - s) = s - (1 - decay)(s - p)
            else
                shadow.copy_(live.detach());
        }
    }

    /// <summary>
    /// Puts the EMA weights into the module until the returned scope is disposed, which restores the live weights:
    /// <c>using (ema.Apply()) { sample... }</c>.
    /// </summary>
    public IDisposable Apply()
    {
        List<Tensor> stored;
        using (no_grad())
        {
            var pairs = Pairs();
            stored = pairs.Select(p => p.Live.detach().clone()).ToList();
            foreach (var (live, shadow) in pairs) live.copy_(shadow);
            return new Restorer(pairs.Select(p => p.Live).ToList(), stored);
        }
    }

    /// <summary>Copies the EMA weights into <paramref name="target"/> (a module of the same structure), e.g. for export.</summary>
    public void CopyTo(Module target)
    {
        var parameters = target.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        foreach (var (name, shadow) in entries)
        {
            if (!parameters.TryGetValue(name, out var parameter) || !parameter.shape.SequenceEqual(shadow.shape))
                throw new ArgumentException($"EMA copy: target {target.GetName()} has no parameter '{name}' of shape [{string.Join(", ", shadow.shape)}]");
            parameter.copy_(shadow);
        }
    }

    /// <summary>The settings and counter to store next to the shadow weights (safetensors metadata).</summary>
    public IReadOnlyDictionary<string, string> StateMetadata() => new Dictionary<string, string>
    {
        ["decay"] = MaxDecay.ToString("R", CultureInfo.InvariantCulture),
        ["min_decay"] = MinDecay.ToString("R", CultureInfo.InvariantCulture),
        ["warmup"] = Warmup.ToString(),
        ["update_after_step"] = UpdateAfterStep.ToString(CultureInfo.InvariantCulture),
        ["inv_gamma"] = InverseGamma.ToString("R", CultureInfo.InvariantCulture),
        ["power"] = Power.ToString("R", CultureInfo.InvariantCulture),
        ["optimization_step"] = OptimizationStep.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Restores saved shadow weights and the update counter (to resume training). The names and shapes must match
    /// this EMA's exactly; <paramref name="source"/> is named in errors.
    /// </summary>
    public void Load(IReadOnlyDictionary<string, Tensor> shadow, IReadOnlyDictionary<string, string> metadata, string source)
    {
        var missing = entries.Where(e => !shadow.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        var unexpected = shadow.Keys.Where(k => entries.All(e => e.Name != k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new DataFormatException(source, "EMA weights",
                $"do not match the model's parameters: {missing.Count} missing (in the model, not in the file): {ModuleWeights.ListKeys(missing)}; " +
                $"{unexpected.Count} unexpected (in the file, not in the model): {ModuleWeights.ListKeys(unexpected)}");
        foreach (var (name, s) in entries)
            if (!shadow[name].shape.SequenceEqual(s.shape))
                throw new DataFormatException(source, $"tensor '{name}'",
                    $"EMA shape [{string.Join(", ", shadow[name].shape)}] does not match the model's [{string.Join(", ", s.shape)}]");
        if (!metadata.TryGetValue("optimization_step", out var stepText)
            || !long.TryParse(stepText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long step) || step < 0)
            throw new DataFormatException(source, "__metadata__.optimization_step", "is missing or not a non-negative integer");

        using var _ = no_grad();
        foreach (var (name, s) in entries) s.copy_(shadow[name]);
        OptimizationStep = step;
    }

    public void Dispose()
    {
        foreach (var (_, shadow) in entries) shadow.Dispose();
        entries.Clear();
    }

    /// <summary>
    /// Each shadow with the module's current parameter of the same name. Parameters are looked up by name on every
    /// call because moving a module to another device or dtype replaces its parameter objects; a shadow follows its
    /// parameter to the new device and dtype.
    /// </summary>
    private List<(Parameter Live, Tensor Shadow)> Pairs()
    {
        var live = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var pairs = new List<(Parameter, Tensor)>(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, shadow) = entries[i];
            if (!live.TryGetValue(name, out var parameter) || !parameter.shape.SequenceEqual(shadow.shape))
                throw new InvalidOperationException($"EMA: the module no longer has parameter '{name}' of shape [{string.Join(", ", shadow.shape)}]");
            if (shadow.device_type != parameter.device_type || shadow.device_index != parameter.device_index || shadow.dtype != parameter.dtype)
            {
                var moved = shadow.to(parameter.dtype, parameter.device);
                shadow.Dispose();
                shadow = moved;
                entries[i] = (name, shadow);
            }
            pairs.Add((parameter, shadow));
        }
        return pairs;
    }

    /// <summary>Puts the stored live weights back when disposed.</summary>
    private sealed class Restorer(List<Parameter> live, List<Tensor> stored) : IDisposable
    {
        private bool restored;

        public void Dispose()
        {
            if (restored) return;
            restored = true;
            using var _ = no_grad();
            for (int i = 0; i < live.Count; i++)
            {
                live[i].copy_(stored[i]);
                stored[i].Dispose();
            }
        }
    }
}
