using static TorchSharp.torch;

namespace Decoding.Tests;

internal static class TensorAssert
{
    /// <summary>Fails unless the tensors have the same shape and every element differs by at most <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max();
        var maxDifference = difference.item<double>();
        Assert.True(maxDifference <= tolerance, $"max |expected - actual| = {maxDifference:G6} > {tolerance:G3}");
    }

    /// <summary>Fails unless every element of <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static void AllClose(double expected, Tensor actual, double tolerance)
    {
        using var difference = (actual.to(ScalarType.Float64) - expected).abs().max();
        var maxDifference = difference.item<double>();
        Assert.True(maxDifference <= tolerance, $"max |{expected} - actual| = {maxDifference:G6} > {tolerance:G3}");
    }
}
