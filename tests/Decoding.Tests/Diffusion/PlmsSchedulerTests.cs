using Decoding.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class PlmsSchedulerTests
{
    private static readonly SchedulerConfig Exact = new() { SetAlphaToOne = true, StepsOffset = 0 };

    [Fact]
    public void Timesteps_repeat_the_second_one_as_diffusers_pndm_with_skip_prk_steps()
    {
        // Stable Diffusion, 50 steps (leading, offset 1): 981, 961, 961, 941, ..., 1 (51 model calls).
        var stableDiffusion = new PlmsScheduler(new SchedulerConfig());
        stableDiffusion.SetTimesteps(50);
        var expected = new long[] { 981, 961 }.Concat(Enumerable.Range(0, 49).Select(i => 961L - 20 * i)).ToArray();
        Assert.Equal(expected, stableDiffusion.Timesteps);
        Assert.Equal(1, stableDiffusion.Timesteps[^1]);

        var four = new PlmsScheduler(Exact);
        four.SetTimesteps(4);
        Assert.Equal(new long[] { 750, 500, 500, 250, 0 }, four.Timesteps);
        four.SetTimesteps(1);
        Assert.Equal(new long[] { 0 }, four.Timesteps);
    }

    [Fact]
    public void Warm_up_uses_euler_then_averaged_then_lower_order_adams_bashforth_steps()
    {
        // 5 steps (leading, T div n = δ = 200): calls at 800, 600, 600, 400, 200, 0. The denoiser's output at call k is
        // e_k = c_k + 0.1 x_in (it depends on its input, so the test sees which sample each call gets). Expected values
        // in double, with the transfer written in DDIM form φ(x, e, t, p) = √ᾱ_p (x − √(1 − ᾱ_t) e)/√ᾱ_t + √(1 − ᾱ_p) e
        // (equal to Liu et al.'s eq. 9), and the Adams–Bashforth coefficients by hand:
        //   call 0: e′ = e_0,                          x̃ = φ(x, e′, 800, 600)          (kept aside)
        //   call 1: e′ = (e_0 + e_1(x̃))/2,             x_600 = φ(x, e′, 800, 600)
        //   call 2: e′ = (3 e_2 − e_0)/2,              x_400 = φ(x_600, e′, 600, 400)
        //   call 3: e′ = (23 e_3 − 16 e_2 + 5 e_0)/12, x_200
        //   call 4: e′ = (55 e_4 − 59 e_3 + 37 e_2 − 9 e_0)/24, x_0
        //   call 5: e′ = (55 e_5 − 59 e_4 + 37 e_3 − 9 e_2)/24, final with ᾱ = 1 (set_alpha_to_one)
        var scheduler = new PlmsScheduler(Exact);
        scheduler.SetTimesteps(5);
        Assert.Equal(new long[] { 800, 600, 600, 400, 200, 0 }, scheduler.Timesteps);
        var ab = scheduler.Schedule.AlphasCumprod;
        double AlphaBar(long t) => t >= 0 ? ab[(int)t] : 1.0;
        double Transfer(double x, double e, long t, long p) =>
            Math.Sqrt(AlphaBar(p)) * (x - Math.Sqrt(1 - AlphaBar(t)) * e) / Math.Sqrt(AlphaBar(t)) + Math.Sqrt(1 - AlphaBar(p)) * e;
        var c = new[] { 0.5, -0.2, 0.3, 0.1, -0.4, 0.25 };
        double Output(int k, double xIn) => c[k] + 0.1 * xIn;

        var start = new[] { 1.0, -0.5 };
        var expectedCounts = new[] { 1, 1, 2, 3, 4, 4 };
        var latents = tensor(start.Select(v => (float)v).ToArray());
        var expected = new double[2][];
        for (var i = 0; i < 2; i++)
        {
            var x = start[i];
            var e0 = Output(0, x);
            var euler = Transfer(x, e0, 800, 600);
            var x600 = Transfer(x, (e0 + Output(1, euler)) / 2, 800, 600);
            var e2 = Output(2, x600);
            var x400 = Transfer(x600, (3 * e2 - e0) / 2, 600, 400);
            var e3 = Output(3, x400);
            var x200 = Transfer(x400, (23 * e3 - 16 * e2 + 5 * e0) / 12, 400, 200);
            var e4 = Output(4, x200);
            var x0 = Transfer(x200, (55 * e4 - 59 * e3 + 37 * e2 - 9 * e0) / 24, 200, 0);
            var e5 = Output(5, x0);
            var final = Transfer(x0, (55 * e5 - 59 * e4 + 37 * e3 - 9 * e2) / 24, 0, -200);
            expected[i] = new[] { euler, x600, x400, x200, x0, final };
        }

        for (var k = 0; k < 6; k++)
        {
            var t = scheduler.Timesteps[k];
            using var output = c[k] + 0.1 * latents;
            var step = scheduler.Step(output, t, latents);
            Assert.Equal(expectedCounts[k], scheduler.StoredModelOutputCount);
            Assert.Equal(k + 1, scheduler.StepCounter);
            for (var i = 0; i < 2; i++)
                Assert.True(Math.Abs(expected[i][k] - step.PrevSample[i].item<float>()) <= 2e-5,
                    $"call {k}, element {i}: expected {expected[i][k]:R}, got {step.PrevSample[i].item<float>():R}");
            latents.Dispose();
            latents = step.PrevSample;
        }
        latents.Dispose();

        // A new run starts with an empty history.
        scheduler.SetTimesteps(5);
        Assert.Equal(0, scheduler.StoredModelOutputCount);
        Assert.Equal(0, scheduler.StepCounter);
        scheduler.Dispose();
    }

    [Fact]
    public void Plms_with_a_denoiser_that_knows_x0_recovers_x0()
    {
        // The exact ε is the same at every timestep (x_t = a x_0 + s ε), the Adams–Bashforth weights sum to 1, so every
        // combination is ε itself and each transfer lands on q(x_{t−δ} | x_0); the last (ᾱ = 1) returns x_0.
        using var scheduler = new PlmsScheduler(Exact);
        var generator = new Generator(2);
        using var original = randn(new long[] { 2, 4, 8, 8 }, generator: generator).clamp(-1, 1);
        var denoiser = AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, original);
        using var sample = DenoisingLoop.Sample(scheduler, denoiser, new long[] { 2, 4, 8, 8 }, 20, generator);
        TensorAssert.Close(original, sample, 5e-5);
    }

    [Fact]
    public void V_prediction_steps_convert_the_combined_velocity_to_epsilon()
    {
        // First call (Euler): the exact v at t = 750 converts to the exact ε, so x̃ lies on q(x_500 | x_0) (eq. 4).
        using var scheduler = new PlmsScheduler(Exact with { PredictionType = PredictionType.VPrediction });
        scheduler.SetTimesteps(4);
        var generator = new Generator(8);
        using var original = randn(new long[] { 3, 5 }, generator: generator);
        using var noise = randn(new long[] { 3, 5 }, generator: generator);
        using var x750 = ForwardProcess.AddNoise(scheduler.Schedule, original, noise, full(3, 750L, dtype: ScalarType.Int64));
        using var velocity = AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, original, PredictionType.VPrediction)(x750, 750);
        var step = scheduler.Step(velocity, 750, x750);
        using var x500 = ForwardProcess.AddNoise(scheduler.Schedule, original, noise, full(3, 500L, dtype: ScalarType.Int64));
        TensorAssert.Close(x500, step.PrevSample, 2e-5);
        TensorAssert.Close(original, step.PredOriginalSample, 2e-5);
    }

    [Fact]
    public void Out_of_order_steps_extra_steps_and_unsupported_configs_are_rejected()
    {
        using var scheduler = new PlmsScheduler(Exact);
        using var sample = zeros(2);
        Assert.Throws<InvalidOperationException>(() => scheduler.Step(sample, 750, sample));
        scheduler.SetTimesteps(2);   // 500, 0, 0
        var order = Assert.Throws<ArgumentException>(() => scheduler.Step(sample, 0, sample));
        Assert.Contains("call 0 of this run is at timestep 500", order.Message);
        foreach (var t in scheduler.Timesteps)
            scheduler.Step(sample, t, sample);
        var done = Assert.Throws<InvalidOperationException>(() => scheduler.Step(sample, 0, sample));
        Assert.Contains("all 3 steps", done.Message);

        var prk = Assert.Throws<ArgumentException>(() => new PlmsScheduler(Exact with { SkipPrkSteps = false }));
        Assert.StartsWith("PlmsScheduler config: skip_prk_steps = false", prk.Message);
        var sampleType = Assert.Throws<ArgumentException>(() => new PlmsScheduler(Exact with { PredictionType = PredictionType.Sample }));
        Assert.StartsWith("PlmsScheduler config: prediction_type = sample", sampleType.Message);
    }
}
