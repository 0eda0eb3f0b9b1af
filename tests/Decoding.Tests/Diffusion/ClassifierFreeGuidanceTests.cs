using Decoding.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Diffusion;

public class ClassifierFreeGuidanceTests
{
    [Fact]
    public void Combine_is_uncond_plus_scale_times_the_difference()
    {
        // ε_uncond = 1, ε_cond = 3, s = 7.5: 1 + 7.5 · (3 − 1) = 16 (hand). s = 1 gives ε_cond, s = 0 gives ε_uncond.
        using var uncond = ones(2, 2);
        using var cond = full(new long[] { 2, 2 }, 3f);
        using var guided = ClassifierFreeGuidance.Combine(uncond, cond, 7.5);
        TensorAssert.AllClose(16, guided, 0);
        using var plain = ClassifierFreeGuidance.Combine(uncond, cond, 1.0);
        TensorAssert.Close(cond, plain, 0);
        using var unconditional = ClassifierFreeGuidance.Combine(uncond, cond, 0.0);
        TensorAssert.Close(uncond, unconditional, 0);
    }

    [Fact]
    public void Two_call_and_batched_guidance_agree_and_the_batch_is_uncond_first()
    {
        // Conditional denoiser: x + 1; unconditional: 2x. Batched: the first half of the doubled batch must get the null
        // condition. Guided at s = 3: 2x + 3 (x + 1 − 2x) = 3 − x (hand).
        Func<Tensor, long, Tensor> conditional = (x, _) => x + 1;
        Func<Tensor, long, Tensor> unconditional = (x, _) => 2 * x;
        var rows = new List<long>();
        Func<Tensor, long, Tensor> batched = (x, t) =>
        {
            rows.Add(x.shape[0]);
            var halves = x.chunk(2, 0);
            return cat(new[] { unconditional(halves[0], t), conditional(halves[1], t) }, 0);
        };
        using var sample = randn(new long[] { 3, 4 }, generator: new Generator(1));
        using var twoCalls = ClassifierFreeGuidance.Guide(conditional, unconditional, 3.0)(sample, 10);
        using var oneCall = ClassifierFreeGuidance.GuideBatched(batched, 3.0)(sample, 10);
        using var expected = 3 - sample;
        TensorAssert.Close(expected, twoCalls, 1e-6);
        TensorAssert.Close(expected, oneCall, 1e-6);
        Assert.Equal(new long[] { 6 }, rows);
    }

    [Fact]
    public void A_batched_denoiser_returning_the_wrong_batch_is_rejected()
    {
        using var sample = zeros(3, 4);
        var guided = ClassifierFreeGuidance.GuideBatched((x, _) => zeros(3, 4), 2.0);
        var error = Assert.Throws<ArgumentException>(() => guided(sample, 0));
        Assert.Contains("expected 6 rows", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierFreeGuidance.Guide((x, _) => x, (x, _) => x, double.NaN));
    }
}
