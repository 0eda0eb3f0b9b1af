using Decoding.Tests.Cli;
using Decoding.Models.Unet;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using Fmri.MaskedBrainModeling;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>
/// <c>decoding import-weights</c> on the torch-written fixtures: the folders it writes are the ones pretrain-mbm and
/// train-vae write (read back by the same loaders), and bad input is one line with exit 2 and nothing written.
/// </summary>
[Collection(ModelsCollection.Name)]
public class ImportWeightsCommandTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "Decoding.Tests", "Models", "Fixtures", "pytorch");

    private static string PathOf(string name) => Path.Combine(Folder, name);

    [Fact]
    public void Mbm_writes_a_pretraining_folder_that_loads_with_the_checkpoints_weights()
    {
        using var temp = new TempFolder();
        var (exit, output, err) = CliTestHarness.Run("import-weights", "mbm", PathOf("mindvis_stageA_tiny.pth"), "-o", temp.Sub("mbm"));
        Assert.True(exit == 0, err);
        Assert.Contains("from config: 4 heads, decoder 2 heads", output);
        Assert.Contains("loaded 50 tensors", output);
        var (model, config) = MaskedBrainPretraining.Load(temp.Sub("mbm"));
        using var _ = model;
        using var reference = MindVisCheckpoint.Read(PathOf("mindvis_stageA_tiny.pth")).Model;
        Assert.Equal(64, config.Model.NumVoxels);
        Assert.Equal("mindvis-import", config.Preset);
        foreach (var (key, t) in reference.state_dict()) Assert.True(t.allclose(model.state_dict()[key], 0, 0), key);
        Assert.True(File.Exists(Path.Combine(temp.Sub("mbm"), "import-weights.run.json")));
    }

    [Theory]
    [InlineData("vae", "vae_tiny/diffusion_pytorch_model.safetensors")]
    [InlineData("unet", "unet_tiny/diffusion_pytorch_model.bin")]
    public void Diffusers_weights_are_written_as_a_checkpoint_with_the_diffusers_config(string kind, string weights)
    {
        using var temp = new TempFolder();
        var (exit, _, err) = CliTestHarness.Run("import-weights", kind, PathOf(weights), "-o", temp.Sub(kind));
        Assert.True(exit == 0, err);
        var checkpoint = new ModelCheckpoint(temp.Sub(kind), kind);
        using nn.Module model = kind == "vae"
            ? new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>())
            : new UNet2DConditionModel(checkpoint.ReadConfig<UNet2DConditionConfig>());
        if (model is AutoencoderKL vae) checkpoint.LoadWeights(vae, vae.Config);
        else checkpoint.LoadWeights(model, ((UNet2DConditionModel)model).Config);
        var file = PyTorchFile.ReadStateDict(PathOf(weights));
        var state = model.state_dict();
        foreach (var (key, t) in file) Assert.True(t.to_type(ScalarType.Float32).allclose(state[Decoding.Models.DiffusersWeights.VaeKey(key)], 0, 0), key);
    }

    [Fact]
    public void Bad_weights_give_one_line_exit_2_and_no_folder()
    {
        using var temp = new TempFolder();
        void Bad(string expected, params string[] args)
        {
            var (exit, output, err) = CliTestHarness.Run(args);
            Assert.True(exit == 2, $"exit {exit}: {err}{output}");
            string line = err.TrimEnd('\n');
            Assert.DoesNotContain('\n', line);
            Assert.Contains(expected, line);
        }
        Bad("1 missing key(s) (in the module, not in the file): conv_out.bias; 1 unexpected key(s)",
            "import-weights", "unet", PathOf("unet_bad.bin"), "--config", PathOf("unet_tiny/config.json"), "-o", temp.Sub("a"));
        Bad("holds a pickled module", "import-weights", "mbm", PathOf("mindvis_full_model.pth"), "-o", temp.Sub("b"));
        Bad("pre-1.6 format", "import-weights", "mbm", PathOf("mindvis_legacy.pth"), "-o", temp.Sub("c"));
        Bad("--config", "import-weights", "vae", PathOf("unet_bad.bin"), "-o", temp.Sub("d"));   // no config.json beside it
        Bad("does not match AutoencoderKL", "import-weights", "vae", PathOf("unet_tiny/diffusion_pytorch_model.bin"), "--config", PathOf("vae_tiny/config.json"), "-o", temp.Sub("e"));
        foreach (var name in new[] { "a", "b", "c", "d", "e" }) Assert.False(Directory.Exists(temp.Sub(name)), name);

        var (exit, _, _) = CliTestHarness.Run("import-weights", "mbm", PathOf("mindvis_stageA_tiny.pth"), "-o", temp.Sub("f"));
        Assert.Equal(0, exit);
        Bad("already holds a 'mbm' checkpoint; choose another folder", "import-weights", "mbm", PathOf("mindvis_stageA_tiny.pth"), "-o", temp.Sub("f"));
    }
}
