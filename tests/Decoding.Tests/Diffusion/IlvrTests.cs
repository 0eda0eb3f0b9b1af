using Decoding.Diffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

/// <summary>ILVR (Choi et al. 2021) checked against cases computed by hand.</summary>
public sealed class IlvrTests
{
    [Fact]
    public void TheLowPassReplacesEachBlockByItsMean()
    {
        // 4 x 4 = 1..16 row by row; 2 x 2 blocks: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5.
        using var x = arange(1, 17, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);
        using var low = Ilvr.LowPass(x, 2);
        float[] expected = [3.5f, 3.5f, 5.5f, 5.5f, 3.5f, 3.5f, 5.5f, 5.5f, 11.5f, 11.5f, 13.5f, 13.5f, 11.5f, 11.5f, 13.5f, 13.5f];
        Assert.Equal(expected, low.data<float>().ToArray());
        using var twice = Ilvr.LowPass(low, 2);
        Assert.Equal(low.data<float>().ToArray(), twice.data<float>().ToArray());   // the block mean is a projection
        Assert.Throws<InvalidSettingException>(() => Ilvr.LowPass(x, 3));
    }

    [Fact]
    public void WithADenoiserThatKnowsZ0TheResultIsZ0sDetailOnTheReferencesBlockMeans()
    {
        // A denoiser that knows z0 makes every DDIM step land on √ᾱ z0 + √(1 − ᾱ) ε̂, and the last step (ᾱ = 1 with
        // set_alpha_to_one) on z0 itself; ILVR's last refinement uses the clean reference y, so the result is
        // z0 − LP(z0) + LP(y) exactly: the model's detail on the reference's layout.
        var config = new SchedulerConfig { BetaSchedule = BetaSchedule.ScaledLinear, StepsOffset = 1, TimestepSpacing = TimestepSpacing.Leading, SetAlphaToOne = true };
        var scheduler = new DdimScheduler(config);
        scheduler.SetTimesteps(10);
        using var z0 = randn(new long[] { 2, 4, 4, 4 }, generator: new Generator(1));
        using var reference = randn(new long[] { 2, 4, 4, 4 }, generator: new Generator(2));
        using var noise = randn(new long[] { 2, 4, 4, 4 }, generator: new Generator(3));
        int begin = Img2Img.BeginIndex(10, 0.5);
        using var start = Img2Img.NoisedStart(scheduler, reference, noise, begin);

        var seen = new List<long>();
        var refine = Ilvr.Refinement(scheduler, reference, noise, 2);
        using var result = DenoisingLoop.Denoise(scheduler, AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, z0), start, 10,
            callback: (i, t, latents) => { seen.Add(t); refine(i, t, latents); }, beginIndex: begin);

        Assert.Equal(new long[] { 401, 301, 201, 101, 1 }, seen);
        using var expected = z0 - Ilvr.LowPass(z0, 2) + Ilvr.LowPass(reference, 2);
        Assert.True(result.allclose(expected, rtol: 1e-4, atol: 1e-4), "z0's detail on the reference's block means");
        using var plain = DenoisingLoop.Denoise(scheduler, AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, z0), start, 10, beginIndex: begin);
        Assert.True(plain.allclose(z0, rtol: 1e-4, atol: 1e-4), "without ILVR the same loop lands on z0");
    }

    [Fact]
    public void PlmsIsRefusedNamingTheSetting()
    {
        var scheduler = new PlmsScheduler(new SchedulerConfig { StepsOffset = 1 });
        scheduler.SetTimesteps(10);
        using var y = zeros(1, 4, 4, 4);
        var error = Assert.Throws<InvalidSettingException>(() => Ilvr.Refinement(scheduler, y, y, 2));
        Assert.Equal("ilvr_block", error.Setting);
    }
}
