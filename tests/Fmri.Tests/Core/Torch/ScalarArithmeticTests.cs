using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

/// <summary>
/// ScalarArithmetic makes the same libtorch calls as TorchSharp's operators with Scalars it keeps alive, so every
/// result must equal the operator's bit for bit.
/// </summary>
public class ScalarArithmeticTests
{
    private static void Same(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
    }

    [Fact]
    public void Every_method_equals_the_operator_it_replaces()
    {
        using var x = randn(new long[] { 3, 5 }, generator: new Generator(1));
        using var y = randn(new long[] { 3, 5 }, generator: new Generator(2));
        Same(x + y, x.Plus(y));
        Same(x + 0.3, x.Plus(0.3));
        Same(x - 0.3, x.Minus(0.3));
        Same(1 - x, x.SubtractedFrom(1));
        Same(x * 0.7, x.Times(0.7));
        Same(x * 0.7f, x.Times(0.7f));
        Same(x * 3, x.Times(3));
        Same(x / 0.7, x.DividedBy(0.7));
        Same(x / 0.7f, x.DividedBy(0.7f));
        Same(x / 3, x.DividedBy(3));
        Same(x.clamp(-0.5, 0.5), x.Clamped(-0.5, 0.5));
        Same(x.pow(2), x.Pow(2));
        using var z = x.clone();
        z.PlusInPlace(y);
        Same(x + y, z);
        Assert.Equal(arange(2, 7, dtype: ScalarType.Int64).data<long>().ToArray(), ScalarArithmetic.Arange(2, 7, ScalarType.Int64, CPU).data<long>().ToArray());
        Assert.Equal(full(new long[] { 2, 2 }, 41L, ScalarType.Int64).data<long>().ToArray(), ScalarArithmetic.Full([2, 2], 41, ScalarType.Int64, CPU).data<long>().ToArray());
    }
}
