using System.Text.Json.Serialization;
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
