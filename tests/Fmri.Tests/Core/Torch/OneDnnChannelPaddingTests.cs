using Fmri.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

/// <summary>Runs alone: it sets the process-wide BackwardUsesOneDnn, which changes how every convolution runs while set.</summary>
[Collection(nameof(OneDnnCollection))]
public class OneDnnChannelPaddingTests
{
    /// <summary>
    /// The padded convolution is the same function: for a 3x3 conv 32 -> 4 (a UNet's conv_out) and 16 -> 1 (the
    /// autoencoder's), output, input gradient and weight and bias gradients equal the plain convolution's, computed in
    /// float64 with oneDNN off as the reference (float32 rounding only).
    /// </summary>
    [Theory]
    [InlineData(32, 4, 4, 16)]
    [InlineData(16, 1, 8, 4)]
    public void The_padded_convolution_gives_the_plain_ones_output_and_gradients(int inChannels, int outChannels, int side, int batch)
    {
        bool before = TorchBackends.BackwardUsesOneDnn;
        try
        {
            var generator = new Generator(7);
            using var conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
            var x = randn(new long[] { batch, inChannels, side, side }, generator: generator);
            var upstream = randn(new long[] { batch, outChannels, side, side }, generator: generator);

            // Reference: the plain convolution in float64, native backward.
            var x64 = x.to(ScalarType.Float64).requires_grad_(true);
            var w64 = conv.weight!.detach().to(ScalarType.Float64).requires_grad_(true);
            var b64 = conv.bias!.detach().to(ScalarType.Float64).requires_grad_(true);
            var y64 = nn.functional.conv2d(x64, w64, b64, padding: [1, 1]);
            TorchBackends.Backward((y64 * upstream.to(ScalarType.Float64)).sum(), oneDnn: false);

            // The project's path with oneDNN serving backward passes: padded.
            TorchBackends.BackwardUsesOneDnn = true;
            var xp = x.clone().requires_grad_(true);
            Assert.True(OneDnnChannelPadding.Applies(outChannels, xp));
            var y = OneDnnChannelPadding.Conv2d(conv, xp);
            Assert.Equal(new long[] { batch, outChannels, side, side }, y.shape);
            TorchBackends.Backward((y * upstream).sum());

            static double MaxDiff(Tensor a, Tensor b) => (a.to(ScalarType.Float64) - b).abs().max().item<double>();
            Assert.True(MaxDiff(y.detach(), y64.detach()) < 1e-4, "output");
            Assert.True(MaxDiff(xp.grad!, x64.grad!) < 1e-4, "input gradient");
            Assert.True(MaxDiff(conv.weight.grad!, w64.grad!) < 1e-3, "weight gradient");
            Assert.True(MaxDiff(conv.bias.grad!, b64.grad!) < 1e-3, "bias gradient");
            Assert.Equal(new long[] { outChannels, inChannels, 3, 3 }, conv.weight.grad!.shape);
        }
        finally
        {
            TorchBackends.BackwardUsesOneDnn = before;
        }
    }

    [Fact]
    public void Padding_applies_only_while_autograd_records_with_oneDNN_backward_and_fewer_than_a_block_of_outputs()
    {
        bool before = TorchBackends.BackwardUsesOneDnn;
        try
        {
            using var x = zeros(1, 32, 4, 4);
            TorchBackends.BackwardUsesOneDnn = false;
            Assert.False(OneDnnChannelPadding.Applies(4, x));
            TorchBackends.BackwardUsesOneDnn = true;
            Assert.True(OneDnnChannelPadding.Applies(4, x));
            Assert.True(OneDnnChannelPadding.Applies(17, x));
            Assert.False(OneDnnChannelPadding.Applies(16, x));
            Assert.False(OneDnnChannelPadding.Applies(32, x));
            using (no_grad())
                Assert.False(OneDnnChannelPadding.Applies(4, x));
        }
        finally
        {
            TorchBackends.BackwardUsesOneDnn = before;
        }
    }
}
