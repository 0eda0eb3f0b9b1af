using Decoding.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class DdimSchedulerTests
{
    private static readonly SchedulerConfig Exact = new() { SetAlphaToOne = true, StepsOffset = 0 };

    [Theory]
    [InlineData(PredictionType.Epsilon)]
    [InlineData(PredictionType.VPrediction)]
    [InlineData(PredictionType.Sample)]
    public void Deterministic_ddim_with_a_denoiser_that_knows_x0_stays_on_the_forward_marginals_and_recovers_x0(PredictionType predictionType)
    {
        // With the exact ε, x_t = a_t x_0 + s_t ε gives x̂_0 = x_0 and ε̂ = ε at every step, so eq. 12 (η = 0) maps x_t
        // to a_{t−1} x_0 + s_{t−1} ε: every latent lies on q(x_t | x_0) with the same ε, and the last step (ᾱ = 1 with
        // set_alpha_to_one) returns x_0.
        var scheduler = new DdimScheduler(Exact with { PredictionType = predictionType });
        var generator = new Generator(1);
        using var original = randn(new long[] { 2, 4, 8, 8 }, generator: generator).clamp(-1, 1);
        using var noise = randn(new long[] { 2, 4, 8, 8 }, generator: generator);
        var denoiser = AnalyticDenoisers.KnowsOriginal(scheduler.Schedule, original, predictionType);
        scheduler.SetTimesteps(10);
        using var start = ForwardProcess.AddNoise(scheduler.Schedule, original, noise, full(2, scheduler.Timesteps[0], dtype: ScalarType.Int64));

        var latents = start.clone();
        foreach (var t in scheduler.Timesteps)
        {
            using var modelOutput = denoiser(latents, t);
            var step = scheduler.Step(modelOutput, t, latents);
            TensorAssert.Close(original, step.PredOriginalSample, 5e-5);
            latents.Dispose();
            latents = step.PrevSample;
            var prevTimestep = t - 100;
            if (prevTimestep >= 0)
            {
                using var onMarginal = ForwardProcess.AddNoise(scheduler.Schedule, original, noise, full(2, prevTimestep, dtype: ScalarType.Int64));
                TensorAssert.Close(onMarginal, latents, 5e-5);
            }
        }
        TensorAssert.Close(original, latents, 5e-5);
        latents.Dispose();
    }

    [Fact]
    public void One_step_matches_eq_12_computed_by_hand_for_eta_0_and_eta_1()
    {
        // T = 1000, n = 10: the step from t = 500 lands on t − 100 = 400. ᾱ from the Stable Diffusion schedule.
        var scheduler = new DdimScheduler(new SchedulerConfig { StepsOffset = 0 });
        scheduler.SetTimesteps(10);
        double alphaT = scheduler.Schedule.AlphasCumprod[500], alphaPrev = scheduler.Schedule.AlphasCumprod[400];
        using var sample = tensor(new float[] { 1.0f, -0.5f, 2.0f });
        using var epsilon = tensor(new float[] { 0.5f, 0.25f, -1.0f });
        var x = new[] { 1.0, -0.5, 2.0 };
        var e = new[] { 0.5, 0.25, -1.0 };

        // η = 0: x_{t−1} = √α_{t−1} (x_t − √(1 − α_t) ε)/√α_t + √(1 − α_{t−1}) ε (eq. 12 with σ_t = 0).
        var deterministic = scheduler.Step(epsilon, 500, sample);
        for (var i = 0; i < 3; i++)
        {
            var x0 = (x[i] - Math.Sqrt(1 - alphaT) * e[i]) / Math.Sqrt(alphaT);
            Assert.Equal(x0, deterministic.PredOriginalSample[i].item<float>(), 1e-5);
            Assert.Equal(Math.Sqrt(alphaPrev) * x0 + Math.Sqrt(1 - alphaPrev) * e[i], deterministic.PrevSample[i].item<float>(), 1e-5);
        }

        // η = 1: σ_t = √((1 − α_{t−1})/(1 − α_t)) √(1 − α_t/α_{t−1}) (eq. 16), direction √(1 − α_{t−1} − σ_t²) ε, plus
        // σ_t z with z the first draw of a generator seeded 7.
        var sigma = Math.Sqrt((1 - alphaPrev) / (1 - alphaT)) * Math.Sqrt(1 - alphaT / alphaPrev);
        using var z = randn(new long[] { 3 }, generator: new Generator(7));
        var stochastic = scheduler.Step(epsilon, 500, sample, eta: 1.0, generator: new Generator(7));
        for (var i = 0; i < 3; i++)
        {
            var x0 = (x[i] - Math.Sqrt(1 - alphaT) * e[i]) / Math.Sqrt(alphaT);
            var expected = Math.Sqrt(alphaPrev) * x0 + Math.Sqrt(1 - alphaPrev - sigma * sigma) * e[i] + sigma * z[i].item<float>();
            Assert.Equal(expected, stochastic.PrevSample[i].item<float>(), 1e-5);
        }
    }

    [Fact]
    public void The_last_step_uses_alpha_one_or_alpha_bar_zero_as_set_alpha_to_one_says()
    {
        // From t = 0 (leading, no offset) the previous timestep is −100 < 0: ᾱ_prev = 1 gives x_prev = x̂_0; ᾱ_prev = ᾱ_0
        // = 0.99915 (SD schedule, hand: 1 − 0.00085) gives √ᾱ_0 x̂_0 + √(1 − ᾱ_0) ε.
        using var sample = tensor(new float[] { 0.3f });
        using var epsilon = tensor(new float[] { 0.8f });
        var one = new DdimScheduler(Exact);
        one.SetTimesteps(10);
        var toOne = one.Step(epsilon, 0, sample);
        TensorAssert.Close(toOne.PredOriginalSample, toOne.PrevSample, 0);

        var alphaZero = new DdimScheduler(Exact with { SetAlphaToOne = false });
        alphaZero.SetTimesteps(10);
        var toAlphaZero = alphaZero.Step(epsilon, 0, sample);
        var x0 = toAlphaZero.PredOriginalSample.item<float>();
        Assert.Equal(Math.Sqrt(0.99915) * x0 + Math.Sqrt(0.00085) * 0.8, toAlphaZero.PrevSample.item<float>(), 1e-6);
    }

    [Fact]
    public void Clip_sample_clamps_the_predicted_x0()
    {
        var scheduler = new DdimScheduler(Exact with { ClipSample = true, ClipSampleRange = 0.5, PredictionType = PredictionType.Sample });
        scheduler.SetTimesteps(10);
        using var sample = zeros(4);
        using var predicted = tensor(new float[] { -2, -0.25f, 0.25f, 3 });
        var step = scheduler.Step(predicted, 500, sample);
        Assert.Equal(new float[] { -0.5f, -0.25f, 0.25f, 0.5f }, step.PredOriginalSample.data<float>().ToArray());
    }

    [Fact]
    public void Invalid_arguments_are_rejected_with_clear_messages()
    {
        var scheduler = new DdimScheduler(Exact);
        using var sample = zeros(2);
        var notSet = Assert.Throws<InvalidOperationException>(() => scheduler.Step(sample, 500, sample));
        Assert.Contains("SetTimesteps", notSet.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(0));
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(1001));
        Assert.Contains("DdimScheduler.SetTimesteps: numInferenceSteps = 1001", tooMany.Message);
        scheduler.SetTimesteps(10);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Step(sample, 1000, sample));
        Assert.Contains("timestep = 1000", outside.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Step(sample, -1, sample));
        using var otherShape = zeros(3);
        Assert.Throws<ArgumentException>(() => scheduler.Step(otherShape, 500, sample));
        var noGenerator = Assert.Throws<ArgumentNullException>(() => scheduler.Step(sample, 500, sample, eta: 0.5));
        Assert.Contains("generator", noGenerator.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Step(sample, 500, sample, eta: -1, generator: new Generator(0)));
    }
}
