using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// The forward (noising) process in closed form and the three ways to parameterise what a denoiser predicts.
/// With a = √ᾱ_t and s = √(1 − ᾱ_t) (a² + s² = 1):
/// <code>
///   x_t = a x_0 + s ε              q(x_t | x_0) = N(a x_0, s² I)        (Ho et al. 2020, eq. 4)
///   v   = a ε − s x_0              velocity                               (Salimans &amp; Ho 2022, Sec. 4)
///   x_0 = (x_t − s ε)/a = a x_t − s v                                     (Ho et al. 2020, eq. 15)
///   ε   = (x_t − a x_0)/s = s x_t + a v
///   v   = (ε − s x_t)/a = (a x_t − x_0)/s
/// </code>
/// <c>alphaBar</c> arguments are float32 tensors that broadcast against the sample: a 0-dim tensor for one timestep
/// or shape (B, 1, ..., 1) for per-sample timesteps (<see cref="AlphaBarPerSample"/>). Numbers and additions go through
/// <see cref="ScalarArithmetic"/>, whose Scalars outlive the libtorch call.
/// </summary>
public static class ForwardProcess
{
    /// <summary>
    /// x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε with one timestep per sample (diffusers' <c>add_noise</c>).
    /// originalSamples and noise: (B, ...); timesteps: int64 (B).
    /// </summary>
    public static Tensor AddNoise(NoiseSchedule schedule, Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        CheckSameShape(originalSamples, noise, nameof(AddNoise), nameof(noise));
        using var scope = NewDisposeScope();
        var alphaBar = AlphaBarPerSample(schedule, timesteps, originalSamples);
        var noisy = (alphaBar.sqrt() * originalSamples).Plus(alphaBar.SubtractedFrom(1).sqrt() * noise);
        return noisy.MoveToOuterDisposeScope();
    }

    /// <summary>The v-prediction training target v = √ᾱ_t ε − √(1 − ᾱ_t) x_0 (diffusers' <c>get_velocity</c>).</summary>
    public static Tensor GetVelocity(NoiseSchedule schedule, Tensor sample, Tensor noise, Tensor timesteps)
    {
        CheckSameShape(sample, noise, nameof(GetVelocity), nameof(noise));
        using var scope = NewDisposeScope();
        var alphaBar = AlphaBarPerSample(schedule, timesteps, sample);
        var velocity = alphaBar.sqrt() * noise - alphaBar.SubtractedFrom(1).sqrt() * sample;
        return velocity.MoveToOuterDisposeScope();
    }

    /// <summary>What a denoiser of the given kind is trained to output for x_t = AddNoise(x_0, ε, t): ε, x_0 or v.</summary>
    public static Tensor TrainingTarget(PredictionType predictionType, NoiseSchedule schedule, Tensor originalSamples, Tensor noise, Tensor timesteps) =>
        predictionType switch
        {
            PredictionType.Epsilon => noise.clone(),
            PredictionType.Sample => originalSamples.clone(),
            PredictionType.VPrediction => GetVelocity(schedule, originalSamples, noise, timesteps),
            _ => throw new ArgumentOutOfRangeException(nameof(predictionType), $"ForwardProcess.TrainingTarget: unknown prediction type {predictionType}."),
        };

    /// <summary>
    /// ᾱ at each sample's timestep as float32 of shape (B, 1, ..., 1), ready to broadcast against
    /// <paramref name="like"/> (B, ...), on its device.
    /// </summary>
    public static Tensor AlphaBarPerSample(NoiseSchedule schedule, Tensor timesteps, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (timesteps.dim() != 1 || timesteps.shape[0] != like.shape[0])
            throw new ArgumentException(
                $"ForwardProcess: timesteps must have shape ({like.shape[0]}) (one per sample), got ({string.Join(", ", timesteps.shape)}).", nameof(timesteps));
        if (timesteps.dtype != ScalarType.Int64 && timesteps.dtype != ScalarType.Int32)
            throw new ArgumentException($"ForwardProcess: timesteps must be an integer tensor, got {timesteps.dtype}.", nameof(timesteps));
        using var scope = NewDisposeScope();
        var t = timesteps.to(ScalarType.Int64).to(like.device);
        var (min, max) = (t.min().item<long>(), t.max().item<long>());
        if (min < 0 || max >= schedule.NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(timesteps),
                $"ForwardProcess: timesteps must lie in [0, {schedule.NumTrainTimesteps}), got values from {min} to {max}.");
        var perSample = schedule.AlphasCumprodTensor(like.device).index_select(0, t);   // (B)
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = like.shape[0];
        return perSample.reshape(shape).MoveToOuterDisposeScope();                         // (B, 1, ..., 1)
    }

    /// <summary>x_0 = (x_t − √(1 − ᾱ) ε)/√ᾱ.</summary>
    public static Tensor OriginalFromEpsilon(Tensor sample, Tensor epsilon, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return ((sample - alphaBar.SubtractedFrom(1).sqrt() * epsilon) / alphaBar.sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>ε = (x_t − √ᾱ x_0)/√(1 − ᾱ).</summary>
    public static Tensor EpsilonFromOriginal(Tensor sample, Tensor original, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return ((sample - alphaBar.sqrt() * original) / alphaBar.SubtractedFrom(1).sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>x_0 = √ᾱ x_t − √(1 − ᾱ) v.</summary>
    public static Tensor OriginalFromVelocity(Tensor sample, Tensor velocity, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return (alphaBar.sqrt() * sample - alphaBar.SubtractedFrom(1).sqrt() * velocity).MoveToOuterDisposeScope();
    }

    /// <summary>ε = √ᾱ v + √(1 − ᾱ) x_t.</summary>
    public static Tensor EpsilonFromVelocity(Tensor sample, Tensor velocity, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return (alphaBar.sqrt() * velocity).Plus(alphaBar.SubtractedFrom(1).sqrt() * sample).MoveToOuterDisposeScope();
    }

    /// <summary>v = (ε − √(1 − ᾱ) x_t)/√ᾱ.</summary>
    public static Tensor VelocityFromEpsilon(Tensor sample, Tensor epsilon, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return ((epsilon - alphaBar.SubtractedFrom(1).sqrt() * sample) / alphaBar.sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>v = (√ᾱ x_t − x_0)/√(1 − ᾱ).</summary>
    public static Tensor VelocityFromOriginal(Tensor sample, Tensor original, Tensor alphaBar)
    {
        using var scope = NewDisposeScope();
        return ((alphaBar.sqrt() * sample - original) / alphaBar.SubtractedFrom(1).sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>The predicted x_0 from a model output of the given kind.</summary>
    public static Tensor ToOriginal(PredictionType predictionType, Tensor modelOutput, Tensor sample, Tensor alphaBar) =>
        predictionType switch
        {
            PredictionType.Epsilon => OriginalFromEpsilon(sample, modelOutput, alphaBar),
            PredictionType.Sample => modelOutput.alias(),
            PredictionType.VPrediction => OriginalFromVelocity(sample, modelOutput, alphaBar),
            _ => throw new ArgumentOutOfRangeException(nameof(predictionType), $"ForwardProcess.ToOriginal: unknown prediction type {predictionType}."),
        };

    /// <summary>The predicted ε from a model output of the given kind.</summary>
    public static Tensor ToEpsilon(PredictionType predictionType, Tensor modelOutput, Tensor sample, Tensor alphaBar) =>
        predictionType switch
        {
            PredictionType.Epsilon => modelOutput.alias(),
            PredictionType.Sample => EpsilonFromOriginal(sample, modelOutput, alphaBar),
            PredictionType.VPrediction => EpsilonFromVelocity(sample, modelOutput, alphaBar),
            _ => throw new ArgumentOutOfRangeException(nameof(predictionType), $"ForwardProcess.ToEpsilon: unknown prediction type {predictionType}."),
        };

    private static void CheckSameShape(Tensor a, Tensor b, string method, string name)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException(
                $"ForwardProcess.{method}: {name} has shape ({string.Join(", ", b.shape)}), the sample ({string.Join(", ", a.shape)}).", name);
    }
}
