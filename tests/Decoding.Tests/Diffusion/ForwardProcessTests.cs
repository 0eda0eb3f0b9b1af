using Decoding.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class ForwardProcessTests
{
    private static readonly NoiseSchedule LinearSchedule = NoiseSchedule.Create(BetaSchedule.Linear, 1000, 1e-4, 0.02);

    [Fact]
    public void Closed_form_coefficients_equal_the_composed_single_steps()
    {
        // Composing q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I) from x_0 gives x_t = m_t x_0 + noise of variance v_t with
        // m_t = √α_t m_{t−1} and v_t = α_t v_{t−1} + β_t (m_{−1} = 1, v_{−1} = 0). The closed form (Ho et al. 2020, eq. 4)
        // says m_t = √ᾱ_t and v_t = 1 − ᾱ_t.
        foreach (var kind in new[] { BetaSchedule.Linear, BetaSchedule.ScaledLinear, BetaSchedule.SquaredCosCapV2 })
        {
            var schedule = NoiseSchedule.Create(kind, 1000, kind == BetaSchedule.Linear ? 1e-4 : 0.00085, kind == BetaSchedule.Linear ? 0.02 : 0.012);
            double mean = 1, variance = 0;
            for (var t = 0; t < 1000; t++)
            {
                var alpha = 1 - schedule.Betas[t];
                mean *= Math.Sqrt(alpha);
                variance = alpha * variance + schedule.Betas[t];
                Assert.True(Math.Abs(mean - Math.Sqrt(schedule.AlphasCumprod[t])) <= 1e-12, $"{kind} t={t}: mean coefficient");
                Assert.True(Math.Abs(variance - (1 - schedule.AlphasCumprod[t])) <= 1e-12, $"{kind} t={t}: variance");
            }
        }
    }

    [Fact]
    public void Closed_form_matches_iterating_the_noising_step_in_distribution()
    {
        // Iterate x_t = √α_t x_{t−1} + √β_t z for 100 steps from x_0 = 1 on 50,000 elements and compare the empirical
        // mean and variance with AddNoise at t = 99 driven by fresh N(0, 1) noise. With ᾱ_99 = 0.89702 (numpy), the
        // variance is v = 0.10298 and the standard errors are √(v/n) = 1.4e-3 (mean) and v√(2/n) = 6.5e-4 (variance);
        // tolerances are 5 standard errors.
        const int steps = 100, count = 50_000;
        var generator = new Generator(11);
        using var x = ones(count, dtype: ScalarType.Float64);
        for (var t = 0; t < steps; t++)
        {
            using var z = randn(new long[] { count }, dtype: ScalarType.Float64, generator: generator);
            x.mul_(Math.Sqrt(1 - LinearSchedule.Betas[t])).add_(z * Math.Sqrt(LinearSchedule.Betas[t]));
        }
        using var original = ones(count, 1);
        using var noise = randn(new long[] { count, 1 }, generator: generator);
        using var timesteps = full(count, steps - 1, dtype: ScalarType.Int64);
        using var closedForm = ForwardProcess.AddNoise(LinearSchedule, original, noise, timesteps);

        var expectedMean = Math.Sqrt(LinearSchedule.AlphasCumprod[steps - 1]);
        var expectedVariance = 1 - LinearSchedule.AlphasCumprod[steps - 1];
        Assert.Equal(expectedMean, x.mean().item<double>(), 7.2e-3);
        Assert.Equal(expectedVariance, x.var().item<double>(), 3.3e-3);
        Assert.Equal(expectedMean, closedForm.mean().item<float>(), 7.2e-3);
        Assert.Equal(expectedVariance, closedForm.var().item<float>(), 3.3e-3);
    }

    [Fact]
    public void AddNoise_and_GetVelocity_use_each_samples_own_timestep()
    {
        // x_0 = 1, ε = 2 everywhere: x_t = √ᾱ_t + 2√(1 − ᾱ_t), v = 2√ᾱ_t − √(1 − ᾱ_t), with ᾱ_0 = 0.9999,
        // ᾱ_499 = 0.07858724288177824, ᾱ_999 = 4.035829765375676e-05 (numpy, see NoiseScheduleTests).
        var alphaBars = new[] { 0.9999, 0.07858724288177824, 4.035829765375676e-05 };
        using var original = ones(3, 2, 2);
        using var noise = full(new long[] { 3, 2, 2 }, 2f);
        using var timesteps = tensor(new long[] { 0, 499, 999 });
        using var noisy = ForwardProcess.AddNoise(LinearSchedule, original, noise, timesteps);
        using var velocity = ForwardProcess.GetVelocity(LinearSchedule, original, noise, timesteps);
        // Tolerance: in float32, 1 − ᾱ_0 = 1 − 0.9999f = 1.00017e-4 (relative error 1.7e-4, as in diffusers), which
        // moves 2√(1 − ᾱ_0) = 0.02 by 1.7e-6.
        for (var i = 0; i < 3; i++)
        {
            TensorAssert.AllClose(Math.Sqrt(alphaBars[i]) + 2 * Math.Sqrt(1 - alphaBars[i]), noisy[i], 3e-6);
            TensorAssert.AllClose(2 * Math.Sqrt(alphaBars[i]) - Math.Sqrt(1 - alphaBars[i]), velocity[i], 3e-6);
        }
    }

    [Fact]
    public void Epsilon_original_and_velocity_conversions_invert_each_other()
    {
        var generator = new Generator(5);
        using var original = randn(new long[] { 4, 3, 8, 8 }, generator: generator);
        using var noise = randn(new long[] { 4, 3, 8, 8 }, generator: generator);
        using var timesteps = tensor(new long[] { 1, 250, 600, 900 });
        using var scope = NewDisposeScope();
        var noisy = ForwardProcess.AddNoise(LinearSchedule, original, noise, timesteps);
        var velocity = ForwardProcess.GetVelocity(LinearSchedule, original, noise, timesteps);
        var alphaBar = ForwardProcess.AlphaBarPerSample(LinearSchedule, timesteps, original);
        Assert.Equal(new long[] { 4, 1, 1, 1 }, alphaBar.shape);

        // x_0 = (x_t − s ε)/a divides by a = √ᾱ_900 ≈ 0.02, so float32 rounding grows to ~1e-5 there.
        TensorAssert.Close(original, ForwardProcess.OriginalFromEpsilon(noisy, noise, alphaBar), 1e-4);
        TensorAssert.Close(noise, ForwardProcess.EpsilonFromOriginal(noisy, original, alphaBar), 1e-4);
        TensorAssert.Close(original, ForwardProcess.OriginalFromVelocity(noisy, velocity, alphaBar), 1e-5);
        TensorAssert.Close(noise, ForwardProcess.EpsilonFromVelocity(noisy, velocity, alphaBar), 1e-5);
        TensorAssert.Close(velocity, ForwardProcess.VelocityFromEpsilon(noisy, noise, alphaBar), 1e-4);
        TensorAssert.Close(velocity, ForwardProcess.VelocityFromOriginal(noisy, original, alphaBar), 1e-4);

        // Round trips through the dispatchers, per prediction type.
        TensorAssert.Close(original, ForwardProcess.ToOriginal(PredictionType.VPrediction, velocity, noisy, alphaBar), 1e-5);
        TensorAssert.Close(noise, ForwardProcess.ToEpsilon(PredictionType.Sample, original, noisy, alphaBar), 1e-4);
        TensorAssert.Close(original, ForwardProcess.ToOriginal(PredictionType.Sample, original, noisy, alphaBar), 0);
        TensorAssert.Close(noise, ForwardProcess.ToEpsilon(PredictionType.Epsilon, noise, noisy, alphaBar), 0);
    }

    [Fact]
    public void Training_targets_are_noise_original_or_velocity()
    {
        var generator = new Generator(6);
        using var original = randn(new long[] { 2, 4 }, generator: generator);
        using var noise = randn(new long[] { 2, 4 }, generator: generator);
        using var timesteps = tensor(new long[] { 10, 700 });
        using var scope = NewDisposeScope();
        TensorAssert.Close(noise, ForwardProcess.TrainingTarget(PredictionType.Epsilon, LinearSchedule, original, noise, timesteps), 0);
        TensorAssert.Close(original, ForwardProcess.TrainingTarget(PredictionType.Sample, LinearSchedule, original, noise, timesteps), 0);
        TensorAssert.Close(ForwardProcess.GetVelocity(LinearSchedule, original, noise, timesteps),
            ForwardProcess.TrainingTarget(PredictionType.VPrediction, LinearSchedule, original, noise, timesteps), 0);
    }

    [Fact]
    public void Bad_timesteps_and_shapes_are_rejected()
    {
        using var original = zeros(2, 3);
        using var noise = zeros(2, 3);
        using var outOfRange = tensor(new long[] { 0, 1000 });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ForwardProcess.AddNoise(LinearSchedule, original, noise, outOfRange));
        Assert.Contains("1000", error.Message);
        using var wrongCount = tensor(new long[] { 0, 1, 2 });
        Assert.Throws<ArgumentException>(() => ForwardProcess.AddNoise(LinearSchedule, original, noise, wrongCount));
        using var floats = tensor(new float[] { 0, 1 });
        Assert.Throws<ArgumentException>(() => ForwardProcess.AddNoise(LinearSchedule, original, noise, floats));
        using var otherShape = zeros(2, 4);
        using var good = tensor(new long[] { 0, 1 });
        Assert.Throws<ArgumentException>(() => ForwardProcess.AddNoise(LinearSchedule, original, otherShape, good));
    }
}
