using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// The noise schedule of a discrete-time diffusion process (Ho et al. 2020, Sec. 2): the variances β_t of the forward
/// steps q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I), α_t = 1 − β_t and ᾱ_t = Π_{s≤t} α_s. Index t = 0..T−1 holds
/// the paper's step t + 1 (diffusers' indexing). Computed in float64 (as latent diffusion / MinD-Vis do); the
/// schedulers read ᾱ_t rounded to float32 (<see cref="AlphaBar"/>) and do their scalar arithmetic in float32, as
/// diffusers does on its float32 buffers.
/// </summary>
public sealed class NoiseSchedule
{
    /// <summary>Offset s of the cosine schedule (Nichol &amp; Dhariwal 2021, Sec. 3.2).</summary>
    public const double CosineOffset = 0.008;

    /// <summary>Largest β of the cosine schedule, "to prevent singularities at the end of the diffusion process near t = T".</summary>
    public const double CosineMaxBeta = 0.999;

    private readonly double[] betas;
    private readonly double[] alphas;
    private readonly double[] alphasCumprod;

    private NoiseSchedule(double[] betas)
    {
        this.betas = betas;
        alphas = new double[betas.Length];
        alphasCumprod = new double[betas.Length];
        var product = 1.0;
        for (var t = 0; t < betas.Length; t++)
        {
            alphas[t] = 1.0 - betas[t];
            product *= alphas[t];
            alphasCumprod[t] = product;
        }
    }

    /// <summary>β_t, t = 0..T−1.</summary>
    public IReadOnlyList<double> Betas => betas;

    /// <summary>α_t = 1 − β_t.</summary>
    public IReadOnlyList<double> Alphas => alphas;

    /// <summary>ᾱ_t = Π_{s≤t} α_s (diffusers' <c>alphas_cumprod</c>).</summary>
    public IReadOnlyList<double> AlphasCumprod => alphasCumprod;

    /// <summary>T, the number of training timesteps.</summary>
    public int NumTrainTimesteps => betas.Length;

    /// <summary>The schedule a config describes: its trained_betas if given, else its beta_schedule.</summary>
    public static NoiseSchedule FromConfig(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.TrainedBetas is { } trained
            ? FromBetas(trained)
            : Create(config.BetaSchedule, config.NumTrainTimesteps, config.BetaStart, config.BetaEnd);
    }

    /// <summary>A schedule from explicit betas, each in (0, 1).</summary>
    public static NoiseSchedule FromBetas(IReadOnlyList<double> betas)
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0)
            throw new ArgumentException("NoiseSchedule.FromBetas: betas is empty.", nameof(betas));
        for (var t = 0; t < betas.Count; t++)
            if (!(betas[t] > 0 && betas[t] < 1))
                throw new ArgumentException($"NoiseSchedule.FromBetas: betas[{t}] = {betas[t]} is not in (0, 1).", nameof(betas));
        return new NoiseSchedule(betas.ToArray());
    }

    /// <summary>
    /// The betas of <paramref name="kind"/> over <paramref name="numTrainTimesteps"/> steps. betaStart and betaEnd are
    /// used by the linear and scaled_linear schedules only.
    /// </summary>
    public static NoiseSchedule Create(BetaSchedule kind, int numTrainTimesteps, double betaStart = 0.00085, double betaEnd = 0.012)
    {
        if (numTrainTimesteps < 1)
            throw new ArgumentOutOfRangeException(nameof(numTrainTimesteps), $"NoiseSchedule.Create: numTrainTimesteps must be at least 1, got {numTrainTimesteps}.");
        var betas = kind switch
        {
            BetaSchedule.Linear => Linspace(betaStart, betaEnd, numTrainTimesteps),
            BetaSchedule.ScaledLinear => Linspace(Math.Sqrt(betaStart), Math.Sqrt(betaEnd), numTrainTimesteps).Select(r => r * r).ToArray(),
            BetaSchedule.SquaredCosCapV2 => CosineBetas(numTrainTimesteps),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), $"NoiseSchedule.Create: unknown beta schedule {kind}."),
        };
        return FromBetas(betas);
    }

    /// <summary>
    /// The cosine ᾱ(τ) = cos²((τ + s)/(1 + s) · π/2) of Nichol &amp; Dhariwal 2021, eq. 17, before division by ᾱ(0),
    /// for τ = t/T in [0, 1].
    /// </summary>
    public static double CosineAlphaBar(double tau)
    {
        var c = Math.Cos((tau + CosineOffset) / (1 + CosineOffset) * Math.PI / 2);
        return c * c;
    }

    /// <summary>ᾱ_t as float32, the value the schedulers compute with.</summary>
    public float AlphaBar(long timestep)
    {
        if (timestep < 0 || timestep >= alphasCumprod.Length)
            throw new ArgumentOutOfRangeException(nameof(timestep), $"NoiseSchedule.AlphaBar: timestep {timestep} is outside [0, {alphasCumprod.Length}).");
        return (float)alphasCumprod[timestep];
    }

    /// <summary>ᾱ_0..ᾱ_{T−1} as a float32 tensor of shape (T).</summary>
    public Tensor AlphasCumprodTensor(Device? device = null) =>
        tensor(alphasCumprod.Select(a => (float)a).ToArray(), dtype: ScalarType.Float32, device: device);

    /// <summary>n evenly spaced values from start to end inclusive, as numpy.linspace computes them (start + i·step, last = end).</summary>
    private static double[] Linspace(double start, double end, int n)
    {
        var values = new double[n];
        if (n == 1)
        {
            values[0] = start;
            return values;
        }
        var step = (end - start) / (n - 1);
        for (var i = 0; i < n; i++)
            values[i] = i * step + start;
        values[n - 1] = end;
        return values;
    }

    /// <summary>β_t = min(1 − ᾱ((t+1)/T)/ᾱ(t/T), 0.999), t = 0..T−1 (Nichol &amp; Dhariwal 2021, Sec. 3.2).</summary>
    private static double[] CosineBetas(int numTrainTimesteps)
    {
        var betas = new double[numTrainTimesteps];
        for (var t = 0; t < numTrainTimesteps; t++)
        {
            var ratio = CosineAlphaBar((t + 1) / (double)numTrainTimesteps) / CosineAlphaBar(t / (double)numTrainTimesteps);
            betas[t] = Math.Min(1 - ratio, CosineMaxBeta);
        }
        return betas;
    }
}
