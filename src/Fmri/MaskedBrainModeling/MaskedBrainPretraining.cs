using Fmri.Core.Checkpoints;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using Fmri.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// A masked-brain-modeling pretraining run in one folder (MinD-Vis stage A, what <c>decoding pretrain-mbm</c> does):
/// pools the fMRI of the given files (test-split samples left out unless asked for), holds out a seeded share for
/// the per-epoch masked-reconstruction score, trains with <see cref="MaskedBrainModelingTrainer"/>, and after every
/// epoch writes the checkpoint (<c>mbm.*</c>: weights, <see cref="PretrainedBrainEncoderConfig"/>, training state,
/// AdamW state) and the loss curve (<c>mbm_loss.csv</c>; <c>mbm_loss.png</c> and <c>mbm_heldout_correlation.png</c> at the end).
/// A resumed run reloads weights and optimiser state and continues at the next epoch, exactly as if uninterrupted.
/// </summary>
public static class MaskedBrainPretraining
{
    public const string LossCsvFile = "mbm_loss.csv";
    public const string LossPngFile = "mbm_loss.png";
    public const string CorrelationPngFile = "mbm_heldout_correlation.png";

    private static readonly string[] CurveColumns = ["held_out_loss", "held_out_correlation", "learning_rate"];

    /// <param name="datasets">Preprocessed data sets with the file each came from.</param>
    /// <param name="outputFolder">Where the checkpoint and curves go.</param>
    /// <param name="progress">Receives each epoch's record.</param>
    public static MaskedBrainPretrainingResult Run(MaskedBrainPretrainingSettings settings, IReadOnlyList<(string Source, FmriDataset Data)> datasets,
        string outputFolder, IProgress<MaskedBrainModelingEpoch>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var pool = PretrainingPool.Build(datasets, settings.IncludeTestFmri, settings.HeldOutFraction, new Random(unchecked((int)settings.Seed)));
        var checkpoint = new ModelCheckpoint(outputFolder, PretrainedBrainEncoderConfig.CheckpointName);

        PretrainedBrainEncoderConfig config;
        if (settings.Resume)
        {
            if (!checkpoint.Exists)
                throw new FileNotFoundException($"{checkpoint.ManifestPath}: --resume given but {outputFolder} holds no pretraining checkpoint", checkpoint.ManifestPath);
            config = checkpoint.ReadConfig<PretrainedBrainEncoderConfig>();
            var requested = NewConfig(settings, pool.VoxelCount);
            if (config.IncludeTestFmri != requested.IncludeTestFmri)
                throw new ArgumentException($"{checkpoint.ConfigPath}: include_test_fmri is {config.IncludeTestFmri.ToString().ToLowerInvariant()} in the checkpoint; resume with the same --include-test-fmri choice");
            if (config.Preset != settings.Preset)
                throw new ArgumentException($"{checkpoint.ConfigPath}: preset is '{config.Preset}' in the checkpoint, --preset is '{settings.Preset}'");
            config = config with { DataVoxels = pool.VoxelCount, WidthPolicy = WidthPolicyNames.Name(settings.WidthPolicy) };
        }
        else
        {
            if (checkpoint.Exists)
                throw new ArgumentException($"{outputFolder}: already holds a pretraining checkpoint; pass --resume to continue it or choose another --out");
            config = NewConfig(settings, pool.VoxelCount);
        }

        using var initGenerator = new Generator(unchecked((ulong)settings.Seed));
        var model = new MaskedBrainAutoencoder(config.Model, initGenerator);
        var options = MaskedBrainModelingOptions.ForEpochs(settings.Epochs) with
        {
            BatchSize = settings.BatchSize,
            BaseLearningRate = settings.BaseLearningRate,
            Seed = settings.Seed,
            WidthPolicy = settings.WidthPolicy,
        };
        using var trainer = new MaskedBrainModelingTrainer(model, options);

        int startEpoch = 0;
        var curve = new LossCurve(CurveColumns);
        string csvPath = Path.Combine(outputFolder, LossCsvFile);
        if (settings.Resume)
        {
            // The width check of the stored config is the trainer's (VoxelWidth.EnsureWidth); the stored architecture is loaded as is.
            checkpoint.LoadWeights(model, checkpoint.ReadConfig<PretrainedBrainEncoderConfig>());
            checkpoint.LoadOptimizerState(trainer.Optimizer);
            startEpoch = checkpoint.ReadTrainingState()?.Epoch
                ?? throw new Fmri.Core.DataFormatException(checkpoint.ManifestPath, "training", "holds no training state to resume from");
            if (File.Exists(csvPath))
            {
                curve = LossCurve.Read(csvPath);
                curve.DropAfter((long)startEpoch * StepsPerEpoch(pool.TrainCount, settings.BatchSize));
            }
        }
        var storedConfig = settings.Resume ? checkpoint.ReadConfig<PretrainedBrainEncoderConfig>() : config;

        int stepsPerEpoch = StepsPerEpoch(pool.TrainCount, settings.BatchSize);
        MaskedBrainModelingEpoch? last = null;
        var recorder = new EpochRecorder(record =>
        {
            last = record;
            curve.Add((long)(record.Epoch + 1) * stepsPerEpoch, record.Epoch, record.TrainLoss,
                record.HeldOutLoss, record.HeldOutCorrelation, record.LearningRate);
            progress?.Report(record);
        });
        var history = trainer.Train(pool.TrainVoxels, pool.HeldOutVoxels, pool.VoxelCount, Math.Min(startEpoch, settings.Epochs), recorder,
            epoch =>
            {
                var state = TrainingState.Capture((long)(epoch + 1) * stepsPerEpoch, epoch + 1, settings.Seed, new Dictionary<string, Generator>(),
                    new Dictionary<string, double>
                    {
                        ["train_loss"] = last!.TrainLoss,
                        ["held_out_loss"] = last.HeldOutLoss,
                        ["held_out_correlation"] = last.HeldOutCorrelation,
                    });
                checkpoint.Save(model, storedConfig, state, optimizer: trainer.Optimizer);
                curve.Save(csvPath);
            },
            cancellationToken);

        if (curve.Points.Count > 0)
        {
            var steps = curve.Points.Select(p => (double)p.Step).ToArray();
            LossCurvePlot.Save(Path.Combine(outputFolder, LossPngFile),
                [new PlotSeries("training masked-patch MSE", steps, curve.Points.Select(p => p.Loss).ToArray()),
                 new PlotSeries("held-out masked-patch MSE", steps, curve.Points.Select(p => p.Extras[0]).ToArray())],
                logScale: true, new PlotLabels("Masked brain modeling", "step", "loss"));
            LossCurvePlot.Save(Path.Combine(outputFolder, CorrelationPngFile),
                [new PlotSeries("held-out masked voxels", steps, curve.Points.Select(p => p.Extras[1]).ToArray())],
                logScale: false, new PlotLabels("Held-out masked reconstruction", "step", "Pearson r"));
        }
        var counts = new PretrainingPoolCounts(pool.TrainCount, pool.HeldOutCount, pool.TestSamplesExcluded, pool.TestSamplesIncluded);
        return new MaskedBrainPretrainingResult(config, counts, startEpoch, history);
    }

    /// <summary>Loads the pretrained autoencoder of a pretraining folder (weights checked against its manifest).</summary>
    public static (MaskedBrainAutoencoder Model, PretrainedBrainEncoderConfig Config) Load(string folder)
    {
        var checkpoint = new ModelCheckpoint(folder, PretrainedBrainEncoderConfig.CheckpointName);
        if (!checkpoint.Exists)
            throw new FileNotFoundException($"{checkpoint.ManifestPath}: no pretrained brain encoder in {folder} (run pretrain-mbm first)", checkpoint.ManifestPath);
        var config = checkpoint.ReadConfig<PretrainedBrainEncoderConfig>();
        using var generator = new Generator(0);   // every weight is overwritten by the checkpoint
        var model = new MaskedBrainAutoencoder(config.Model, generator);
        checkpoint.LoadWeights(model, config);
        return (model, config);
    }

    private static PretrainedBrainEncoderConfig NewConfig(MaskedBrainPretrainingSettings settings, int dataVoxels)
    {
        int modelVoxels = settings.WidthPolicy == WidthPolicy.PadOrCrop ? MaskedBrainAutoencoderConfig.PadToPatchMultiple(dataVoxels) : dataVoxels;
        var model = BrainEncoderPresets.FromName(settings.Preset, modelVoxels);
        if (modelVoxels % model.PatchSize != 0)
            throw new ArgumentException(
                $"--data: {dataVoxels} voxels per sample is not a multiple of the patch size {model.PatchSize}; preprocess with padding, or pass --width-policy {WidthPolicyNames.PadOrCrop}");
        return new PretrainedBrainEncoderConfig
        {
            Preset = settings.Preset,
            Model = model,
            IncludeTestFmri = settings.IncludeTestFmri,
            DataVoxels = dataVoxels,
            WidthPolicy = WidthPolicyNames.Name(settings.WidthPolicy),
        };
    }

    private static int StepsPerEpoch(int samples, int batch) => (samples + batch - 1) / batch;

    /// <summary>Reports on the calling thread, in order (System.Progress would post to the thread pool).</summary>
    private sealed class EpochRecorder(Action<MaskedBrainModelingEpoch> handler) : IProgress<MaskedBrainModelingEpoch>
    {
        public void Report(MaskedBrainModelingEpoch value) => handler(value);
    }
}
