using Decoding.Models;
using Decoding.Models.Unet;
using Decoding.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>
/// The Stable Diffusion 1.x shapes, built on the <c>meta</c> device (parameters have shapes but no storage, so
/// the 3.4 GB UNet costs nothing). Three independent checks:
/// 1. total parameter counts equal the released model's;
/// 2. names and shapes published elsewhere (diffusers' conversion script, released checkpoints' key listings)
///    are present with the published shapes;
/// 3. the complete listing equals the approved listing committed in Approved/ (a change to any name or shape
///    shows up as a diff of that file).
/// </summary>
[Collection(ModelsCollection.Name)]
public class Sd15ParameterListingTests
{
    /// <summary>Reads an approved listing from the source tree (found by walking up to Decoding.sln).</summary>
    private static string Approved(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decoding.sln")))
                return File.ReadAllText(Path.Combine(dir.FullName, "tests", "Decoding.Tests", "Models", "Approved", file)).Replace("\r\n", "\n");
        }
        throw new FileNotFoundException($"Decoding.sln not found above {AppContext.BaseDirectory}; cannot locate Approved/{file}");
    }

    [Fact]
    public void Sd15_unet_matches_the_released_parameter_count_and_the_approved_listing()
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Sd15, device("meta"));
        Assert.All(unet.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        // 859,520,964: diffusers' own docstring of ModelMixin.num_parameters (src/diffusers/models/modeling_utils.py)
        // shows UNet2DConditionModel.from_pretrained("runwayml/stable-diffusion-v1-5", subfolder="unet")
        // .num_parameters(only_trainable=True) == 859520964; the same figure is tabulated in the fast.ai forum
        // thread "Stable Diffusion Parameter Budget Allocation" (forums.fast.ai/t/101515).
        Assert.Equal(859_520_964L, ParameterListing.Count(unet));
        Assert.Equal(Approved("sd15_unet.txt"), ParameterListing.Format(unet));
    }

    [Fact]
    public void Sd15_vae_matches_the_released_parameter_count_and_the_approved_listing()
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.Sd15, device("meta"));
        // 83,653,863: the VAE of runwayml/stable-diffusion-v1-5 as counted in the fast.ai forum thread
        // "Stable Diffusion Parameter Budget Allocation" (forums.fast.ai/t/101515).
        Assert.Equal(83_653_863L, ParameterListing.Count(vae));
        Assert.Equal(Approved("sd15_vae.txt"), ParameterListing.Format(vae));
    }

    /// <summary>
    /// Names and shapes from published sources, not from this code:
    /// - diffusers scripts/convert_diffusers_to_original_stable_diffusion.py maps CompVis keys to diffusers keys
    ///   (time_embed.0 → time_embedding.linear_1, input_blocks.{3i+j+1}.0 → down_blocks.i.resnets.j,
    ///   input_blocks.{3i+j+1}.1 → down_blocks.i.attentions.j, input_blocks.{3(i+1)}.0.op → down_blocks.i.downsamplers.0.conv,
    ///   output_blocks.{3i+2}.{1 if i == 0 else 2} → up_blocks.i.upsamplers.0, out.0 → conv_norm_out,
    ///   skip_connection → conv_shortcut, emb_layers.1 → time_emb_proj; VAE: mid.attn_1 → mid_block.attentions.0,
    ///   nin_shortcut → conv_shortcut, up.{3-i} → decoder.up_blocks.i);
    /// - the SD 1.5 ControlNet (control_v11p_sd15) state-dict listing, whose input blocks copy the SD UNet's,
    ///   gives the CompVis shapes (e.g. input_blocks.4.1...ff.net.0.proj.weight [5120, 640], attn2.to_k [640, 768]);
    /// - diffusers-format SD VAE key tables give the current attention names (group_norm, to_q, to_out.0) and
    ///   shapes such as encoder.conv_out.weight [8, 512, 3, 3].
    /// </summary>
    public static TheoryData<string, string, long[]> PublishedShapes => new()
    {
        { "unet", "conv_in.weight", [320, 4, 3, 3] },
        { "unet", "time_embedding.linear_1.weight", [1280, 320] },
        { "unet", "time_embedding.linear_2.weight", [1280, 1280] },
        { "unet", "down_blocks.0.resnets.0.conv1.weight", [320, 320, 3, 3] },
        { "unet", "down_blocks.0.resnets.0.time_emb_proj.weight", [320, 1280] },
        { "unet", "down_blocks.0.attentions.0.proj_in.weight", [320, 320, 1, 1] },
        { "unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", [320, 768] },
        { "unet", "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", [2560, 320] },
        { "unet", "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight", [320, 1280] },
        { "unet", "down_blocks.0.downsamplers.0.conv.weight", [320, 320, 3, 3] },
        { "unet", "down_blocks.1.resnets.0.conv1.weight", [640, 320, 3, 3] },
        { "unet", "down_blocks.1.resnets.0.conv_shortcut.weight", [640, 320, 1, 1] },
        { "unet", "down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", [5120, 640] },
        { "unet", "down_blocks.1.attentions.0.transformer_blocks.0.ff.net.2.weight", [640, 2560] },
        { "unet", "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight", [640, 768] },
        { "unet", "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.bias", [640] },
        { "unet", "down_blocks.3.resnets.1.conv2.weight", [1280, 1280, 3, 3] },
        { "unet", "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight", [1280, 768] },
        { "unet", "mid_block.resnets.1.norm2.weight", [1280] },
        { "unet", "up_blocks.0.resnets.0.conv1.weight", [1280, 2560, 3, 3] },
        { "unet", "up_blocks.1.upsamplers.0.conv.weight", [1280, 1280, 3, 3] },
        { "unet", "up_blocks.1.attentions.2.proj_out.weight", [1280, 1280, 1, 1] },
        { "unet", "up_blocks.3.resnets.0.norm1.weight", [960] },
        { "unet", "up_blocks.3.attentions.2.transformer_blocks.0.norm3.bias", [320] },
        { "unet", "conv_norm_out.weight", [320] },
        { "unet", "conv_out.weight", [4, 320, 3, 3] },
        { "vae", "encoder.conv_in.weight", [128, 3, 3, 3] },
        { "vae", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight", [256, 128, 1, 1] },
        { "vae", "encoder.down_blocks.2.downsamplers.0.conv.weight", [512, 512, 3, 3] },
        { "vae", "encoder.mid_block.attentions.0.group_norm.weight", [512] },
        { "vae", "encoder.mid_block.attentions.0.to_q.weight", [512, 512] },
        { "vae", "encoder.mid_block.attentions.0.to_q.bias", [512] },
        { "vae", "encoder.mid_block.attentions.0.to_out.0.weight", [512, 512] },
        { "vae", "encoder.conv_out.weight", [8, 512, 3, 3] },
        { "vae", "quant_conv.weight", [8, 8, 1, 1] },
        { "vae", "post_quant_conv.weight", [4, 4, 1, 1] },
        { "vae", "decoder.conv_in.weight", [512, 4, 3, 3] },
        { "vae", "decoder.up_blocks.0.resnets.2.conv1.weight", [512, 512, 3, 3] },
        { "vae", "decoder.up_blocks.0.upsamplers.0.conv.weight", [512, 512, 3, 3] },
        { "vae", "decoder.up_blocks.3.resnets.0.conv_shortcut.weight", [128, 256, 1, 1] },
        { "vae", "decoder.mid_block.attentions.0.group_norm.bias", [512] },
        { "vae", "decoder.conv_norm_out.weight", [128] },
        { "vae", "decoder.conv_out.weight", [3, 128, 3, 3] },
    };

    [Theory]
    [MemberData(nameof(PublishedShapes))]
    public void Published_key_has_the_published_shape(string model, string key, long[] shape)
    {
        var shapes = model == "unet" ? UnetShapes.Value : VaeShapes.Value;
        Assert.True(shapes.ContainsKey(key), $"{model}: no parameter named {key}");
        Assert.Equal(shape, shapes[key]);
    }

    private static readonly Lazy<Dictionary<string, long[]>> UnetShapes = new(() =>
        ParameterListing.Shapes(new UNet2DConditionModel(UNet2DConditionConfig.Sd15, device("meta"))).ToDictionary(p => p.Name, p => p.Shape));

    private static readonly Lazy<Dictionary<string, long[]>> VaeShapes = new(() =>
        ParameterListing.Shapes(new AutoencoderKL(AutoencoderKLConfig.Sd15, device("meta"))).ToDictionary(p => p.Name, p => p.Shape));

    [Fact]
    public void Sd15_tensor_counts_match_the_released_state_dicts()
    {
        // Counted by hand from the architecture (weight + bias per conv, linear and norm):
        // UNet: ResnetBlock2D 10 tensors (12 with conv_shortcut), Transformer2DModel 6 + 20 per BasicTransformerBlock
        // (3 LayerNorms 6, attn1 5, attn2 5, ff 4) = 26.
        //   stem and head 10; down 74 + 76 + 76 + 20 = 246; mid 2*10 + 26 = 46;
        //   up (every resnet has a shortcut) 38 + 116 + 116 + 114 = 384; total 686.
        // VAE: ResnetBlock2D 8 (10 with shortcut), SpatialSelfAttention 10, mid block 26.
        //   encoder 2 + (18 + 20 + 20 + 16) + 26 + 4 = 106; decoder 2 + 26 + (26 + 26 + 28 + 26) + 4 = 138;
        //   quant_conv and post_quant_conv 4; total 248.
        Assert.Equal(686, UnetShapes.Value.Count);
        Assert.Equal(248, VaeShapes.Value.Count);
    }
}
