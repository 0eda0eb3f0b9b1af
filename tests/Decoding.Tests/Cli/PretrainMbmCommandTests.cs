using System.CommandLine;
using System.Text.Json;
using Decoding.Cli;
using Fmri.Data.Layouts;
using Fmri.MaskedBrainModeling;
using Xunit;

namespace Decoding.Tests.Cli;

public sealed class MaskedBrainPretrainingTests
{
    [Fact]
    public void Pretraining_excludes_test_fmri_by_default_and_resumes_to_the_uninterrupted_result()
    {
        var (fmri, _) = SyntheticBrainData.Create();   // 24 train + 4 test samples
        using var folder = new TempFolder();
        var settings = new MaskedBrainPretrainingSettings { Preset = "tiny", Epochs = 4, BatchSize = 8, Seed = 3 };
        var full = MaskedBrainPretraining.Run(settings, [("synthetic.h5", fmri)], Path.Combine(folder.Path, "full"));
        Assert.Equal(4, full.Pool.TestSamplesExcluded);
        Assert.Equal(0, full.Pool.TestSamplesIncluded);
        Assert.Equal(24, full.Pool.TrainSamples + full.Pool.HeldOutSamples);
        Assert.False(full.Config.IncludeTestFmri);
        Assert.True(File.Exists(Path.Combine(folder.Path, "full", MaskedBrainPretraining.LossPngFile)));

        string split = Path.Combine(folder.Path, "split");
        // Interrupt the same 4-epoch run after its second epoch (its checkpoint is written before the next step checks the token).
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => MaskedBrainPretraining.Run(settings, [("synthetic.h5", fmri)], split,
            new StopAt(1, stop), stop.Token));
        var resumed = MaskedBrainPretraining.Run(settings with { Resume = true }, [("synthetic.h5", fmri)], split);
        Assert.Equal(2, resumed.StartEpoch);
        Assert.Equal(full.History.Epochs[^1].TrainLoss, resumed.History.Epochs[^1].TrainLoss, 5);
        Assert.Equal(full.FinalHeldOutCorrelation, resumed.FinalHeldOutCorrelation, 5);

        var included = MaskedBrainPretraining.Run(settings with { Epochs = 1, IncludeTestFmri = true }, [("synthetic.h5", fmri)], Path.Combine(folder.Path, "inc"));
        Assert.Equal(28, included.Pool.TrainSamples + included.Pool.HeldOutSamples);
        Assert.Equal(4, included.Pool.TestSamplesIncluded);
        var (_, loaded) = MaskedBrainPretraining.Load(Path.Combine(folder.Path, "inc"));
        Assert.True(loaded.IncludeTestFmri);
    }

    [Fact]
    public void Command_records_excluded_test_samples_and_rejects_bad_arguments_with_exit_2()
    {
        var (fmri, _) = SyntheticBrainData.Create();
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "pre.h5");
        CanonicalFile.Write(data, fmri);
        string output = Path.Combine(folder.Path, "mbm");
        var root = new RootCommand { PretrainMbmCommand.Create() };
        int code = root.Parse(["pretrain-mbm", "--data", data, "--preset", "tiny", "--out", output, "--epochs", "2", "--batch", "8",
            "--base-lr", "1e-3", "--threads", "1"]).Invoke();
        Assert.Equal(0, code);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        var config = run.RootElement.GetProperty("config");
        Assert.Equal(4, config.GetProperty("test_samples_excluded").GetInt32());
        Assert.False(config.GetProperty("include_test_fmri").GetBoolean());
        Assert.Equal(1e-3, config.GetProperty("base_learning_rate").GetDouble());
        // The libtorch settings are recorded: the thread count and why, the device, the oneDNN backward decision (the test
        // assembly forces it off through DECODING_ONEDNN_BACKWARD).
        var torchSettings = run.RootElement.GetProperty("torch");
        Assert.Equal(1, torchSettings.GetProperty("threads").GetProperty("threads").GetInt32());
        Assert.True(torchSettings.GetProperty("threads").GetProperty("explicit").GetBoolean());
        Assert.Equal("cpu", torchSettings.GetProperty("device").GetString());
        Assert.Equal("off", torchSettings.GetProperty("onednn_backward").GetProperty("mode").GetString());
        Assert.False(torchSettings.GetProperty("onednn_backward").GetProperty("enabled").GetBoolean());
        // The C allocator's setting is recorded with the rest, as this process applied it (NativeHeap).
        Assert.Equal(Fmri.Core.Torch.NativeHeap.Current!.Applied, torchSettings.GetProperty("native_heap").GetProperty("applied").GetBoolean());
        Assert.Equal(Fmri.Core.Torch.NativeHeap.Current.Description, torchSettings.GetProperty("native_heap").GetProperty("description").GetString());
        // --base-lr reaches the optimizer: the peak of the logged schedule is 1e-3 x 8 / 100 (linear scaling rule) after the
        // one warm-up epoch; the default 2.5e-4 would peak at 2e-5.
        var lines = File.ReadAllLines(Path.Combine(output, MaskedBrainPretraining.LossCsvFile));
        int column = Array.IndexOf(lines[0].Split(','), "learning_rate");
        double peak = lines.Skip(1).Max(l => double.Parse(l.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(peak, 0.5 * 8e-5, 8e-5 * (1 + 1e-9));
        Assert.Equal(2, root.Parse(["pretrain-mbm", "--data", data, "--preset", "tiny", "--out", Path.Combine(folder.Path, "mbm-bad-lr"),
            "--base-lr", "0", "--threads", "1"]).Invoke());
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "mbm-bad-lr")) && Directory.EnumerateFileSystemEntries(Path.Combine(folder.Path, "mbm-bad-lr")).Any());

        Assert.Equal(2, root.Parse(["pretrain-mbm", "--data", data, "--preset", "huge", "--out", output, "--threads", "1"]).Invoke());
        Assert.Equal(2, root.Parse(["pretrain-mbm", "--data", Path.Combine(folder.Path, "missing.h5"), "--out", output, "--threads", "1"]).Invoke());
        Assert.Equal(2, Decoding.Cli.CommandLineApp.Run(["pretrain-mbm", "--data", data, "--preset", "tiny", "--threads", "1"]));   // no --out: a parser error
        // An existing checkpoint is not overwritten without --resume.
        Assert.Equal(2, root.Parse(["pretrain-mbm", "--data", data, "--preset", "tiny", "--out", output, "--epochs", "2", "--threads", "1"]).Invoke());

        // --resume continues the same training: another batch, learning rate or data width is refused (the run above
        // trained at batch 8, base-lr 1e-3); the seed recorded is the one the run started with, not a new --seed.
        string[] resume = ["pretrain-mbm", "--data", data, "--preset", "tiny", "--out", output, "--epochs", "3", "--threads", "1", "--resume"];
        var errors = new StringWriter();
        var standardError = Console.Error;
        Console.SetError(errors);
        try
        {
            Assert.Equal(2, root.Parse([.. resume, "--batch", "7", "--base-lr", "1e-3"]).Invoke());
            Assert.Equal(2, root.Parse([.. resume, "--batch", "8", "--base-lr", "2e-3"]).Invoke());
            string narrow = Path.Combine(folder.Path, "narrow.h5");
            CanonicalFile.Write(narrow, fmri with { VoxelCount = 32, Voxels = Enumerable.Range(0, fmri.SampleCount).SelectMany(i => fmri.Sample(i)[..32].ToArray()).ToArray(),
                Rois = new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, 32).ToArray() }, VoxelCoordinates = null });
            Assert.Equal(2, root.Parse(["pretrain-mbm", "--data", narrow, "--preset", "tiny", "--out", output, "--epochs", "3", "--threads", "1",
                "--resume", "--batch", "8", "--base-lr", "1e-3", "--width-policy", "pad-or-crop"]).Invoke());
        }
        finally
        {
            Console.SetError(standardError);
        }
        string said = errors.ToString();
        Assert.Contains("error: --batch 7: the checkpoint in", said);
        Assert.Contains("was pretrained with batch 8", said);
        Assert.Contains("was pretrained with base learning rate 0.001", said);
        Assert.Contains("was pretrained on", said);
        Assert.Equal(0, root.Parse([.. resume, "--batch", "8", "--base-lr", "1e-3", "--seed", "99"]).Invoke());
        using var resumed = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        Assert.Equal(2022, resumed.RootElement.GetProperty("seeds").GetProperty("seed").GetInt64());
    }

    private sealed class StopAt(int epoch, CancellationTokenSource source) : IProgress<Fmri.MaskedBrainModeling.MaskedBrainModelingEpoch>
    {
        public void Report(Fmri.MaskedBrainModeling.MaskedBrainModelingEpoch value)
        {
            if (value.Epoch == epoch) source.Cancel();
        }
    }
}
