using Decoding.Diffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

/// <summary>
/// DDIM inversion (the deterministic DDIM update run from x_0 upward), checked against a step computed by hand from the
/// scaled-linear schedule written out here, and against the property that makes it useful: DDIM denoising undoes it.
/// </summary>
public sealed class DdimInversionTests
{
    /// <summary>SD's scheduler (scaled linear betas 0.00085-0.012, T = 1000, leading spacing, offset 1), final ᾱ = 1.</summary>
    private static readonly SchedulerConfig Sd = new() { BetaSchedule = BetaSchedule.ScaledLinear, StepsOffset = 1, TimestepSpacing = TimestepSpacing.Leading, SetAlphaToOne = true };

    /// <summary>ᾱ_t = Π_{i ≤ t} (1 − β_i), β_i = (√0.00085 + i (√0.012 − √0.00085) / 999)², in double precision.</summary>
    private static double AlphaBar(int t)
    {
        double a = 1, lo = Math.Sqrt(0.00085), hi = Math.Sqrt(0.012);
        for (int i = 0; i <= t; i++)
        {
            double r = lo + i * (hi - lo) / 999;
            a *= 1 - r * r;
        }
        return a;
    }

    [Fact]
    public void OneInverseStepIsTheDdimUpdateFromTheLevelBelowComputedByHand()
    {
        var scheduler = new DdimScheduler(Sd);
        scheduler.SetTimesteps(10);                                    // 901, 801, ..., 101, 1; the step from t lands on t − 100
        using var sample = tensor(new float[] { 0.3f, -1.2f });
        using var epsilon = tensor(new float[] { 0.7f, 0.1f });
        // From the level of timestep 301 up to 401: x̂_0 = (x − √(1 − ᾱ_301) ε)/√ᾱ_301, x_401 = √ᾱ_401 x̂_0 + √(1 − ᾱ_401) ε.
        using var up = DdimInversion.InverseStep(scheduler, epsilon, 401, sample);
        double a301 = AlphaBar(301), a401 = AlphaBar(401);
        var expected = new[] { (0.3, 0.7), (-1.2, 0.1) }.Select(p =>
            Math.Sqrt(a401) * (p.Item1 - Math.Sqrt(1 - a301) * p.Item2) / Math.Sqrt(a301) + Math.Sqrt(1 - a401) * p.Item2).ToArray();
        Assert.Equal(expected[0], up[0].item<float>(), 4);
        Assert.Equal(expected[1], up[1].item<float>(), 4);
        // From the clean level (below timestep 1: the final ᾱ = 1) the step is the forward process with the model's ε.
        using var first = DdimInversion.InverseStep(scheduler, epsilon, 1, sample);
        Assert.Equal(Math.Sqrt(AlphaBar(1)) * 0.3 + Math.Sqrt(1 - AlphaBar(1)) * 0.7, first[0].item<float>(), 5);
    }

    [Fact]
    public void WithAFixedEpsilonInversionIsTheForwardProcessAndDdimUndoesItExactly()
    {
        // A model whose ε does not depend on x: DDIM's trajectory keeps x̂_0 fixed, so inverting z0 to Timesteps[b] gives
        // √ᾱ z0 + √(1 − ᾱ) ε (img2img's noised start with that ε), and denoising it returns z0.
        var scheduler = new DdimScheduler(Sd);
        using var z0 = randn(new long[] { 2, 4, 3, 3 }, generator: new Generator(1));
        using var fixedEpsilon = randn(new long[] { 2, 4, 3, 3 }, generator: new Generator(2));
        int begin = Img2Img.BeginIndex(10, 0.5);
        var visited = new List<long>();
        using var inverted = DdimInversion.Invert(scheduler, (x, t) => { visited.Add(t); return fixedEpsilon.clone(); }, z0, 10, begin);
        Assert.Equal(new long[] { 1, 101, 201, 301, 401 }, visited);   // lowest timestep first, up to Timesteps[b] = 401
        using var noised = Img2Img.NoisedStart(scheduler, z0, fixedEpsilon, begin);
        Assert.True(inverted.allclose(noised, rtol: 1e-4, atol: 1e-5));
        using var back = DenoisingLoop.Denoise(scheduler, (x, t) => fixedEpsilon.clone(), inverted, 10, beginIndex: begin);
        Assert.True(back.allclose(z0, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void WithADenoiserThatDependsOnTheSampleTheRoundTripErrorShrinksWithMoreSteps()
    {
        // The MMSE denoiser of Gaussian data: ε depends on x, so each inverse step evaluates ε one step off and the round
        // trip is approximate; its error falls as the steps get finer (the ODE's Euler steps converge).
        double Error(int steps)
        {
            var scheduler = new DdimScheduler(Sd);
            var denoiser = AnalyticDenoisers.GaussianData(scheduler.Schedule, mean: 0.2, std: 0.8);
            using var z0 = randn(new long[] { 64 }, generator: new Generator(3)) * 0.8 + 0.2;
            int begin = Img2Img.BeginIndex(steps, 0.5);
            using var inverted = DdimInversion.Invert(scheduler, denoiser, z0, steps, begin);
            using var back = DenoisingLoop.Denoise(scheduler, denoiser, inverted, steps, beginIndex: begin);
            return (back - z0).abs().max().item<float>();
        }
        double coarse = Error(10), fine = Error(100);
        Assert.True(fine < coarse / 3, $"round-trip error {fine} at 100 steps against {coarse} at 10");
        Assert.True(fine < 0.02, $"round-trip error {fine} at 100 steps");
    }

    [Fact]
    public void ABeginIndexOutsideTheScheduleIsRefused()
    {
        var scheduler = new DdimScheduler(Sd);
        using var z0 = zeros(1, 1, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => DdimInversion.Invert(scheduler, (x, t) => zeros_like(x), z0, 10, 10));
        Assert.Throws<InvalidOperationException>(() => DdimInversion.InverseStep(new DdimScheduler(Sd), z0, 401, z0));
    }
}
