using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// MAE's weight initialisation (He et al. 2022, <c>initialize_weights</c>) with an explicit generator:
/// Linear weights Xavier-uniform (Glorot and Bengio 2010) and biases 0, LayerNorm weight 1 and bias 0,
/// tokens normal(0, 0.02). TorchSharp 0.107.0's <c>nn.init.xavier_uniform_</c> takes no generator, and its
/// <c>nn.init.uniform_</c>/<c>nn.init.normal_</c> accept one but ignore it (checked: two generators with the same
/// seed give different values). So the Xavier bound is written out here and every draw uses the tensor methods
/// <c>Tensor.uniform_</c>/<c>Tensor.normal_</c>, which do honour the generator.
/// </summary>
public static class MaeWeightInit
{
    /// <summary>
    /// Xavier-uniform for a weight read as a (fan_out, fan_in) matrix (a Conv1d weight (D, 1, P) is read as (D, P),
    /// i.e. initialised like a Linear): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).
    /// </summary>
    public static void XavierUniform(Tensor weight, Generator generator)
    {
        long fanOut = weight.shape[0];
        long fanIn = weight.numel() / fanOut;
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        using var _ = no_grad();
        weight.uniform_(-bound, bound, generator);
    }

    /// <summary>Normal(0, std) in place; MAE uses std 0.02 for the CLS and mask tokens.</summary>
    public static void Normal(Tensor tensor, double std, Generator generator)
    {
        using var _ = no_grad();
        tensor.normal_(0.0, std, generator);
    }

    /// <summary>A Linear layer as in MAE's <c>_init_weights</c>: Xavier-uniform weight, zero bias.</summary>
    public static void Linear(TorchSharp.Modules.Linear linear, Generator generator)
    {
        XavierUniform(linear.weight!, generator);
        if (linear.bias is not null)
        {
            using var _ = no_grad();
            linear.bias.zero_();
        }
    }

    /// <summary>A LayerNorm as in MAE's <c>_init_weights</c>: weight 1, bias 0.</summary>
    public static void LayerNorm(TorchSharp.Modules.LayerNorm norm)
    {
        using var _ = no_grad();
        norm.weight!.fill_(1.0);
        norm.bias!.zero_();
    }
}
