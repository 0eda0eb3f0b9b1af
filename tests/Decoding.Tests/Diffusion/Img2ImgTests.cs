using Decoding.Diffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

/// <summary>Image-to-image as diffusers' img2img pipelines run it, checked against cases computed by hand.</summary>
public sealed class Img2ImgTests
{
    [Theory]
    [InlineData(10, 1.0, 0)]   // strength 1: every step
    [InlineData(10, 0.5, 5)]   // the last 5 of 10
    [InlineData(10, 0.35, 7)]  // floor(3.5) = 3 steps run
    [InlineData(50, 0.8, 10)]  // Takagi & Nishimoto's setting: 40 of 50 DDIM steps
    public void TheStrengthRunsTheLastFloorOfNTimesSSteps(int steps, double strength, int begin)
        => Assert.Equal(begin, Img2Img.BeginIndex(steps, strength));

    [Fact]
    public void AStrengthThatRunsNoStepIsOneLine()
    {
        var e = Assert.Throws<InvalidSettingException>(() => Img2Img.BeginIndex(10, 0.05));
        Assert.Equal("strength", e.Setting);
        Assert.Throws<InvalidSettingException>(() => Img2Img.BeginIndex(10, 1.5));
        // 1/3 to three digits is 0.333, and 3 x 0.333 = 0.999 runs no step: the message asks for 0.334.
        Assert.Contains("raise it to at least 0.334", Assert.Throws<InvalidSettingException>(() => Img2Img.BeginIndex(3, 0.333)).Message);
    }

    /// <summary>The strength and step count the messages suggest run a step themselves, for every step count up to 1,000
    /// and every strength 1/k (k = 161: 161 x (1/161) is 0.9999999999999999 in double precision, which floors to 0).</summary>
    [Fact]
    public void TheSuggestedStrengthAndStepsRunAStep()
    {
        Assert.Equal((0.334, 0.0205, 0.1, 1.0), (Img2Img.SmallestStrength(3), Img2Img.SmallestStrength(49), Img2Img.SmallestStrength(10), Img2Img.SmallestStrength(1)));
        for (int n = 1; n <= 1000; n++)
        {
            double s = Img2Img.SmallestStrength(n);
            Assert.True(Img2Img.StepsRun(n, s) >= 1, $"{s} runs no step of {n}");
            Assert.True(s <= 1.0 / n * 1.01, $"{s} is more than 1% above 1/{n}");
        }
        Assert.Equal(0, Img2Img.StepsRun(161, 1.0 / 161));
        Assert.Equal(162, Img2Img.FewestSteps(1.0 / 161));
        Assert.Equal((2, 3, 1), (Img2Img.FewestSteps(0.5), Img2Img.FewestSteps(0.35), Img2Img.FewestSteps(1)));
        for (int k = 1; k <= 1000; k++) Assert.True(Img2Img.StepsRun(Img2Img.FewestSteps(1.0 / k), 1.0 / k) >= 1, $"1/{k}");
    }

    [Fact]
    public void TheStartIsTheForwardProcessAtTheFirstRunTimestepAndAnExactDenoiserRecoversTheLatent()
    {
        // DDIM, T = 1000, 10 steps, leading spacing with steps_offset 1 (SD's config): 901, 801, ..., 1.
        // Strength 0.5 runs the last 5: 401, 301, 201, 101, 1, and the start is x_401 = √ᾱ_401 z0 + √(1 − ᾱ_401) ε.
        var scheduler = new DdimScheduler(SdConfig);
        scheduler.SetTimesteps(10);
        Assert.Equal(new long[] { 901, 801, 701, 601, 501, 401, 301, 201, 101, 1 }, scheduler.Timesteps);
        Assert.Equal(401, scheduler.Timesteps[Img2Img.BeginIndex(10, 0.5)]);
        AssertExactDenoiserRecoversTheLatentFrom401(scheduler, [401, 301, 201, 101, 1]);
    }

    [Fact]
    public void PlmsStartsItsWarmUpAtTheBeginStepAndAnExactDenoiserRecoversTheLatent()
    {
        // Leading spacing, steps_offset 1, 10 steps: the grid is 901, 801, ..., 1 and PLMS lists 901, 801, 801, 701, ..., 1.
        // Strength 0.5 begins at grid step 5 (timestep 401, where DDIM begins too) and restarts the warm-up there:
        // 401, 301, 301, 201, 101, 1 (by hand: the last five grid timesteps with the second one twice). With the exact ε
        // every multistep combination is that ε and each PLMS transfer is the deterministic DDIM step, so the run lands
        // on z0. Cutting PLMS's own list at the begin index instead, as diffusers does, starts at 501 with the history one
        // grid step off and ends 0.13 root mean square away (numpy).
        var scheduler = new PlmsScheduler(SdConfig);
        scheduler.SetTimesteps(10);
        Assert.Equal(new long[] { 901, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1 }, scheduler.Timesteps);
        int begin = Img2Img.BeginIndex(10, 0.5);
        Assert.Equal(401, scheduler.TimestepOfStep(begin));
        Assert.Equal(new long[] { 401, 301, 301, 201, 101, 1 }, scheduler.TimestepsFrom(begin));
        AssertExactDenoiserRecoversTheLatentFrom401(scheduler, [401, 301, 301, 201, 101, 1]);
        Assert.Equal(6, scheduler.StepCounter);
    }

    /// <summary>SD's scheduler config (scaled-linear β, leading spacing, steps_offset 1) with a last step to ᾱ = 1.</summary>
    private static readonly SchedulerConfig SdConfig = new()
    {
        BetaSchedule = BetaSchedule.ScaledLinear, StepsOffset = 1, TimestepSpacing = TimestepSpacing.Leading, SetAlphaToOne = true,
    };

    /// <summary>
    /// Image-to-image at strength 0.5 of 10 steps: the start is x_401 = √ᾱ_401 z0 + √(1 − ᾱ_401) ε, and a denoiser that
    /// knows ε exactly (ε_t = (x_t − √ᾱ_t z0) / √(1 − ᾱ_t)) is called at <paramref name="expectedCalls"/> and lands on z0
    /// (the last step goes to ᾱ = 1 with set_alpha_to_one).
    /// </summary>
    private static void AssertExactDenoiserRecoversTheLatentFrom401(DiffusionScheduler scheduler, long[] expectedCalls)
    {
        int begin = Img2Img.BeginIndex(10, 0.5);
        using var z0 = randn(new long[] { 2, 4, 3, 3 }, generator: new Generator(1));
        using var noise = randn(new long[] { 2, 4, 3, 3 }, generator: new Generator(2));
        using var start = Img2Img.NoisedStart(scheduler, z0, noise, begin);
        double alphaBar = scheduler.Schedule.AlphaBar(401);
        using var expected = z0 * Math.Sqrt(alphaBar) + noise * Math.Sqrt(1 - alphaBar);
        Assert.True(start.allclose(expected, rtol: 1e-5, atol: 1e-6));

        var visited = new List<long>();
        Tensor Oracle(Tensor x, long t)
        {
            visited.Add(t);
            double a = scheduler.Schedule.AlphaBar(t);
            return (x - z0 * Math.Sqrt(a)) / Math.Sqrt(1 - a);
        }
        using var result = DenoisingLoop.Denoise(scheduler, Oracle, start, 10, beginIndex: begin);
        Assert.Equal(expectedCalls, visited);
        Assert.True(result.allclose(z0, rtol: 1e-4, atol: 1e-4), $"the exact denoiser must recover z0; max |error| {(result - z0).abs().max().item<float>()}");
    }

    [Fact]
    public void PlmsFromPureNoiseVisitsItsWholeList()
    {
        var scheduler = new PlmsScheduler(new SchedulerConfig { StepsOffset = 1 });
        scheduler.SetTimesteps(10);
        Assert.Equal(scheduler.Timesteps, scheduler.TimestepsFrom(0));
        var visited = new List<long>();
        using var x = zeros(1, 1, 2, 2);
        using var result = DenoisingLoop.Denoise(scheduler, (sample, t) => { visited.Add(t); return zeros_like(sample); }, x, 10);
        Assert.Equal(scheduler.Timesteps, visited);
        Assert.Equal(11, scheduler.StepCounter);
    }
}
