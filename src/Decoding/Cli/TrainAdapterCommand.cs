using System.CommandLine;
using Fmri.MaskedBrainModeling;
using System.Diagnostics;
using System.Globalization;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Fmri.Core.Checkpoints;
using Fmri.Core.Plots;
using Fmri.Core.Runs;
using Fmri.Core.Training;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using TorchSharp;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding train-adapter</c>: MinD-Vis stage B. Builds the double-conditioned LDM from a pretrained brain encoder
/// (<c>pretrain-mbm</c> folder) and a trained latent diffusion model (<c>train-ldm</c> folder) and trains it on the
/// training-split (fMRI, stimulus image) pairs; test stimuli are never trained on.
/// </summary>
public static class TrainAdapterCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Preprocessed canonical fMRI file", Required = true };
        var stimuli = new Option<string?>("--stimuli") { Description = "Stimulus image set (HDF5) holding every stimulus id of --data", Required = true };
        var mbm = new Option<string?>("--mbm") { Description = "pretrain-mbm output folder", Required = true };
        var ldm = new Option<string?>("--ldm") { Description = "train-ldm output folder (UNet, scheduler, autoencoder)", Required = true };
        var output = new Option<string?>("--out") { Description = "Output folder (dc_ldm.*, vae.*, loss curve, run.json)", Required = true };
        var preset = new Option<string>("--preset") { Description = "Training settings: tiny | small | paper (paper: MinD-Vis's stage B as its code runs it: lr 5.3e-5 constant, batch 5, 500 epochs, clipping 0.5, no voxel or condition dropout, encoder on the patch tokens alone)", DefaultValueFactory = _ => "small" };
        string[] presets = ["tiny", "small", "paper"];
        string ByPreset(Func<AdapterTrainingOptions, string> value) =>
            string.Join(", ", presets.Select(p => $"{p} {value(AdapterTrainingOptions.ForPreset(p))}"));
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (default: the preset's: {ByPreset(o => o.Epochs.ToString(CultureInfo.InvariantCulture))})" };
        var batch = new Option<int?>("--batch") { Description = $"Pairs per step (default: the preset's: {ByPreset(o => o.BatchSize.ToString(CultureInfo.InvariantCulture))})" };
        var lr = new Option<double?>("--lr") { Description = $"Peak AdamW learning rate (default: the preset's: {ByPreset(o => o.LearningRate.ToString("G3", CultureInfo.InvariantCulture).Replace("E-0", "e-", StringComparison.Ordinal))})" };
        string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
        var warmup = new Option<int?>("--warmup-steps") { Description = $"Optimiser steps of linear warm-up (default: the preset's: {ByPreset(o => o.WarmupSteps.ToString(CultureInfo.InvariantCulture))})" };
        var clip = new Option<double?>("--max-grad-norm") { Description = $"Global gradient-norm limit (default: the preset's: {ByPreset(o => Number(o.MaxGradNorm))})" };
        var voxelDropout = new Option<double?>("--voxel-dropout") { Description = $"Share of each sample's voxels set to zero (default: the preset's: {ByPreset(o => Number(o.VoxelDropout))})" };
        var conditionDropout = new Option<double?>("--condition-dropout") { Description = $"Probability of training on the null condition instead, which guidance needs (default: the preset's: {ByPreset(o => Number(o.ConditionDropout))})" };
        var clsToken = new Option<bool?>("--encoder-cls-token") { Description = $"true: the brain encoder runs with its CLS token among the tokens (stage A's layout); false: on the patch tokens alone, as MinD-Vis's stage B (default: the preset's: {ByPreset(o => o.ClsTokenInEncoder ? "true" : "false")})" };
        var train = new Option<string>("--train") { Description = "Trained parameters: mindvis | all | adapter-only", DefaultValueFactory = _ => "mindvis" };
        var adapterKind = new Option<string>("--adapter") { Description = "Adapter: token-conv (MinD-Vis) | pooled-cls", DefaultValueFactory = _ => "token-conv" };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --out" };
        var align = new Option<double>("--align-weight") { Description = "Weight of the term pulling the brain context toward the LDM's context of the stimulus's category (0: none, as MinD-Vis)", DefaultValueFactory = _ => 0.0 };
        var emaDecay = new Option<double>("--ema-decay") { Description = "Moving average of the trained weights, used for decoding (0: none, as MinD-Vis)", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<long>("--seed") { Description = "Seed of the adapter's initial weights and of every training draw", DefaultValueFactory = _ => 2022 };
        var threads = CommonOptions.Threads();

        var command = new Command("train-adapter", "Train the fMRI-conditioned latent diffusion model (MinD-Vis stage B) on training-split pairs");
        foreach (var option in new Option[] { data, stimuli, mbm, ldm, output, preset, epochs, batch, lr, warmup, clip, voxelDropout, conditionDropout, clsToken, train, adapterKind, align, emaDecay, resume, seed, threads })
            command.Options.Add(option);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string dataFile = Check.ExistingFile(parse.GetValue(data), "data");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string mbmDir = Check.ExistingFolder(parse.GetValue(mbm), "mbm", "run pretrain-mbm first");
            string ldmDir = Check.ExistingFolder(parse.GetValue(ldm), "ldm", "run train-ldm first");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", "train-adapter", (dataFile, "data"), (stimuliFile, "stimuli"), (mbmDir, "mbm"), (ldmDir, "ldm"));
            bool resuming = parse.GetValue(resume);
            var folder = new DoubleConditionedLdmFolder(outDir);
            CheckpointedTraining.CheckStart(folder.Checkpoint, resuming);
            torchOptions.Apply(parse);
            var kind = Check.OneOf(parse.GetValue(adapterKind), AdapterKinds, "adapter");
            var defaults = AdapterTrainingOptions.ForPreset(parse.GetValue(preset)!);
            var options = defaults with
            {
                Epochs = parse.GetValue(epochs) ?? defaults.Epochs,
                BatchSize = parse.GetValue(batch) ?? defaults.BatchSize,
                LearningRate = parse.GetValue(lr) ?? defaults.LearningRate,
                WarmupSteps = parse.GetValue(warmup) ?? defaults.WarmupSteps,
                MaxGradNorm = parse.GetValue(clip) ?? defaults.MaxGradNorm,
                VoxelDropout = parse.GetValue(voxelDropout) ?? defaults.VoxelDropout,
                ConditionDropout = parse.GetValue(conditionDropout) ?? defaults.ConditionDropout,
                ClsTokenInEncoder = parse.GetValue(clsToken) ?? defaults.ClsTokenInEncoder,
                Trainable = TrainablePartsRules.Parse(parse.GetValue(train)!),
                Seed = parse.GetValue(seed),
                AlignmentWeight = parse.GetValue(align),
                EmaDecay = parse.GetValue(emaDecay),
            };
            options.Validate();

            using var initGenerator = new torch.Generator(unchecked((ulong)options.Seed));
            Check.That(options.ClsTokenInEncoder || kind != FmriAdapterKind.PooledCls, "encoder_cls_token", false, "leaves no CLS token for the pooled-cls adapter to read; use --adapter token-conv");
            var (model, firstStage) = DoubleConditionedLdmFolder.Build(mbmDir, ldmDir, options.Trainable, kind, initGenerator, options.ClsTokenInEncoder);
            var fmri = CanonicalFile.ReadFinite(dataFile);
            var images = StimulusImageSet.Read(stimuliFile);
            var pairs = BrainEncoderWidth.Fit(
                StimulusPairs.ForTraining(fmri, dataFile, images, stimuliFile, model.Config.ImageSize, model.Config.ImageChannels),
                model.Config.BrainEncoder, dataFile);

            using var alignment = options.AlignmentWeight > 0 ? DoubleConditionedLdmFolder.CategoryContexts(ldmDir, images.CategoryNames, pairs.Categories) : null;
            options = options with { BatchSize = SmallDataWarnings.ClampBatch(options.BatchSize, pairs.Count, "--batch", "fMRI-image training pairs") };
            using var trainer = new ConditioningAdapterTrainer(model, firstStage, options);
            int stepsPerEpoch = trainer.StepsPerEpoch(pairs.Count);
            var resumedState = resuming ? folder.Checkpoint.ReadTrainingState() : null;
            long startStep = resumedState?.Step ?? 0;
            long seedUsed = resumedState?.Seed ?? options.Seed;      // a resumed run keeps the seed it started with
            int startEpoch = (int)(startStep / stepsPerEpoch);
            var curve = ConsoleProgress.Run("training the fMRI-conditioned LDM", (double)options.Epochs * stepsPerEpoch, progress =>
                trainer.Train(pairs, outDir, resuming, progress, (completed, meanLoss) =>
                {
                    if (!ConsoleProgress.Interactive)
                        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {completed}: mean loss {meanLoss:G4} over {stepsPerEpoch} steps"));
                }, alignment));

            SmallDataWarnings.LearnedLittle(curve, "train-adapter", "train longer (--epochs) or at a higher --lr");

            new RunManifest
            {
                Command = "train-adapter",
                Arguments = CommandLineApp.Arguments,
                Config = new
                {
                    Options = options,
                    Trainable = TrainablePartsRules.Name(options.Trainable),
                    TrainableParameters = trainer.TrainableParameters.Sum(p => p.Parameter.numel()),
                    TotalParameters = model.parameters().Sum(p => p.numel()),
                    TrainingPairs = pairs.Count,
                    TestStimuliInTraining = 0,
                    BrainEncoderIncludedTestFmri = model.Config.BrainEncoder.IncludeTestFmri,
                    CropAugmentation = "image space before encoding; uncropped latents precomputed once",
                    StartEpoch = startEpoch,
                    MbmFolder = Path.GetFullPath(mbmDir),
                    LdmFolder = Path.GetFullPath(ldmDir),
                    Model = model.Config,
                },
                Seeds = new Dictionary<string, long> { ["seed"] = seedUsed },
                InputSha256 = RunManifest.HashInputs([dataFile, stimuliFile, .. new ModelCheckpoint(mbmDir, PretrainedBrainEncoderConfig.CheckpointName).ModelFiles,
                    .. new LatentDiffusionModelFolder(ldmDir).ModelFiles]),
                Outputs = [$"{DoubleConditionedLdmFolder.CheckpointName}.*", DoubleConditionedLdmFolder.LossCsvFile, DoubleConditionedLdmFolder.LossPngFile],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train-adapter: {pairs.Count} training pairs, {trainer.TrainableParameters.Sum(p => p.Parameter.numel())} trainable parameters ({TrainablePartsRules.Name(options.Trainable)}), last epoch's mean loss {(curve.Points.Count > 0 ? curve.MeanLoss(curve.Points[^1].Epoch) : double.NaN):G4}; {clock.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return 0;
        }));
        return command;
    }

    private static readonly Dictionary<string, FmriAdapterKind> AdapterKinds = new()
    {
        ["token-conv"] = FmriAdapterKind.TokenConv,
        ["pooled-cls"] = FmriAdapterKind.PooledCls,
    };
}
