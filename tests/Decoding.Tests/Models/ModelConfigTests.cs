using Decoding.Models.Unet;
using Decoding.Models.Vae;

namespace Decoding.Tests.Models;

public class ModelConfigTests
{
    // unet/config.json of runwayml/stable-diffusion-v1-5 (diffusers 0.6.0), as published; the same fields and
    // values appear verbatim in SD-1.5-derived repositories' copies of the file (e.g. OOTDiffusion, MuseTalk).
    private const string Sd15UnetConfigJson = """
        {
          "_class_name": "UNet2DConditionModel",
          "_diffusers_version": "0.6.0",
          "act_fn": "silu",
          "attention_head_dim": 8,
          "block_out_channels": [320, 640, 1280, 1280],
          "center_input_sample": false,
          "cross_attention_dim": 768,
          "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
          "downsample_padding": 1,
          "flip_sin_to_cos": true,
          "freq_shift": 0,
          "in_channels": 4,
          "layers_per_block": 2,
          "mid_block_scale_factor": 1,
          "norm_eps": 1e-05,
          "norm_num_groups": 32,
          "out_channels": 4,
          "sample_size": 64,
          "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        }
        """;

    // vae/config.json of runwayml/stable-diffusion-v1-5 (diffusers 0.6.0 predates the scaling_factor field;
    // diffusers' default 0.18215 applies).
    private const string Sd15VaeConfigJson = """
        {
          "_class_name": "AutoencoderKL",
          "_diffusers_version": "0.6.0",
          "act_fn": "silu",
          "block_out_channels": [128, 256, 512, 512],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
          "in_channels": 3,
          "latent_channels": 4,
          "layers_per_block": 2,
          "norm_num_groups": 32,
          "out_channels": 3,
          "sample_size": 512,
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
        }
        """;

    [Fact]
    public void Diffusers_sd15_unet_config_reads_as_the_Sd15_preset()
    {
        var config = UNet2DConditionConfig.FromJson(Sd15UnetConfigJson, "unet/config.json");
        Assert.Equal(UNet2DConditionConfig.Sd15.ToJson(), config.ToJson());
        Assert.Equal(8, config.AttentionHeads);
        Assert.Equal(1280, config.TimeEmbeddingDim);
    }

    [Fact]
    public void Diffusers_sd15_vae_config_reads_as_the_Sd15_preset()
    {
        var config = AutoencoderKLConfig.FromJson(Sd15VaeConfigJson, "vae/config.json");
        Assert.Equal(AutoencoderKLConfig.Sd15.ToJson(), config.ToJson());
    }

    /// <summary>
    /// diffusers fields this implementation does not model: at SD-1.x's value (and later diffusers' extra fields at
    /// their defaults) the config reads; a value that changes the network without changing a weight's shape
    /// (downsample_padding 0, mid_block_scale_factor 2, center_input_sample) or a field it has never heard of is
    /// refused, naming the file and the field, instead of being built the SD-1.x way.
    /// </summary>
    [Fact]
    public void Diffusers_fields_that_would_change_the_network_are_refused_not_ignored()
    {
        // The field set to the value, replacing the file's own line for it when there is one.
        static string Set(string json, string field, string value) => json.Contains($"\"{field}\": ", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(json, $"\"{field}\": [^,\\n]+", $"\"{field}\": {value}")
            : json.Replace("\"act_fn\": \"silu\",", $"\"{field}\": {value}, \"act_fn\": \"silu\",", StringComparison.Ordinal);

        string newer = Sd15UnetConfigJson;
        foreach (var (field, value) in new[] { ("resnet_time_scale_shift", "\"default\""), ("upcast_attention", "true"), ("class_embed_type", "null"),
                     ("conv_in_kernel", "3"), ("mid_block_scale_factor", "1.0"), ("only_cross_attention", "[false, false, false, false]") })
            newer = Set(newer, field, value);
        Assert.Equal(UNet2DConditionConfig.Sd15.ToJson(), UNet2DConditionConfig.FromJson(newer, "unet/config.json").ToJson());

        foreach (var (field, value) in new[] { ("downsample_padding", "0"), ("mid_block_scale_factor", "2.0"), ("center_input_sample", "true"),
                     ("resnet_time_scale_shift", "\"scale_shift\""), ("time_embedding_type", "\"fourier\""), ("sample_shift", "3"),
                     ("only_cross_attention", "[false, true, false, false]") })
        {
            var e = Assert.Throws<Fmri.Core.DataFormatException>(() => UNet2DConditionConfig.FromJson(Set(Sd15UnetConfigJson, field, value), "unet/config.json"));
            Assert.StartsWith("unet/config.json", e.Message);
            Assert.Contains(field, e.Message);
            Assert.Contains(value, e.Message);
        }

        var vae = Assert.Throws<Fmri.Core.DataFormatException>(() => AutoencoderKLConfig.FromJson(Set(Sd15VaeConfigJson, "use_quant_conv", "false"), "vae/config.json"));
        Assert.Contains("use_quant_conv", vae.Message);
        Assert.Equal(AutoencoderKLConfig.Sd15.ToJson(), AutoencoderKLConfig.FromJson(
            Set(Set(Sd15VaeConfigJson, "force_upcast", "true"), "shift_factor", "null"), "vae/config.json").ToJson());
    }

    [Fact]
    public void Json_round_trip_keeps_every_field_and_uses_diffusers_names()
    {
        var tiny = UNet2DConditionConfig.Tiny with { UseLinearProjection = true, NumAttentionHeads = 4 };
        string json = tiny.ToJson();
        Assert.Contains("\"block_out_channels\"", json);
        Assert.Contains("\"cross_attention_dim\"", json);
        Assert.Equal(json, UNet2DConditionConfig.FromJson(json, "x.json").ToJson());
        string vaeJson = AutoencoderKLConfig.Small.ToJson();
        Assert.Contains("\"latent_channels\"", vaeJson);
        Assert.Contains("\"scaling_factor\"", vaeJson);
        Assert.Equal(vaeJson, AutoencoderKLConfig.FromJson(vaeJson, "x.json").ToJson());
    }

    [Fact]
    public void Invalid_unet_configs_are_refused_naming_the_field_and_value()
    {
        void Refused(UNet2DConditionConfig config, string field, string value)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => new UNet2DConditionModel(config, TorchSharp.torch.device("meta")));
            Assert.Contains($"UNet2DConditionConfig.{field}", e.Message);
            Assert.Contains(value, e.Message);
        }
        var tiny = UNet2DConditionConfig.Tiny;
        Refused(tiny with { BlockOutChannels = [32, 60] }, "block_out_channels", "[32, 60]");
        Refused(tiny with { DownBlockTypes = ["CrossAttnDownBlock2D"] }, "down_block_types", "[CrossAttnDownBlock2D]");
        Refused(tiny with { UpBlockTypes = ["UpBlock2D", "AttnUpBlock2D"] }, "up_block_types", "AttnUpBlock2D");
        Refused(tiny with { AttentionHeadDim = 3 }, "attention_head_dim", "3 heads");
        Refused(tiny with { NumAttentionHeads = 0 }, "num_attention_heads", "got 0");
        Refused(tiny with { LayersPerBlock = 0 }, "layers_per_block", "got 0");
        Refused(tiny with { NormEps = -1 }, "norm_eps", "-1");
        Refused(tiny with { ActFn = "gelu" }, "act_fn", "gelu");
        Refused(tiny with { Dropout = 1.5 }, "dropout", "1.5");
    }

    [Fact]
    public void Invalid_vae_configs_are_refused_naming_the_field_and_value()
    {
        void Refused(AutoencoderKLConfig config, string field, string value)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => new AutoencoderKL(config, TorchSharp.torch.device("meta")));
            Assert.Contains($"AutoencoderKLConfig.{field}", e.Message);
            Assert.Contains(value, e.Message);
        }
        var tiny = AutoencoderKLConfig.Tiny;
        Refused(tiny with { LatentChannels = 0 }, "latent_channels", "got 0");
        Refused(tiny with { ScalingFactor = 0 }, "scaling_factor", "got 0");
        Refused(tiny with { NormNumGroups = 5 }, "block_out_channels", "norm_num_groups = 5");
        Refused(tiny with { UpBlockTypes = ["UpDecoderBlock2D"] }, "up_block_types", "[UpDecoderBlock2D]");
    }

    [Fact]
    public void Bad_config_files_name_the_file_and_field()
    {
        var badValue = Assert.Throws<Fmri.Core.DataFormatException>(() =>
            UNet2DConditionConfig.FromJson("""{ "layers_per_block": -2 }""", "models/unet/config.json"));
        Assert.Equal("models/unet/config.json", badValue.File);
        Assert.Equal("layers_per_block", badValue.Field);
        Assert.Contains("-2", badValue.Message);

        var badType = Assert.Throws<Fmri.Core.DataFormatException>(() =>
            AutoencoderKLConfig.FromJson("""{ "latent_channels": "four" }""", "vae/config.json"));
        Assert.Equal("vae/config.json", badType.File);
        Assert.Contains("latent_channels", badType.Field);
    }
}
