using Decoding.Models.Unet;
using Decoding.Models.Vae;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>
/// TorchSharp 0.107.0's nn.GroupNorm leaves weight and bias uninitialised; every
/// GroupNorm of these networks must come out as PyTorch initialises it: weight 1, bias 0.
/// </summary>
[Collection(ModelsCollection.Name)]
public class GroupNormInitialisationTests
{
    private static List<(string Name, GroupNorm Norm)> GroupNorms(nn.Module model) =>
        model.named_modules().Where(m => m.module is GroupNorm).Select(m => (m.name, (GroupNorm)m.module)).ToList();

    private static void AssertInitialised(List<(string Name, GroupNorm Norm)> norms)
    {
        foreach (var (name, norm) in norms)
        {
            Assert.True(norm.weight!.data<float>().ToArray().All(v => v == 1f), $"{name}.weight is not all ones");
            Assert.True(norm.bias!.data<float>().ToArray().All(v => v == 0f), $"{name}.bias is not all zeros");
        }
    }

    [Fact]
    public void Unet_group_norms_are_initialised_and_its_output_is_finite()
    {
        random.manual_seed(31);
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Tiny);
        var norms = GroupNorms(unet);
        // Tiny: resnets down 1 + 1, mid 2, up 2 + 2 (two norms each) = 16; transformers down 1, mid 1, up 2 = 4;
        // conv_norm_out 1. Total 21.
        Assert.Equal(21, norms.Count);
        AssertInitialised(norms);
        Assert.Contains(norms, n => n.Name == "conv_norm_out");
        Assert.Contains(norms, n => n.Name == "down_blocks.0.attentions.0.norm");

        var gen = new Generator(32);
        using var sample = TestTensors.Normal(gen, 2, 4, 8, 8);
        using var context = TestTensors.Normal(gen, 2, 3, 32);
        using var _ = no_grad();
        using var output = unet.Forward(sample, tensor(new long[] { 0, 999 }), context);
        Assert.True(TestTensors.AllFinite(output));
    }

    [Fact]
    public void Vae_group_norms_are_initialised_and_its_outputs_are_finite()
    {
        random.manual_seed(33);
        var vae = new AutoencoderKL(AutoencoderKLConfig.Tiny);
        var norms = GroupNorms(vae);
        // Tiny (3 levels, 1 layer): encoder resnets 3 + mid 2 (two norms each) = 10, mid attention 1, conv_norm_out 1;
        // decoder resnets 3 x 2 + mid 2 (two each) = 16, mid attention 1, conv_norm_out 1. Total 30.
        Assert.Equal(30, norms.Count);
        AssertInitialised(norms);
        Assert.Contains(norms, n => n.Name == "encoder.mid_block.attentions.0.group_norm");

        var gen = new Generator(34);
        using var images = TestTensors.SmoothImages(gen, 2, 3, 32);
        using var _ = no_grad();
        var posterior = vae.Encode(images);
        using var decoded = vae.Decode(posterior.Mode());
        Assert.True(TestTensors.AllFinite(posterior.Mean) && TestTensors.AllFinite(posterior.LogVar));
        Assert.True(TestTensors.AllFinite(decoded));
    }
}
