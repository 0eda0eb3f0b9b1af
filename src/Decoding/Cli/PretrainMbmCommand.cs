using System.CommandLine;
using Fmri.Core.Training;
using Fmri.Core.Checkpoints;
using System.Diagnostics;
using System.Globalization;
using Fmri.Core.Runs;
using Fmri.Data.Layouts;
using Fmri.MaskedBrainModeling;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding pretrain-mbm</c>: MinD-Vis stage A, masked brain modeling on the pooled fMRI of preprocessed canonical
/// files. Test-split fMRI is left out unless <c>--include-test-fmri</c> is given; either way the choice and the sample
/// counts go into run.json and the checkpoint config.
/// </summary>
public static class PretrainMbmCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Files("--data", "Preprocessed canonical fMRI file(s); their samples are pooled", required: true);
        var preset = new Option<string>("--preset") { Description = "Autoencoder size: tiny | small | paper", DefaultValueFactory = _ => "small" };
        var output = new Option<string?>("--out") { Description = "Output folder (checkpoint mbm.*, loss curves, run.json)", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs in total (paper: 500)", DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch") { Description = "Samples per step (paper: 100; the learning rate scales with it)", DefaultValueFactory = _ => 100 };
        var baseLr = new Option<double>("--base-lr") { Description = "AdamW learning rate at batch 100 (paper: 2.5e-4 over 500 epochs; short runs need more)", DefaultValueFactory = _ => new MaskedBrainPretrainingSettings().BaseLearningRate };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --out" };
        var seed = new Option<long>("--seed") { Description = "Seed of initial weights, held-out draw, sample order and masks", DefaultValueFactory = _ => 2022 };
        var includeTest = new Option<bool>("--include-test-fmri") { Description = "Also pool test-split fMRI (MinD-Vis did; off by default)" };
        var widthPolicy = new Option<string>("--width-policy") { Description = "Data of another width than the model: error | pad-or-crop", DefaultValueFactory = _ => WidthPolicyNames.Error };
        var threads = CommonOptions.Threads();

        var command = new Command("pretrain-mbm", "Pretrain the masked brain autoencoder (MinD-Vis stage A) on the fMRI of preprocessed files");
        foreach (var option in new Option[] { data, preset, output, epochs, batch, baseLr, resume, seed, includeTest, widthPolicy, threads })
            command.Options.Add(option);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var files = CommonOptions.ExistingFiles(parse.GetValue(data), "data");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", "pretrain-mbm", [.. files.Select(f => ((string?)f, "data"))]);
            CheckpointedTraining.CheckStart(new ModelCheckpoint(outDir, PretrainedBrainEncoderConfig.CheckpointName), parse.GetValue(resume));
            torchOptions.Apply(parse);
            var settings = new MaskedBrainPretrainingSettings
            {
                Preset = parse.GetValue(preset)!,
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                BaseLearningRate = parse.GetValue(baseLr),
                Seed = parse.GetValue(seed),
                IncludeTestFmri = parse.GetValue(includeTest),
                WidthPolicy = WidthPolicyNames.Parse(parse.GetValue(widthPolicy)!),
                Resume = parse.GetValue(resume),
            };
            settings.Validate();

            var datasets = files.Select(f => (f, CanonicalFile.ReadFinite(f))).ToList();
            // The pool's training share, as PretrainingPool.Build splits it: a batch larger than that is clamped.
            int pooled = datasets.Sum(d => d.Item2.Splits.Count(split => settings.IncludeTestFmri || split == Fmri.Data.DataSplit.Train));
            int pooledTrain = pooled - Math.Clamp((int)Math.Round(pooled * settings.HeldOutFraction), 1, Math.Max(1, pooled - 1));
            settings = settings with { BatchSize = SmallDataWarnings.ClampBatch(settings.BatchSize, pooledTrain, "--batch", "training samples of the pool") };
            var result = ConsoleProgress.Run("masked brain modeling", settings.Epochs, progress =>
                MaskedBrainPretraining.Run(settings, datasets, outDir, new EpochPrinter(progress)));

            var manifest = new RunManifest
            {
                Command = "pretrain-mbm",
                Arguments = CommandLineApp.Arguments,
                Config = new
                {
                    settings.Preset,
                    settings.Epochs,
                    settings.BatchSize,
                    settings.BaseLearningRate,
                    IncludeTestFmri = settings.IncludeTestFmri,
                    WidthPolicy = WidthPolicyNames.Name(settings.WidthPolicy),
                    settings.HeldOutFraction,
                    StartEpoch = result.StartEpoch,
                    Model = result.Config.Model,
                    DataVoxels = datasets[0].Item2.VoxelCount,
                    result.Pool.TrainSamples,
                    result.Pool.HeldOutSamples,
                    result.Pool.TestSamplesExcluded,
                    result.Pool.TestSamplesIncluded,
                    FinalHeldOutCorrelation = result.FinalHeldOutCorrelation,
                    EpochHistory = result.History.Epochs,
                },
                Seeds = new Dictionary<string, long> { ["seed"] = result.Seed },   // a resumed run's own, whatever --seed says
                InputSha256 = RunManifest.HashInputs(files.ToArray()),
                Outputs = [$"{PretrainedBrainEncoderConfig.CheckpointName}.*", MaskedBrainPretraining.LossCsvFile, MaskedBrainPretraining.LossPngFile,
                    MaskedBrainPretraining.CorrelationPngFile],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            };
            manifest.Write(Path.Combine(outDir, "run.json"));
            SmallDataWarnings.BelowFloor(result.FinalHeldOutCorrelation, 0.05, "pretrain-mbm", "the held-out masked-patch correlation",
                "train longer (--epochs) or at a higher --base-lr, or pool more fMRI (--data a.h5 b.h5)");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pretrain-mbm: {result.Pool.TrainSamples} training + {result.Pool.HeldOutSamples} held-out samples, {result.Pool.TestSamplesExcluded} test samples excluded, {result.Pool.TestSamplesIncluded} included; held-out masked correlation {result.FinalHeldOutCorrelation:F3}; {clock.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return 0;
        }));
        return command;
    }

    /// <summary>One line per epoch on standard output, and the progress bar's status.</summary>
    private sealed class EpochPrinter(IProgress<ProgressUpdate> bar) : IProgress<MaskedBrainModelingEpoch>
    {
        public void Report(MaskedBrainModelingEpoch e)
        {
            string status = string.Create(CultureInfo.InvariantCulture,
                $"epoch {e.Epoch + 1}: loss {e.TrainLoss:G4}, held-out loss {e.HeldOutLoss:G4}, held-out r {e.HeldOutCorrelation:F3}, lr {e.LearningRate:G3}, {e.Seconds:F1} s");
            bar.Report(new ProgressUpdate(e.Epoch + 1, status));
            if (!ConsoleProgress.Interactive) Console.Out.WriteLine(status);
        }
    }
}
