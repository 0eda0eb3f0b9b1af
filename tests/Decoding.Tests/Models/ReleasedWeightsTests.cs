using System.Text.Json;
using Decoding.Models;
using Fmri.Core.Checkpoints;
using Fmri.MaskedBrainModeling;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>
/// Released PyTorch weights on files written by Debian's torch 1.13 (Fixtures/pytorch/make_pytorch_fixtures.py): a
/// MinD-Vis stage-A checkpoint into the masked brain autoencoder (its encoder output compared with torch's), diffusers
/// UNet and VAE state dicts (.bin, .safetensors, old and new attention names) into the project's modules, and the
/// refusals: a pickled module, the pre-1.6 format, keys that do not fit.
/// </summary>
[Collection(ModelsCollection.Name)]
public class ReleasedWeightsTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "Decoding.Tests", "Models", "Fixtures", "pytorch");

    private static string PathOf(string name) => Path.Combine(Folder, name);

    [Fact]
    public void A_mindvis_stage_A_checkpoint_loads_and_encodes_as_torch_did()
    {
        var expected = JsonDocument.Parse(File.ReadAllText(PathOf("mindvis_expected.json"))).RootElement;
        var imported = MindVisCheckpoint.Read(PathOf("mindvis_stageA_tiny.pth"));
        using var model = imported.Model;
        var c = imported.Config;
        Assert.Equal((64, 8, 16, 2, 4), (c.NumVoxels, c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads));
        Assert.Equal((8, 1, 2, 1.0, 0.75), (c.DecoderEmbedDim, c.DecoderDepth, c.DecoderNumHeads, c.MlpRatio, c.MaskRatio));
        Assert.Equal(3, imported.Epoch);
        Assert.Equal(expected.GetProperty("keys").GetInt32(), model.state_dict().Count);

        model.eval();
        var input = expected.GetProperty("input").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        using var voxels = tensor(input, new long[] { 2, 64 });
        using var latent = model.Encode(voxels, withClsToken: true);
        Assert.Equal(expected.GetProperty("latent_shape").EnumerateArray().Select(v => v.GetInt64()), latent.shape);
        var want = expected.GetProperty("latent").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var got = latent.data<float>().ToArray();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) < 1e-4, $"element {i}: torch {want[i]}, loaded {got[i]}");
    }

    [Fact]
    public void A_pickled_module_the_old_format_and_a_file_without_model_are_refused_with_what_to_do()
    {
        var e = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("mindvis_full_model.pth")));
        Assert.Contains("holds a pickled module (torch.save(model)), not a state dict; re-save it", e.Message);
        e = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("mindvis_legacy.pth")));
        Assert.Contains("pre-1.6 format", e.Message);
        e = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("unet_tiny/diffusion_pytorch_model.bin")));
        Assert.Contains("model: is missing: a MinD-Vis stage-A checkpoint holds 'model'", e.Message);
        e = Assert.Throws<DataFormatException>(() => PyTorchFile.ReadObject(PathOf("unet_tiny/config.json")));
        Assert.Contains("is not a torch.save file", e.Message);
    }

    /// <summary>Config values a loader could round or crash on, and one block unlike the others, are refused naming
    /// the file and the field or tensor at fault (num_heads 4.5 used to be rounded to 4 and imported).</summary>
    [Fact]
    public void Bad_config_values_and_an_odd_block_are_named()
    {
        var heads = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("mindvis_bad_heads.pth")));
        Assert.Contains("config/num_heads: is 4.5, expected a whole number", heads.Message);
        var mask = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("mindvis_bad_mask_ratio.pth")));
        Assert.Contains("config/mask_ratio: is 0.75x, expected a number", mask.Message);
        var odd = Assert.Throws<DataFormatException>(() => MindVisCheckpoint.Read(PathOf("mindvis_odd_block.pth")));
        Assert.Contains("model/blocks.1.mlp.fc1.weight: has 16 hidden units but blocks.0.mlp.fc1.weight has 17", odd.Message);
        foreach (var e in new[] { heads, mask, odd }) Assert.StartsWith(PathOf(""), e.Message);
    }

    [Fact]
    public void A_diffusers_unet_state_dict_loads_every_tensor_under_its_own_name()
    {
        using var unet = DiffusersWeights.LoadUNet(PathOf("unet_tiny/diffusion_pytorch_model.bin"), PathOf("unet_tiny/config.json"));
        var file = PyTorchFile.ReadStateDict(PathOf("unet_tiny/diffusion_pytorch_model.bin"));
        var state = unet.state_dict();
        Assert.Equal(file.Keys.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, t) in file)
        {
            Assert.Equal(ScalarType.Float16, t.dtype);
            Assert.True(t.to_type(ScalarType.Float32).allclose(state[key], 0, 0), key);
        }
    }

    [Fact]
    public void A_diffusers_vae_loads_from_bin_with_the_old_attention_names_and_from_safetensors_alike()
    {
        using var fromBin = DiffusersWeights.LoadVae(PathOf("vae_tiny/diffusion_pytorch_model.bin"), PathOf("vae_tiny/config.json"));
        using var fromSafetensors = DiffusersWeights.LoadVae(PathOf("vae_tiny/diffusion_pytorch_model.safetensors"), PathOf("vae_tiny/config.json"));
        var file = PyTorchFile.ReadStateDict(PathOf("vae_tiny/diffusion_pytorch_model.bin"));
        Assert.Contains("encoder.mid_block.attentions.0.query.weight", file.Keys);
        var a = fromBin.state_dict();
        var b = fromSafetensors.state_dict();
        foreach (var (key, t) in file)
        {
            string name = DiffusersWeights.VaeKey(key);
            Assert.True(t.allclose(a[name], 0, 0), key);
            Assert.True(t.allclose(b[name], 0, 0), key);
        }
        Assert.Equal("encoder.mid_block.attentions.0.to_out.0.bias", DiffusersWeights.VaeKey("encoder.mid_block.attentions.0.proj_attn.bias"));
        Assert.Equal("decoder.up_blocks.0.resnets.0.conv1.weight", DiffusersWeights.VaeKey("decoder.up_blocks.0.resnets.0.conv1.weight"));
    }

    /// <summary>
    /// At Stable Diffusion 1.5's size: the names and shapes a released SD-1.5 unet/ and vae/ .bin hold, written by the
    /// fixture script from diffusers' module structure (the VAE in the deprecated attention names), are exactly the
    /// sd15 presets' parameters after the stated mapping (models on the meta device: shapes, no storage).
    /// </summary>
    [Fact]
    public void At_sd15_size_the_released_names_map_one_to_one_onto_the_presets()
    {
        static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        using var unet = new Decoding.Models.Unet.UNet2DConditionModel(Decoding.Models.Unet.UNet2DConditionConfig.Sd15, device("meta"));
        Assert.Equal(Lines(File.ReadAllText(PathOf("sd15_unet_names.txt"))), Lines(ParameterListing.Format(unet)));
        using var vae = new Decoding.Models.Vae.AutoencoderKL(Decoding.Models.Vae.AutoencoderKLConfig.Sd15, device("meta"));
        var released = File.ReadAllLines(PathOf("sd15_vae_names_deprecated.txt")).Where(l => l.Length > 0).ToList();
        Assert.Contains(released, l => l.StartsWith("decoder.mid_block.attentions.0.proj_attn.weight [512, 512]", StringComparison.Ordinal));
        var mapped = released.Select(l => DiffusersWeights.VaeKey(l[..l.IndexOf(' ')]) + l[l.IndexOf(' ')..]);
        Assert.Equal(mapped.Order(StringComparer.Ordinal), Lines(ParameterListing.Format(vae)));
    }

    [Fact]
    public void Missing_unexpected_and_mismatched_keys_are_listed_in_one_error()
    {
        using var _ = NewDisposeScope();
        var e = Assert.Throws<DataFormatException>(() => DiffusersWeights.LoadUNet(PathOf("unet_bad.bin"), PathOf("unet_tiny/config.json")));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("1 missing key(s) (in the module, not in the file): conv_out.bias", e.Message);
        Assert.Contains("1 unexpected key(s) (in the file, not in the module): text_projection.weight", e.Message);
        Assert.Contains("1 shape mismatch(es): conv_in.weight: file [4, 3, 3, 3], module [4, 4, 3, 3]", e.Message);
    }
}
