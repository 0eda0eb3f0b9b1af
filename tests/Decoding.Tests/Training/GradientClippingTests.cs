using Decoding.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Tests.Training;

public class GradientClippingTests
{
    [Fact]
    public void Gradients_with_norm_five_are_scaled_to_the_limit()
    {
        // Gradients (3, 4) and none: global norm sqrt(9 + 16) = 5. Limit 1 scales by 1 / 5 -> (0.6, 0.8)
        // (torch adds 1e-6 to the norm in the scale, hence the tolerance).
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
    public void Non_positive_limit_is_refused()
        => Assert.Throws<ArgumentException>(() => GradientClipping.ClipGlobalNorm([], 0));
}
