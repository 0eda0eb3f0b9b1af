using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

public class AttentionKernelTests
{
    [Fact]
    public void Flash_attention_on_one_thread_or_a_gpu_the_math_kernel_on_several_cpu_threads_and_both_agree()
    {
        Assert.Equal(AttentionKernel.Flash, AttentionKernel.For(1, host: true));
        Assert.Equal(AttentionKernel.Math, AttentionKernel.For(2, host: true));
        Assert.Equal(AttentionKernel.Flash, AttentionKernel.For(4, host: false));   // a GPU
        Assert.Equal(AttentionKernel.Flash, TorchSetup.Current!.AttentionKernel);   // the tests run on one thread

        // The UNet's attention shapes: (batch, heads, tokens, head dim), queries over an 8x8 latent.
        var generator = new Generator(3UL);
        var q = randn([4, 2, 64, 32], generator: generator);
        var k = randn([4, 2, 77, 32], generator: generator);
        var v = randn([4, 2, 77, 32], generator: generator);
        try
        {
            Assert.Equal(AttentionKernel.Flash, AttentionKernel.Apply(1, TorchDevice.Host));
            Assert.True(TorchDevice.FlashAttention);
            using var flash = nn.functional.scaled_dot_product_attention(q, k, v);
            Assert.Equal(AttentionKernel.Math, AttentionKernel.Apply(2, TorchDevice.Host));
            Assert.False(TorchDevice.FlashAttention);
            using var math = nn.functional.scaled_dot_product_attention(q, k, v);
            // Written out by hand: softmax(q k^T / sqrt(d)) v.
            using var byHand = matmul(softmax(matmul(q, k.transpose(-2, -1)) / System.Math.Sqrt(32), -1), v);
            Assert.True(math.allclose(byHand, rtol: 1e-5, atol: 1e-6), "the math kernel differs from the formula");
            Assert.True(flash.allclose(byHand, rtol: 1e-4, atol: 1e-5), "the flash kernel differs from the formula");
        }
        finally
        {
            AttentionKernel.Apply(1, TorchDevice.Host);
        }
    }
}
