using Decoding.Diffusion;

namespace Decoding.Tests.Diffusion;

public class NoiseScheduleTests
{
    [Theory]
    // Reference (reference_values.py, numpy 1.24) written from Ho et al. 2020 (β linear, ᾱ_t = Π(1 − β_s)):
    //   ab = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000)); ab[[0, 499, 999]]
    // ᾱ_0 = 1 − β_0 = 0.9999 by hand.
    [InlineData(0, 0.9999)]
    [InlineData(499, 0.07858724288177824)]
    [InlineData(999, 4.035829765375676e-05)]
    public void Linear_schedule_of_Ho_et_al_has_the_known_alphas_cumprod(int t, double expected)
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.Linear, 1000, 1e-4, 0.02);
        Assert.True(Math.Abs(schedule.AlphasCumprod[t] - expected) <= 1e-12 * expected, $"ᾱ_{t} = {schedule.AlphasCumprod[t]:R}, expected {expected:R}");
    }

    [Theory]
    // Reference (reference_values.py): √β evenly spaced then squared (latent diffusion's schedule, Stable Diffusion 0.00085..0.012):
    //   ab = np.cumprod(1 - np.linspace(0.00085**0.5, 0.012**0.5, 1000)**2); ab[[0, 499, 999]]
    // ᾱ_0 = 1 − 0.00085 = 0.99915 by hand.
    [InlineData(0, 0.99915)]
    [InlineData(499, 0.27766965045646763)]
    [InlineData(999, 0.004660098513077238)]
    public void Scaled_linear_schedule_of_Stable_Diffusion_has_the_known_alphas_cumprod(int t, double expected)
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000, 0.00085, 0.012);
        Assert.True(Math.Abs(schedule.AlphasCumprod[t] - expected) <= 1e-12 * expected, $"ᾱ_{t} = {schedule.AlphasCumprod[t]:R}, expected {expected:R}");
    }

    [Theory]
    // Nichol & Dhariwal 2021, eq. 17: ᾱ_t = f(t)/f(0), f(τ) = cos²((τ + 0.008)/1.008 · π/2). The product of
    // 1 − β_t = f((t+1)/T)/f(t/T) telescopes to f((t+1)/T)/f(0) wherever β is not clipped (all t < T − 1). Values of
    // that closed form (python math): t = 0: 0.999958715775178; t = 499 (τ = 0.5): 0.49384359044063775;
    // t = 998: 2.428766907034851e-06.
    [InlineData(0, 0.999958715775178)]
    [InlineData(499, 0.49384359044063775)]
    [InlineData(998, 2.428766907034851e-06)]
    public void Cosine_schedule_telescopes_to_the_closed_form_of_Nichol_and_Dhariwal(int t, double expected)
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.SquaredCosCapV2, 1000);
        Assert.True(Math.Abs(schedule.AlphasCumprod[t] - expected) <= 1e-12 * expected, $"ᾱ_{t} = {schedule.AlphasCumprod[t]:R}, expected {expected:R}");
        var closedForm = NoiseSchedule.CosineAlphaBar((t + 1) / 1000.0) / NoiseSchedule.CosineAlphaBar(0);
        Assert.True(Math.Abs(schedule.AlphasCumprod[t] - closedForm) <= 1e-12 * closedForm);
    }

    [Fact]
    public void Cosine_schedule_clips_the_last_beta_at_0_999()
    {
        // f(1) = cos²(π/2) ≈ 0, so 1 − f(1)/f(0.999) ≈ 1 is clipped to 0.999 (Nichol & Dhariwal 2021, Sec. 3.2).
        var schedule = NoiseSchedule.Create(BetaSchedule.SquaredCosCapV2, 1000);
        Assert.Equal(0.999, schedule.Betas[999]);
        Assert.True(schedule.Betas.Take(999).All(b => b < 0.999));
    }

    [Fact]
    public void Linear_betas_run_from_beta_start_to_beta_end_and_alphas_are_one_minus_beta()
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.Linear, 1000, 1e-4, 0.02);
        Assert.Equal(1e-4, schedule.Betas[0]);
        Assert.Equal(0.02, schedule.Betas[999]);
        // Even spacing: β_1 = 1e-4 + (0.02 − 1e-4)/999 = 1.1991991991991992e-4 (hand).
        Assert.Equal(1.1991991991991992e-4, schedule.Betas[1], 1e-18);
        for (var t = 0; t < 1000; t += 111)
            Assert.Equal(1 - schedule.Betas[t], schedule.Alphas[t]);
        Assert.Equal(1000, schedule.NumTrainTimesteps);
    }

    [Fact]
    public void Scaled_linear_betas_are_squares_of_evenly_spaced_roots()
    {
        var schedule = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000, 0.00085, 0.012);
        Assert.Equal(0.00085, schedule.Betas[0], 1e-17);
        Assert.Equal(0.012, schedule.Betas[999], 1e-17);
        // Midpoint of the roots at t = 499.5: ((√0.00085 + √0.012)/2)² = 0.005466...; β_499 and β_500 straddle it.
        var midpoint = Math.Pow((Math.Sqrt(0.00085) + Math.Sqrt(0.012)) / 2, 2);
        Assert.True(schedule.Betas[499] < midpoint && midpoint < schedule.Betas[500]);
    }

    [Fact]
    public void Config_trained_betas_take_precedence_over_the_named_schedule()
    {
        var config = new SchedulerConfig { NumTrainTimesteps = 3, TrainedBetas = new[] { 0.1, 0.2, 0.5 } };
        var schedule = NoiseSchedule.FromConfig(config);
        // ᾱ = 0.9, 0.9·0.8 = 0.72, 0.72·0.5 = 0.36 (hand).
        Assert.Equal(new[] { 0.9, 0.72, 0.36 }, schedule.AlphasCumprod.Select(a => Math.Round(a, 12)));
        Assert.Equal(0.72f, schedule.AlphaBar(1));
    }

    [Fact]
    public void Bad_betas_and_timesteps_are_rejected_with_the_value_named()
    {
        var error = Assert.Throws<ArgumentException>(() => NoiseSchedule.FromBetas(new[] { 0.1, 1.0 }));
        Assert.Contains("betas[1] = 1", error.Message);
        Assert.Throws<ArgumentException>(() => NoiseSchedule.FromBetas(Array.Empty<double>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Create(BetaSchedule.Linear, 0));
        var schedule = NoiseSchedule.Create(BetaSchedule.Linear, 10, 1e-4, 0.02);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBar(10));
        Assert.Contains("timestep 10", outside.Message);
    }
}
