using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class DenoisingLoopTests
{
    private static readonly SchedulerConfig Exact = new() { SetAlphaToOne = true, StepsOffset = 0 };

    // Ho et al. 2020's linear schedule: ᾱ_999 = 4e-5, so x_T ~ N(0, 1) matches q(x_999) closely.
    private static readonly SchedulerConfig HoEtAl = Exact with { BetaSchedule = BetaSchedule.Linear, BetaStart = 1e-4, BetaEnd = 0.02 };

    public static TheoryData<string> Samplers => new() { "ddpm", "ddim", "ddim-eta1", "plms" };

    private static (DiffusionScheduler Scheduler, double Eta) Build(string sampler, SchedulerConfig config) => sampler switch
    {
        "ddpm" => (new DdpmScheduler(config), 0.0),
        "ddim" => (new DdimScheduler(config), 0.0),
        "ddim-eta1" => (new DdimScheduler(config), 1.0),
        _ => (new PlmsScheduler(config), 0.0),
    };

    [Theory]
    // reference_values.py (numpy, written from the papers; 200,000 samples) on the same sampler, schedule and steps:
    [InlineData("ddpm", "linear", 100, 0.1748)]        // DDPM's fixed_small chain = DDIM with η = 1 (Song et al. Sec. 4.1)
    [InlineData("ddim-eta1", "linear", 100, 0.1748)]
    [InlineData("ddim", "linear", 100, 0.1879)]
    [InlineData("plms", "linear", 50, 0.2012)]
    [InlineData("ddim", "scaled_linear", 50, 0.1717)]
    [InlineData("plms", "scaled_linear", 50, 0.2006)]
    public void Each_sampler_on_gaussian_data_matches_the_numpy_reference(string sampler, string schedule, int steps, double expectedStd)
    {
        // Data x_0 ~ N(0.5, 0.2²) per element; AnalyticDenoisers.GaussianData is its exact MMSE ε-denoiser, so a correct
        // sampler maps N(0, 1) noise to (nearly) N(0.5, 0.2²). The first-order samplers get there slowly (reference std
        // for DDIM on the linear schedule: 0.176 / 0.188 / 0.195 / 0.198 at 50 / 100 / 250 / 1000 steps); PLMS is
        // within 0.002 of 0.2 at 50 steps. With 20,000 samples the standard errors are 0.0014 (mean) and 0.001 (std);
        // tolerances are 5 standard errors. Leading spacing without offset, ᾱ = 1 after the last step.
        var (scheduler, eta) = Build(sampler, schedule == "linear" ? HoEtAl : Exact);
        var denoiser = AnalyticDenoisers.GaussianData(scheduler.Schedule, 0.5, 0.2);
        using var samples = DenoisingLoop.Sample(scheduler, denoiser, new long[] { 20_000, 1 }, steps, new Generator(21), eta);
        // The mean drifts by up to 0.007 on the scaled_linear schedule, whose ᾱ_980 ≈ 0.0058 leaves x_T ~ N(0, 1) off q(x_980).
        Assert.Equal(schedule == "linear" ? 0.5 : 0.493, samples.mean().item<float>(), 0.007);
        Assert.Equal(expectedStd, samples.std().item<float>(), 0.005);
        if (sampler == "plms")
            Assert.Equal(0.2, samples.std().item<float>(), 0.01);
        (scheduler as IDisposable)?.Dispose();
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void The_same_seed_gives_identical_samples_and_another_seed_differs(string sampler)
    {
        var (scheduler, eta) = Build(sampler, Exact);
        var denoiser = AnalyticDenoisers.GaussianData(scheduler.Schedule, 0.0, 1.0);
        var shape = new long[] { 2, 4, 8, 8 };
        using var first = DenoisingLoop.Sample(scheduler, denoiser, shape, 10, new Generator(123), eta);
        using var again = DenoisingLoop.Sample(scheduler, denoiser, shape, 10, new Generator(123), eta);
        using var other = DenoisingLoop.Sample(scheduler, denoiser, shape, 10, new Generator(124), eta);
        Assert.True(first.eq(again).all().item<bool>());
        using var difference = (first - other).abs().max();
        Assert.True(difference.item<float>() > 0.1f);
    }

    [Fact]
    public void The_callback_sees_every_step_in_order_and_the_input_latents_are_left_alone()
    {
        var scheduler = new DdimScheduler(Exact);
        var seen = new List<(int Index, long Timestep, long[] Shape)>();
        using var start = randn(new long[] { 1, 2, 3 }, generator: new Generator(0));
        using var startCopy = start.clone();
        using var result = DenoisingLoop.Denoise(scheduler, (x, _) => zeros_like(x), start, 5,
            callback: (i, t, latents) => seen.Add((i, t, latents.shape)));
        Assert.Equal(new long[] { 800, 600, 400, 200, 0 }, seen.Select(s => s.Timestep));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, seen.Select(s => s.Index));
        Assert.All(seen, s => Assert.Equal(new long[] { 1, 2, 3 }, s.Shape));
        Assert.True(start.eq(startCopy).all().item<bool>());
    }

    [Fact]
    public void Eta_is_rejected_for_schedulers_other_than_ddim()
    {
        var scheduler = new DdpmScheduler(Exact);
        var error = Assert.Throws<ArgumentException>(() =>
            DenoisingLoop.Sample(scheduler, (x, _) => zeros_like(x), new long[] { 1, 2 }, 5, new Generator(0), eta: 0.5));
        Assert.Contains("DdpmScheduler has no η", error.Message);
        Assert.Throws<ArgumentException>(() =>
            DenoisingLoop.Sample(scheduler, (x, _) => zeros_like(x), new long[] { 0, 2 }, 5, new Generator(0)));
    }
}
