using Decoding.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class DdpmSchedulerTests
{
    // Ho et al. 2020's schedule: 1000 steps, β linear 1e-4 .. 0.02.
    private static readonly SchedulerConfig HoEtAl = new()
    {
        BetaSchedule = BetaSchedule.Linear, BetaStart = 1e-4, BetaEnd = 0.02, StepsOffset = 0,
    };

    [Fact]
    public void Posterior_variance_at_t_1_matches_eq_7_by_hand()
    {
        // Full chain (no SetTimesteps): β̃_1 = (1 − ᾱ_0)/(1 − ᾱ_1) β_1 with β_0 = 1e-4, β_1 = 1e-4 + 0.0199/999
        // = 1.1991992e-4: β̃_1 = β_0 β_1/(β_0 + β_1 − β_0 β_1) = 1.1991992e-8/2.1990793e-4 = 5.4531876613e-5.
        // float32 cancellation in 1 − ᾱ_1 (ᾱ_1 ≈ 0.99978) limits the relative accuracy to ~3e-4, as in diffusers.
        var scheduler = new DdpmScheduler(HoEtAl);
        Assert.Equal(0, scheduler.PreviousTimestep(1));
        Assert.Equal(5.4531876613021935e-05, scheduler.GetVariance(1), 5.45e-5 * 1e-3);
        // fixed_large uses β_1 itself.
        var large = new DdpmScheduler(HoEtAl with { VarianceType = VarianceType.FixedLarge });
        Assert.Equal(1.1991991991991993e-4, large.GetVariance(1), 1.2e-4 * 1e-3);
        // At t = 0 the posterior variance is 0 (1 − ᾱ_{−1} = 0), clamped to 1e-20 as diffusers does before its log.
        Assert.Equal(1e-20f, scheduler.GetVariance(0));
    }

    [Fact]
    public void Variance_over_a_strided_step_uses_the_betas_of_the_step_taken()
    {
        // 10 steps, leading: 500 -> 400. β = 1 − ᾱ_500/ᾱ_400 and β̃ = (1 − ᾱ_400)/(1 − ᾱ_500) β; reference_values.py on
        // ab = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000)) gives β̃ = 0.5230129595994999, β = 0.5980996503626803.
        var small = new DdpmScheduler(HoEtAl);
        small.SetTimesteps(10);
        Assert.Equal(400, small.PreviousTimestep(500));
        Assert.Equal(0.5230129595994999, small.GetVariance(500), 1e-6);
        var large = new DdpmScheduler(HoEtAl with { VarianceType = VarianceType.FixedLarge });
        large.SetTimesteps(10);
        Assert.Equal(0.5980996503626803, large.GetVariance(500), 1e-6);
    }

    [Fact]
    public void A_step_is_the_posterior_mean_of_Algorithm_2_plus_sigma_times_the_generators_noise()
    {
        // Algorithm 2, line 4: x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) ε)/√α_t + σ_t z, σ_t² = β̃_t (fixed_small), z the first
        // draw of a generator seeded 3. The scheduler computes the same mean through eq. 7 and x̂_0, an independent route.
        var scheduler = new DdpmScheduler(HoEtAl);
        const int t = 300;
        var schedule = scheduler.Schedule;
        double beta = schedule.Betas[t], alphaBar = schedule.AlphasCumprod[t], alphaBarPrev = schedule.AlphasCumprod[t - 1];
        var sigma = Math.Sqrt((1 - alphaBarPrev) / (1 - alphaBar) * beta);
        var x = new[] { 0.7, -1.2, 0.1, 2.0 };
        var e = new[] { -0.3, 0.9, 1.5, 0.0 };
        using var sample = tensor(x.Select(v => (float)v).ToArray());
        using var epsilon = tensor(e.Select(v => (float)v).ToArray());
        using var z = randn(new long[] { 4 }, generator: new Generator(3));

        var step = scheduler.Step(epsilon, t, sample, new Generator(3));
        for (var i = 0; i < 4; i++)
        {
            var mean = (x[i] - beta / Math.Sqrt(1 - alphaBar) * e[i]) / Math.Sqrt(1 - beta);
            Assert.Equal(mean + sigma * z[i].item<float>(), step.PrevSample[i].item<float>(), 2e-5);
            Assert.Equal((x[i] - Math.Sqrt(1 - alphaBar) * e[i]) / Math.Sqrt(alphaBar), step.PredOriginalSample[i].item<float>(), 2e-5);
        }
    }

    [Fact]
    public void The_noise_has_the_scheduled_standard_deviation_for_each_variance_type()
    {
        // With x_t = 0 and ε = 0, x̂_0 = 0 and the posterior mean is 0, so x_{t−1} = σ_t z: its empirical standard
        // deviation over 100,000 draws must be σ_t within 1% (standard error 0.22%).
        const int count = 100_000;
        using var sample = zeros(count);
        foreach (var varianceType in new[] { VarianceType.FixedSmall, VarianceType.FixedSmallLog, VarianceType.FixedLarge })
        {
            var scheduler = new DdpmScheduler(HoEtAl with { VarianceType = varianceType });
            scheduler.SetTimesteps(10);
            var expected = Math.Sqrt(varianceType == VarianceType.FixedLarge ? 0.5980996503626803 : 0.5230129595994999);
            var step = scheduler.Step(sample, 500, sample, new Generator(9));
            Assert.Equal(expected, step.PrevSample.std().item<float>(), expected * 0.01);
        }
    }

    [Fact]
    public void After_SetTimesteps_only_timesteps_of_the_schedule_are_accepted()
    {
        var scheduler = new DdpmScheduler(HoEtAl);
        Assert.Equal(1000, scheduler.Timesteps.Count);
        Assert.Equal(499, scheduler.PreviousTimestep(500));
        scheduler.SetTimesteps(10);
        Assert.Equal(-1, scheduler.PreviousTimestep(0));
        using var sample = zeros(2);
        var error = Assert.Throws<ArgumentException>(() => scheduler.Step(sample, 450, sample, new Generator(0)));
        Assert.Contains("timestep = 450 is not one of the timesteps set by SetTimesteps(10): 900, 800, 700, ...", error.Message);
        var noGenerator = Assert.Throws<ArgumentNullException>(() => scheduler.Step(sample, 500, sample));
        Assert.Contains("DdpmScheduler.Step", noGenerator.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.GetVariance(1000));
    }

    [Theory]
    [InlineData(PredictionType.Epsilon)]
    [InlineData(PredictionType.VPrediction)]
    [InlineData(PredictionType.Sample)]
    public void Ancestral_sampling_with_a_denoiser_that_knows_x0_ends_at_x0(PredictionType predictionType)
    {
        // With x̂_0 = x_0 exact, the last step (t = 0, ᾱ_{−1} = 1) has posterior mean coefficients 1 on x̂_0 and 0 on x_t
        // (eq. 7) and no noise, so the chain ends exactly at x_0 whatever noise was drawn on the way.
        var scheduler = new DdpmScheduler(HoEtAl with { PredictionType = predictionType });
        var generator = new Generator(4);
        using var original = randn(new long[] { 2, 3, 4, 4 }, generator: generator).clamp(-1, 1);
        var denoiser = AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, original, predictionType);
        using var sample = DenoisingLoop.Sample(scheduler, denoiser, new long[] { 2, 3, 4, 4 }, 50, generator);
        TensorAssert.Close(original, sample, 1e-4);
    }
}
