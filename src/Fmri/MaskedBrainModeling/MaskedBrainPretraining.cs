using Fmri.Core.Checkpoints;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using Fmri.Data;
using TorchSharp;
using static TorchSharp.torch;
using Fmri.Core.Torch;

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
        var checkpoint = new ModelCheckpoint(outputFolder, PretrainedBrainEncoderConfig.CheckpointName);
        var run = new CheckpointedTraining("masked brain modeling", checkpoint, settings.Resume,
            new LossCurveFiles(Path.Combine(outputFolder, LossCsvFile), PngPath: null, "Masked brain modeling"), CurveColumns)
        {
            UnitsCompleted = state => state.Epoch,
            EpochCounter = epochs => (int)epochs,
        };
        // The seed of a resumed run is the one it started with: it draws the held-out share and every epoch's stream.
        long seed = run.Resuming ? run.SavedSeed(settings.Seed) : settings.Seed;
        var pool = PretrainingPool.Build(datasets, settings.IncludeTestFmri, settings.HeldOutFraction, new Random(unchecked((int)seed)));

        var config = NewConfig(settings, pool.VoxelCount);
        if (run.Resuming)
        {
            var saved = checkpoint.ReadConfig<PretrainedBrainEncoderConfig>();
            if (saved.IncludeTestFmri != config.IncludeTestFmri)
                throw new InvalidSettingException("include_test_fmri", config.IncludeTestFmri ? "given" : "not given",
                    $"the checkpoint in {outputFolder} was pretrained with include_test_fmri = {saved.IncludeTestFmri.ToString().ToLowerInvariant()}; resume with the same choice");
            if (saved.Preset != settings.Preset)
                throw new InvalidSettingException("preset", settings.Preset, $"the checkpoint in {outputFolder} was pretrained with preset '{saved.Preset}'");
            // A resumed run continues the same training: the same data width and width rule, batch and learning rate
            // (more epochs may be asked for; the cosine schedule is then laid over the new total).
            if (saved.DataVoxels != pool.VoxelCount)
                throw new InvalidSettingException("data", $"({pool.VoxelCount} voxels per sample)",
                    $"the checkpoint in {outputFolder} was pretrained on {saved.DataVoxels} voxels per sample; resume with the same data");
            if (saved.WidthPolicy != WidthPolicyNames.Name(settings.WidthPolicy))
                throw new InvalidSettingException("width_policy", WidthPolicyNames.Name(settings.WidthPolicy),
                    $"the checkpoint in {outputFolder} was pretrained with width policy '{saved.WidthPolicy}'");
            if (saved.BatchSize is int savedBatch && savedBatch != settings.BatchSize)
                throw new InvalidSettingException("batch", settings.BatchSize, $"the checkpoint in {outputFolder} was pretrained with batch {savedBatch}");
            if (saved.BaseLearningRate is double savedRate && savedRate != settings.BaseLearningRate)
                throw new InvalidSettingException("base_lr", settings.BaseLearningRate,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the checkpoint in {outputFolder} was pretrained with base learning rate {savedRate:G}"));
            config = saved;
        }
        var storedConfig = run.Resuming ? checkpoint.ReadConfig<PretrainedBrainEncoderConfig>() : config;

        using var initGenerator = new Generator(unchecked((ulong)seed));
        var model = TorchDevice.Place(new MaskedBrainAutoencoder(config.Model, initGenerator));
        var options = MaskedBrainModelingOptions.ForEpochs(settings.Epochs) with
        {
            BatchSize = settings.BatchSize,
            BaseLearningRate = settings.BaseLearningRate,
            Seed = seed,
            WidthPolicy = settings.WidthPolicy,
        };
        using var trainer = new MaskedBrainModelingTrainer(model, options);
        // Each epoch draws from its own generator seeded by (seed, epoch): there is no generator state to save.
        var generators = new Dictionary<string, Generator>();
        run.Restore(model, storedConfig, trainer.Optimizer, ema: null, generators, seed, settings.Epochs, requireOptimizerState: true);
        int startEpoch = (int)run.Step;

        int width = model.Config.NumVoxels;
        var train = VoxelWidth.EnsureWidth(width, pool.TrainVoxels, pool.VoxelCount, options.WidthPolicy, "train fMRI");
        var heldOut = VoxelWidth.EnsureWidth(width, pool.HeldOutVoxels, pool.VoxelCount, options.WidthPolicy, "held-out fMRI");
        using var trainMatrix = tensor(train, new long[] { train.Length / width, width }, device: TorchDevice.Current);          // (N_train, V)
        using var heldOutMatrix = tensor(heldOut, new long[] { heldOut.Length / width, width }, device: TorchDevice.Current);    // (N_heldout, V)
        int stepsPerEpoch = Minibatches.StepsPerEpoch(pool.TrainCount, settings.BatchSize);
        var epochs = new List<MaskedBrainModelingEpoch>();
        MaskedBrainModelingEpoch? last = null;
        run.Run(settings.Epochs, epoch =>
        {
            last = trainer.TrainEpoch((int)epoch, trainMatrix, heldOutMatrix, cancellationToken);
            epochs.Add(last);
            progress?.Report(last);
            return new TrainingUnit(last.TrainLoss, last.Epoch, [last.HeldOutLoss, last.HeldOutCorrelation, last.LearningRate],
                Status: string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"epoch {last.Epoch + 1}: loss {last.TrainLoss:G4}, held-out r {last.HeldOutCorrelation:F3}"));
        },
        checkpointDue: _ => true,
        save: state => checkpoint.Save(model, storedConfig, state, optimizer: trainer.Optimizer),
        generators,
        curveStep: epochsDone => epochsDone * stepsPerEpoch,
        stateValues: () => new Dictionary<string, double>
        {
            ["train_loss"] = last!.TrainLoss,
            ["held_out_loss"] = last.HeldOutLoss,
            ["held_out_correlation"] = last.HeldOutCorrelation,
        },
        cancellationToken: cancellationToken);

        var curve = run.Curve;
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
        var history = new MaskedBrainModelingHistory(epochs, pool.VoxelCount, width, options.WidthPolicy);
        return new MaskedBrainPretrainingResult(config, counts, startEpoch, history, seed);
    }

    /// <summary>Loads the pretrained autoencoder of a pretraining folder (weights checked against its manifest).</summary>
    public static (MaskedBrainAutoencoder Model, PretrainedBrainEncoderConfig Config) Load(string folder)
    {
        var checkpoint = new ModelCheckpoint(folder, PretrainedBrainEncoderConfig.CheckpointName);
        if (!checkpoint.Exists)
            throw new InvalidSettingException("mbm", folder, "holds no pretrained brain encoder (run pretrain-mbm first)");
        var config = checkpoint.ReadConfig<PretrainedBrainEncoderConfig>();
        using var generator = new Generator(0);   // every weight is overwritten by the checkpoint
        var model = TorchDevice.Place(new MaskedBrainAutoencoder(config.Model, generator));
        checkpoint.LoadWeights(model, config);
        return (model, config);
    }

    private static PretrainedBrainEncoderConfig NewConfig(MaskedBrainPretrainingSettings settings, int dataVoxels)
    {
        int modelVoxels = settings.WidthPolicy == WidthPolicy.PadOrCrop ? MaskedBrainAutoencoderConfig.PadToPatchMultiple(dataVoxels) : dataVoxels;
        var model = BrainEncoderPresets.FromName(settings.Preset, modelVoxels);
        if (modelVoxels % model.PatchSize != 0)
            throw new InvalidSettingException("data", $"({dataVoxels} voxels per sample)",
                $"not a multiple of the patch size {model.PatchSize}; preprocess with padding, or pass {{width_policy}} {WidthPolicyNames.PadOrCrop}");
        return new PretrainedBrainEncoderConfig
        {
            Preset = settings.Preset,
            Model = model,
            IncludeTestFmri = settings.IncludeTestFmri,
            DataVoxels = dataVoxels,
            BatchSize = settings.BatchSize,
            BaseLearningRate = settings.BaseLearningRate,
            WidthPolicy = WidthPolicyNames.Name(settings.WidthPolicy),
        };
    }
}
