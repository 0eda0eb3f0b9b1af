using static TorchSharp.torch;

namespace Fmri.Core.Torch;

/// <summary>
/// The targeted fix for the oneDNN backward defect (<see cref="TorchBackends"/>): the defect shows only in 3x3
/// convolutions into a number of output channels that oneDNN pads up to its block of 16 (on a host with the defect
/// 32 -> 4 and 32 -> 8 gave non-finite gradients, 32 -> 16 and 32 -> 32 never). Such a convolution is run here with its weight padded by zero filters to a
/// multiple of 16 output channels, and the extra outputs are dropped:
/// <code>
///   y = conv2d(x, [W; 0], [b; 0])[:, :C_out]      W (C_out, C_in, k, k), 0 (C_pad − C_out, C_in, k, k)
/// </code>
/// The kept outputs and every gradient are the same function of x, W and b (the zero filters add nothing and get no
/// gradient that reaches a parameter), but oneDNN never sees a partly filled channel block. Padding is used only while
/// autograd records and backward passes use oneDNN (<see cref="TorchBackends.BackwardUsesOneDnn"/>); inference and the
/// native backward run the convolution as it is.
/// </summary>
public static class OneDnnChannelPadding
{
    /// <summary>oneDNN's channel block on AVX-512 hosts: output channel counts that are multiples of it are left as they are.</summary>
    public const int Block = 16;

    /// <summary>Whether a convolution into <paramref name="outChannels"/> is padded now.</summary>
    public static bool Applies(long outChannels, Tensor input)
        => TorchBackends.BackwardUsesOneDnn && is_grad_enabled() && outChannels % Block != 0 && TorchDevice.IsHost(input.device);

    /// <summary><paramref name="conv"/> applied to <paramref name="input"/>, with its output channels padded when <see cref="Applies"/>.</summary>
    public static Tensor Conv2d(TorchSharp.Modules.Conv2d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        var weight = conv.weight ?? throw new InvalidOperationException("convolution without a weight");
        long outChannels = weight.shape[0];
        // Only explicit zero padding has a functional twin here; the project's convolutions all use it.
        if (!Applies(outChannels, input) || conv.padding is null || conv.padding_mode != TorchSharp.PaddingModes.Zeros) return conv.forward(input);
        return PaddedConv2d(input, weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups);
    }

    /// <summary>The padded form for a functional convolution (the self-test runs it without a module).</summary>
    public static Tensor PaddedConv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (groups != 1) throw new NotSupportedException("channel padding: grouped convolutions are not padded");
        long outChannels = weight.shape[0];
        long extra = (outChannels + Block - 1) / Block * Block - outChannels;
        using var scope = NewDisposeScope();
        var paddedWeight = cat([weight, zeros(extra, weight.shape[1], weight.shape[2], weight.shape[3], dtype: weight.dtype, device: weight.device)], 0);
        var paddedBias = bias is null ? null : cat([bias, zeros(extra, dtype: bias.dtype, device: bias.device)], 0);
        var output = nn.functional.conv2d(input, paddedWeight, paddedBias, stride, padding, dilation, groups);     // (B, C_out + extra, H, W)
        return output.narrow(1, 0, outChannels).MoveToOuterDisposeScope();
    }
}
