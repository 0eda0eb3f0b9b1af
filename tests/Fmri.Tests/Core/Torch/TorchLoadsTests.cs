using Fmri.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

public class TorchLoadsTests
{
    [Fact]
    public void TorchSharp_loads_native_library_and_computes()
    {
        // 2x2 matrix product computed by hand: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]].
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void GroupNorm_from_the_project_factory_is_initialised_and_finite()
    {
        using var norm = Norms.GroupNorm(2, 4);
        Assert.True(norm.weight!.data<float>().ToArray().All(v => v == 1f));
        Assert.True(norm.bias!.data<float>().ToArray().All(v => v == 0f));
        var gen = new Generator(0);
        using var x = randn(new long[] { 3, 4, 5, 5 }, generator: gen);
        using var y = norm.forward(x);
        Assert.True(y.isfinite().all().item<bool>());
        // Normalised per group: each (sample, group) has mean ~0.
        using var groupMeans = y.reshape(3, 2, -1).mean(new long[] { 2 });
        Assert.True(groupMeans.abs().max().item<float>() < 1e-5f);
    }
}
