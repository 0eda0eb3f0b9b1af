using Decoding.Diffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

/// <summary>
/// Denoisers whose exact answer is known in closed form, written from the forward process x_t = a x_0 + s ε
/// (a = √ᾱ_t, s = √(1 − ᾱ_t); Ho et al. 2020, eq. 4) with ᾱ_t taken from the schedule in double precision, so they do
/// not go through the code under test.
/// </summary>
internal static class AnalyticDenoisers
{
    /// <summary>
    /// A denoiser that knows the clean sample x_0: it returns the exact ε = (x_t − a x_0)/s, the exact v = a ε − s x_0,
    /// or x_0 itself, as <paramref name="predictionType"/> asks.
    /// </summary>
    public static Func<Tensor, long, Tensor> KnowsOriginal(NoiseSchedule schedule, Tensor original, PredictionType predictionType = PredictionType.Epsilon) =>
        (sample, t) =>
        {
            var a = Math.Sqrt(schedule.AlphasCumprod[(int)t]);
            var s = Math.Sqrt(1 - schedule.AlphasCumprod[(int)t]);
            using var scope = NewDisposeScope();
            var epsilon = (sample - a * original) / s;
            var output = predictionType switch
            {
                PredictionType.Epsilon => epsilon,
                PredictionType.VPrediction => a * epsilon - s * original,
                _ => original.clone(),
            };
            return output.MoveToOuterDisposeScope();
        };

    /// <summary>
    /// The minimum-mean-squared-error ε-denoiser for data x_0 ~ N(μ, σ_d²) per element: x_t ~ N(aμ, a²σ_d² + s²), so
    /// E[x_0 | x_t] = μ + a σ_d² (x_t − aμ)/(a²σ_d² + s²) (Gaussian conditioning) and ε̂ = (x_t − a E[x_0 | x_t])/s.
    /// A correct sampler driven by it turns N(0, 1) noise into samples of N(μ, σ_d²).
    /// </summary>
    public static Func<Tensor, long, Tensor> GaussianData(NoiseSchedule schedule, double mean, double std) =>
        (sample, t) =>
        {
            var a = Math.Sqrt(schedule.AlphasCumprod[(int)t]);
            var s = Math.Sqrt(1 - schedule.AlphasCumprod[(int)t]);
            var gain = a * std * std / (a * a * std * std + s * s);
            using var scope = NewDisposeScope();
            var posteriorMean = mean + gain * (sample - a * mean);
            return ((sample - a * posteriorMean) / s).MoveToOuterDisposeScope();
        };
}
