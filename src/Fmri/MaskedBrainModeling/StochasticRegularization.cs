using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Dropout (Srivastava et al. 2014) and stochastic depth / drop path (Huang et al. 2016) with every random draw
/// taken from a generator passed in (TorchSharp's <c>nn.Dropout</c> draws from the global generator). Both are the
/// identity outside training or at rate 0, so the paper's configuration (rates 0) never needs a generator.
/// </summary>
public static class StochasticRegularization
{
    /// <summary>Zeroes each element with probability p and scales the rest by 1 / (1 - p).</summary>
    public static Tensor Dropout(Tensor x, double p, bool training, Generator? generator)
    {
        if (!training || p == 0) return x;
        var keep = KeepMask(x.shape, p, x, generator);   // same shape as x
        return x * keep;
    }

    /// <summary>Zeroes a whole residual branch per sample with probability p and scales kept samples by 1 / (1 - p).</summary>
    public static Tensor DropPath(Tensor x, double p, bool training, Generator? generator)
    {
        if (!training || p == 0) return x;
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];                            // (B, 1, ..., 1)
        var keep = KeepMask(shape, p, x, generator);
        return x * keep;
    }

    private static Tensor KeepMask(long[] shape, double p, Tensor like, Generator? generator)
    {
        if (p < 0 || p >= 1) throw new ArgumentException($"rate = {p} must be in [0, 1)", nameof(p));
        if (generator is null)
            throw new ArgumentException($"a dropout or drop-path rate of {p} in training needs an explicit generator", nameof(generator));
        using var scope = NewDisposeScope();
        var keep = rand(shape, generator: generator).to(like.device).ge(p).to_type(like.dtype) / (1 - p);
        return keep.MoveToOuterDisposeScope();
    }
}
