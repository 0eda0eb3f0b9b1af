using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests;

internal static class TensorAssert
{
    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b).all();
        return same.item<bool>();
    }
}
