using System.Text.Json.Serialization;
using Fmri.Core;
using Fmri.Core.Checkpoints;
using Fmri.Tests.Core.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Checkpoints;

public class ModelCheckpointTests
{
    /// <summary>A config record with diffusers-style field names.</summary>
    private sealed record TinyConfig
    {
        [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 8;
        [JsonPropertyName("act_fn")] public string ActFn { get; init; } = "relu";
        [JsonPropertyName("block_out_channels")] public int[] BlockOutChannels { get; init; } = [8, 16];
        [JsonPropertyName("dropout")] public double Dropout { get; init; }
    }

    private static Tensor Input() => randn(new long[] { 5, 4 }, generator: new Generator(7));

    [Fact]
    public void Save_and_resume_restores_weights_training_state_and_generator_draws()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path, "unet");
        using var model = new TinyNet(new Generator(1));
        model.eval();
        var dataGenerator = new Generator(42);
        randn(new long[] { 3 }, generator: dataGenerator).Dispose(); // the run has drawn from it already
        var state = TrainingState.Capture(step: 120, epoch: 3, seed: 42,
            new Dictionary<string, Generator> { ["data"] = dataGenerator },
            new Dictionary<string, double> { ["best_loss"] = 0.25 });
        checkpoint.Save(model, new TinyConfig(), state);
        using var nextDraw = randn(new long[] { 4 }, generator: dataGenerator); // what the run draws next

        Assert.True(checkpoint.Exists);
        string configText = File.ReadAllText(checkpoint.ConfigPath);
        Assert.Contains("\"hidden_size\": 8", configText); // the caller's field names
        Assert.Contains("\"act_fn\": \"relu\"", configText);

        using var restored = new TinyNet(new Generator(2));
        restored.eval();
        checkpoint.LoadWeights(restored, new TinyConfig());
        using var x = Input();
        Assert.Equal(model.forward(x).data<float>().ToArray(), restored.forward(x).data<float>().ToArray());

        var training = checkpoint.ReadTrainingState();
        Assert.NotNull(training);
        Assert.Equal(120, training.Step);
        Assert.Equal(3, training.Epoch);
        Assert.Equal(42, training.Seed);
        Assert.Equal(0.25, training.Values["best_loss"]);
        var resumedGenerator = new Generator(999);
        training.RestoreGenerators(new Dictionary<string, Generator> { ["data"] = resumedGenerator }, checkpoint.ManifestPath);
        using var resumedDraw = randn(new long[] { 4 }, generator: resumedGenerator);
        Assert.Equal(nextDraw.data<float>().ToArray(), resumedDraw.data<float>().ToArray());

        Assert.Equal(new TinyConfig().BlockOutChannels, checkpoint.ReadConfig<TinyConfig>().BlockOutChannels);
        Assert.False(checkpoint.HasEmaWeights);
        Assert.False(checkpoint.HasOptimizerState);
    }

    [Fact]
    public void Config_mismatch_lists_every_differing_field_instead_of_failing_on_shapes()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path);
        using var model = new TinyNet(new Generator(1));
        checkpoint.Save(model, new TinyConfig());

        var requested = new TinyConfig { HiddenSize = 16, ActFn = "silu", BlockOutChannels = [8, 32], Dropout = 0.0 };
        using var other = new TinyNet(new Generator(2), width: 16);
        var e = Assert.Throws<DataFormatException>(() => checkpoint.LoadWeights(other, requested));
        Assert.Equal(checkpoint.ConfigPath, e.File);
        Assert.Equal("config", e.Field);
        Assert.Contains("(3 field(s))", e.Message);
        Assert.Contains("hidden_size: checkpoint 8, requested 16", e.Message);
        Assert.Contains("act_fn: checkpoint \"relu\", requested \"silu\"", e.Message);
        Assert.Contains("block_out_channels[1]: checkpoint 16, requested 32", e.Message);
        Assert.DoesNotContain("dropout", e.Message); // 0 and 0.0 are the same value
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void File_changed_after_saving_is_detected()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path);
        using var model = new TinyNet(new Generator(1));
        checkpoint.Save(model, new TinyConfig());
        using var other = new TinyNet(new Generator(2));
        ModuleWeights.Save(other, checkpoint.WeightsPath); // the file replaced behind the manifest's back

        var e = Assert.Throws<DataFormatException>(() => checkpoint.LoadWeights(other, new TinyConfig()));
        Assert.Equal(checkpoint.WeightsPath, e.File);
        Assert.Equal("sha256", e.Field);
    }

    [Fact]
    public void Ema_weights_and_optimizer_state_round_trip_and_a_later_save_without_them_removes_them()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path);
        using var model = new TinyNet(new Generator(1));
        var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using var x = Input();
        TrainStep(model, optimizer, x);
        var ema = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().mul(0.5));
        checkpoint.Save(model, new TinyConfig(), emaWeights: ema,
            emaMetadata: new Dictionary<string, string> { ["decay"] = "0.999" }, optimizer: optimizer);

        using var restored = new TinyNet(new Generator(2));
        checkpoint.LoadWeights(restored, new TinyConfig());
        var restoredOptimizer = optim.Adam(restored.parameters(), lr: 0.01);
        checkpoint.LoadOptimizerState(restoredOptimizer);
        // With Adam's moments restored, the next step moves both models identically.
        TrainStep(model, optimizer, x);
        TrainStep(restored, restoredOptimizer, x);
        var expected = model.state_dict();
        foreach (var (key, value) in restored.state_dict())
            Assert.Equal(expected[key].contiguous().bytes.ToArray(), value.contiguous().bytes.ToArray());

        using (var emaRead = checkpoint.ReadEmaWeights())
        {
            Assert.Equal("0.999", emaRead.Metadata["decay"]);
            Assert.Equal(ema["fc1.weight"].data<float>().ToArray(), emaRead.Tensors["fc1.weight"].data<float>().ToArray());
        }

        checkpoint.Save(model, new TinyConfig());
        Assert.False(checkpoint.HasEmaWeights);
        Assert.False(File.Exists(checkpoint.EmaWeightsPath));
        Assert.False(File.Exists(checkpoint.OptimizerStatePath));
    }

    [Fact]
    public void A_weights_only_export_loads_as_the_ema_weights_with_the_live_buffers_and_no_training_state()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(Path.Combine(folder.Path, "trained"), "ldm");
        using var model = new TinyNet(new Generator(1));
        var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using var x = Input();
        TrainStep(model, optimizer, x);   // moves the BatchNorm running statistics (buffers) away from their start
        // EMA shadows of the parameters only, as the trainers keep them: every value differs from the live one.
        var ema = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().mul(0.5).add(1));
        checkpoint.Save(model, new TinyConfig(), TrainingState.Capture(step: 7, epoch: 1, seed: 3, new Dictionary<string, Generator>()),
            emaWeights: ema, emaMetadata: new Dictionary<string, string> { ["decay"] = "0.999" }, optimizer: optimizer);

        var copy = checkpoint.ExportWeightsOnly(Path.Combine(folder.Path, "shared"));

        Assert.True(copy.Exists);
        Assert.False(copy.HasEmaWeights);
        Assert.False(copy.HasOptimizerState);
        Assert.Null(copy.ReadTrainingState());
        Assert.False(File.Exists(copy.OptimizerStatePath));
        using var restored = new TinyNet(new Generator(2));
        copy.LoadWeights(restored, new TinyConfig());
        var live = model.state_dict();
        foreach (var (name, value) in restored.state_dict())
        {
            // Parameters come from the EMA shadows, buffers (running mean and variance, batch count) from the live model.
            var expected = ema.TryGetValue(name, out var shadow) ? shadow : live[name];
            Assert.Equal(expected.contiguous().bytes.ToArray(), value.contiguous().bytes.ToArray());
        }
        Assert.Contains(restored.state_dict().Keys, k => k.Contains("running_mean"));
        using (var weights = Fmri.Core.IO.SafetensorsFile.Read(copy.WeightsPath))
            Assert.Equal("0.999", weights.Metadata["ema_decay"]);
        Assert.Equal(File.ReadAllText(checkpoint.ConfigPath), File.ReadAllText(copy.ConfigPath));
    }

    [Fact]
    public void A_model_folder_export_copies_the_records_leaves_the_optimizer_and_refuses_a_used_destination()
    {
        using var folder = new TempFolder();
        string trained = Path.Combine(folder.Path, "trained");
        using var model = new TinyNet(new Generator(1));
        var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        new ModelCheckpoint(trained, "ldm").Save(model, new TinyConfig(), optimizer: optimizer,
            emaWeights: model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone()));
        new ModelCheckpoint(trained, "vae").Save(model, new TinyConfig());
        File.WriteAllText(Path.Combine(trained, "run.json"), "{\"command\": \"train-ldm\"}\n");
        File.WriteAllText(Path.Combine(trained, "ldm_loss.csv"), "step,loss\n1,0.5\n");
        Directory.CreateDirectory(Path.Combine(trained, ".ldm.saving"));   // a save's staging folder is not copied,
        File.WriteAllText(Path.Combine(trained, ".write-check"), "");       // nor a hidden file

        string shared = Path.Combine(folder.Path, "shared");
        var written = ModelFolderExport.Export(trained, shared);

        Assert.Equal(["ldm.checkpoint.json", "ldm.config.json", "ldm.safetensors", "ldm_loss.csv", "run.json",
            "vae.checkpoint.json", "vae.config.json", "vae.safetensors"], written);
        Assert.Equal(written, Directory.GetFiles(shared).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetDirectories(shared));
        Assert.Equal(File.ReadAllText(Path.Combine(trained, "run.json")), File.ReadAllText(Path.Combine(shared, "run.json")));
        Assert.Equal(["ldm", "vae"], ModelFolderExport.CheckpointNames(shared));
        // Nothing is left beside the destination, and a destination with files in it is refused before anything is written.
        Assert.Equal(["shared", "trained"], Directory.GetDirectories(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var e = Assert.Throws<InvalidSettingException>(() => ModelFolderExport.Export(trained, shared));
        Assert.Contains("already holds files", e.Message);
        Assert.Throws<InvalidSettingException>(() => ModelFolderExport.Export(shared + "-none", Path.Combine(folder.Path, "other")));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "other")));
        // A folder inside the model folder is refused rather than left behind silently.
        Directory.CreateDirectory(Path.Combine(trained, "samples"));
        Assert.Contains("holds the folder samples", Assert.Throws<InvalidSettingException>(() => ModelFolderExport.Export(trained, Path.Combine(folder.Path, "other"))).Message);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "other")));
        // A copy cannot replace the checkpoint it is made from.
        Assert.Throws<ArgumentException>(() => new ModelCheckpoint(trained, "ldm").ExportWeightsOnly(trained + "/"));
    }

    private static void TrainStep(TinyNet model, optim.Optimizer optimizer, Tensor x)
    {
        model.train();
        optimizer.zero_grad();
        using var loss = model.forward(x).square().mean();
        loss.backward();
        optimizer.step();
    }

    [Fact]
    public void Missing_checkpoint_names_the_manifest()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path, "absent");
        Assert.False(checkpoint.Exists);
        var e = Assert.Throws<FileNotFoundException>(() => checkpoint.ReadTrainingState());
        Assert.Contains("absent.checkpoint.json", e.Message);
    }
}
