using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Models.Unet;

/// <summary>
/// Sinusoidal timestep embedding (Vaswani et al. 2017, Sec. 3.5, as used by DDPM; diffusers <c>Timesteps</c>,
/// no parameters). With half = numChannels / 2 and k = 0..half-1:
/// <code>
///   ω_k = exp(-ln(maxPeriod) * k / (half - downscaleFreqShift))
///   emb(t) = [sin(t ω_0..ω_{half-1}), cos(t ω_0..ω_{half-1})]      or [cos, sin] when flipSinToCos (SD)
/// </code>
/// An odd numChannels gets one zero column at the end.
/// </summary>
public sealed class Timesteps : nn.Module
{
    private readonly int numChannels;
    private readonly bool flipSinToCos;
    private readonly double downscaleFreqShift;
    private readonly double maxPeriod;

    public Timesteps(int numChannels, bool flipSinToCos, double downscaleFreqShift, double maxPeriod = 10000)
        : base(nameof(Timesteps))
    {
        if (numChannels < 2) throw new ArgumentException($"Timesteps: numChannels must be >= 2, got {numChannels}", nameof(numChannels));
        if (downscaleFreqShift >= numChannels / 2)
            throw new ArgumentException($"Timesteps: downscaleFreqShift must be below numChannels/2 = {numChannels / 2}, got {downscaleFreqShift}", nameof(downscaleFreqShift));
        this.numChannels = numChannels;
        this.flipSinToCos = flipSinToCos;
        this.downscaleFreqShift = downscaleFreqShift;
        this.maxPeriod = maxPeriod;
    }

    /// <param name="timesteps">(B) integer or real timesteps.</param>
    /// <returns>(B, numChannels) float32 on the timesteps' device.</returns>
    public Tensor Forward(Tensor timesteps)
    {
        if (timesteps.ndim != 1)
            throw new ArgumentException($"Timesteps.Forward: timesteps must have shape (B), got [{string.Join(", ", timesteps.shape)}]", nameof(timesteps));
        using var scope = NewDisposeScope();
        int half = numChannels / 2;
        var k = ScalarArithmetic.Arange(0, half, ScalarType.Float32, timesteps.device);        // (half)
        var frequencies = exp(k.Times(-Math.Log(maxPeriod) / (half - downscaleFreqShift)));    // (half)
        var angles = timesteps.to_type(ScalarType.Float32).unsqueeze(1) * frequencies.unsqueeze(0); // (B, half)
        var embedding = flipSinToCos
            ? cat([cos(angles), sin(angles)], 1)
            : cat([sin(angles), cos(angles)], 1);                                               // (B, 2*half)
        if (numChannels % 2 == 1) embedding = nn.functional.pad(embedding, (0L, 1L));          // (B, numChannels)
        return embedding.MoveToOuterDisposeScope();
    }
}
