using Decoding.Models.Unet;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

public class TimestepsTests
{
    [Fact]
    public void Sinusoidal_embedding_matches_values_worked_out_by_hand()
    {
        // numChannels 4 → half = 2, ω_k = exp(-ln(10000) k / 2) = [1, 0.01].
        // t = 1: angles [1, 0.01]; flipSinToCos gives [cos 1, cos 0.01, sin 1, sin 0.01].
        // t = 0: [1, 1, 0, 0].
        var proj = new Timesteps(4, flipSinToCos: true, downscaleFreqShift: 0);
        using var t = tensor(new long[] { 1, 0 });
        using var emb = proj.Forward(t);
        Assert.Equal(new long[] { 2, 4 }, emb.shape);
        var v = emb.data<float>().ToArray();
        float[] expected = [MathF.Cos(1f), MathF.Cos(0.01f), MathF.Sin(1f), MathF.Sin(0.01f), 1f, 1f, 0f, 0f];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], v[i], 5);
    }

    [Fact]
    public void Unflipped_embedding_puts_sine_first_and_frequency_shift_changes_the_denominator()
    {
        // downscaleFreqShift 1: ω_k = exp(-ln(10000) k / (2 - 1)) = [1, 1e-4]; t = 2: [sin 2, sin 2e-4, cos 2, cos 2e-4].
        var proj = new Timesteps(4, flipSinToCos: false, downscaleFreqShift: 1);
        using var t = tensor(new float[] { 2f });
        using var emb = proj.Forward(t);
        var v = emb.data<float>().ToArray();
        float[] expected = [MathF.Sin(2f), MathF.Sin(2e-4f), MathF.Cos(2f), MathF.Cos(2e-4f)];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], v[i], 5);
    }

    [Fact]
    public void Odd_width_gets_a_zero_column()
    {
        var proj = new Timesteps(5, flipSinToCos: true, downscaleFreqShift: 0);
        using var t = tensor(new long[] { 7 });
        using var emb = proj.Forward(t);
        Assert.Equal(new long[] { 1, 5 }, emb.shape);
        Assert.Equal(0f, emb.data<float>()[4]);
    }
}
