using Fmri.Core.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

public class GradientClippingTests
{
    [Fact]
    public void Gradients_with_norm_five_are_scaled_to_the_limit()
    {
        // Gradients (3, 4) and none: global norm sqrt(9 + 16) = 5. Limit 1 scales by 1 / 5 -> (0.6, 0.8)
        // (the scale is 1 / (5 + 1e-6), as in torch, hence the tolerance).
        var p = new Parameter(tensor(new float[] { 1, 1 }));
        var unused = new Parameter(tensor(new float[] { 1 }));
        (p * tensor(new float[] { 3, 4 })).sum().backward();
        double norm = GradientClipping.ClipGlobalNorm([p, unused], 1.0);
        Assert.Equal(5.0, norm, 5);
        var g = p.grad!.data<float>().ToArray();
        Assert.Equal(0.6f, g[0], 5);
        Assert.Equal(0.8f, g[1], 5);
    }

    [Fact]
    public void Gradients_under_the_limit_are_unchanged()
    {
        var p = new Parameter(tensor(new float[] { 1, 1 }));
        (p * tensor(new float[] { 0.3f, 0.4f })).sum().backward(); // norm 0.5 < 0.8 (MinD-Vis's limit)
        Assert.Equal(0.5, GradientClipping.ClipGlobalNorm([p], 0.8), 5);
        Assert.Equal(new[] { 0.3f, 0.4f }, p.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Norm_over_many_tensors_matches_the_float64_hand_sum()
    {
        // 40 gradients of 1,000 values each: the global norm is sqrt of the sum of all squares, computed here in
        // double from the same values; limit 1 then scales every gradient by 1 / (norm + 1e-6).
        var generator = new TorchSharp.torch.Generator(7);
        var parameters = Enumerable.Range(0, 40).Select(_ => new Parameter(zeros(1000))).ToList();
        var weights = parameters.Select(_ => randn(1000, generator: generator)).ToList();
        for (int i = 0; i < parameters.Count; i++) (parameters[i] * weights[i]).sum().backward();
        double expected = Math.Sqrt(weights.Sum(w => w.data<float>().ToArray().Sum(v => (double)v * v)));
        double norm = GradientClipping.ClipGlobalNorm(parameters, 1.0);
        // Each tensor's norm is a float32 reduction (as torch's clip_grad_norm_): equal to the double sum to float32's precision.
        Assert.True(Math.Abs(norm - expected) <= 1e-6 * expected, $"norm {norm:R}, hand sum {expected:R}");
        double scale = 1.0 / (expected + GradientClipping.Epsilon);
        Assert.Equal(weights[3].data<float>()[5] * scale, parameters[3].grad!.data<float>()[5], 5);
    }

    [Fact]
    public void A_non_finite_norm_is_returned_and_the_gradients_are_left_alone()
    {
        var p = new Parameter(tensor(new float[] { 1, 1 }));
        (p * tensor(new float[] { float.NaN, 4 })).sum().backward();
        Assert.True(double.IsNaN(GradientClipping.ClipGlobalNorm([p], 1.0)));
        Assert.Equal(4f, p.grad!.data<float>()[1]);
    }

    [Fact]
    public void Non_positive_limit_is_refused()
        => Assert.Throws<ArgumentException>(() => GradientClipping.ClipGlobalNorm([], 0));
}
