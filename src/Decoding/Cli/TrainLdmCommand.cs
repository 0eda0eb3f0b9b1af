using System.CommandLine;
using Fmri.Core.Training;
using System.Diagnostics;
using System.Globalization;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using Fmri.Core.Imaging;
using Fmri.Core.Runs;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// `decoding train-ldm`: trains a class-conditional latent diffusion model (UNet + label conditioner) on the latents of
/// a frozen autoencoder from train-vae, and writes a complete model folder (see <see cref="LatentDiffusionModelFolder"/>)
/// with a preview grid (samples.png) and run.json.
/// </summary>
public static class TrainLdmCommand
{
    public const string PreviewFile = "samples.png";

    public static Command Create()
    {
        var vae = new Option<string>("--vae") { Description = "folder of a trained autoencoder (the --out of train-vae)", Required = true };
        var images = new Option<string>("--images") { Description = "training images: 'fashion-mnist', a stimulus file (decoding stimuli import; with --data, --train-ids or --all-images) or a folder (Fashion-MNIST IDX files, or one sub-folder of PNG/JPEG per class)", DefaultValueFactory = _ => TrainingImageSource.FashionMnistName };
        var preset = new Option<string>("--preset") { Description = "model size: tiny (tests) or small (demo); must be the autoencoder's", DefaultValueFactory = _ => LatentDiffusionPreset.SmallName };
        var output = new Option<string>("--out", "-o") { Description = "model folder to write", Required = true };
        var steps = new Option<long?>("--steps") { Description = $"optimiser steps in total (default: the preset's: {LatentDiffusionPreset.ByPreset(p => p.LdmTraining.MaxTrainSteps)})" };
        var resume = new Option<bool>("--resume") { Description = "continue the checkpoint in --out (weights, EMA, optimiser, step, generator state)" };
        var continueFrom = new Option<string?>("--continue-from") { Description = "start --out as a copy of this train-ldm folder's checkpoint and train it on to --steps: the same run continued (weights, EMA, optimiser, step, generator state), the source folder left as it is; the images and --vae must be the source's" };
        var seed = CommonOptions.Seed();
        var checkpointEvery = new Option<long?>("--checkpoint-every") { Description = $"save a checkpoint every N steps (default: the preset's: {LatentDiffusionPreset.ByPreset(p => p.LdmTraining.CheckpointingSteps)})" };
        var prediction = new Option<string>("--prediction-type") { Description = "what the UNet predicts: epsilon or v_prediction", DefaultValueFactory = _ => "epsilon" };
        prediction.AcceptOnlyFromAmong("epsilon", "v_prediction");
        var lrScheduler = new Option<string?>("--lr-scheduler") { Description = "learning rate after warm-up: constant (the peak rate throughout) or cosine (a half cosine down to 0 at the last step) (default: the preset's, constant)" };
        lrScheduler.AcceptOnlyFromAmong("constant", "cosine");
        var snrGamma = new Option<double?>("--snr-gamma") { Description = "min-SNR-γ loss weighting (Hang et al. 2023; 5 in the paper): weight min(SNR, γ)/SNR per sample (default: none, plain MSE)" };
        var previewSteps = new Option<int>("--preview-steps") { Description = "DDIM steps of the preview grid (0: no preview)", DefaultValueFactory = _ => 25 };
        var threads = CommonOptions.Threads();

        var command = new Command("train-ldm", "Train a class-conditional latent diffusion model (UNet + label conditioner, condition dropout for guidance, EMA) on a frozen autoencoder")
        {
            vae, images, preset, output, steps, resume, continueFrom, seed, checkpointEvery, prediction, lrScheduler, snrGamma, previewSteps, threads,
        };
        var imageOptions = TrainingImageOptions.AddTo(command);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            torchOptions.Apply(parse);
            var chosen = LatentDiffusionPreset.FromName(parse.GetValue(preset)!);
            chosen = chosen with
            {
                Scheduler = chosen.Scheduler with
                {
                    PredictionType = parse.GetValue(prediction) == "v_prediction" ? PredictionType.VPrediction : PredictionType.Epsilon,
                },
                LdmTraining = chosen.LdmTraining with
                {
                    MaxTrainSteps = parse.GetValue(steps) ?? chosen.LdmTraining.MaxTrainSteps,
                    CheckpointingSteps = parse.GetValue(checkpointEvery) ?? chosen.LdmTraining.CheckpointingSteps,
                    Augmentation = imageOptions.Augmentation(parse),
                    LrScheduler = parse.GetValue(lrScheduler) switch
                    {
                        "cosine" => LearningRateSchedule.Cosine,
                        "constant" => LearningRateSchedule.ConstantWithWarmup,
                        _ => chosen.LdmTraining.LrScheduler,
                    },
                    SnrGamma = parse.GetValue(snrGamma) ?? chosen.LdmTraining.SnrGamma,
                },
            };
            chosen.Validate();
            int preview = parse.GetValue(previewSteps);
            Check.AtLeast(preview, 0, "preview_steps");
            string vaeFolder = Check.ExistingFolder(parse.GetValue(vae), "vae", "run train-vae first");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "train-ldm", (vaeFolder, "vae"), (parse.GetValue(images), "images"),
                (imageOptions.Selection(parse).FmriFile, "data"));
            bool resuming = parse.GetValue(resume);
            string? source = parse.GetValue(continueFrom) is { } from ? ContinuedRun.CheckSource(from, folder, chosen.LdmTraining.MaxTrainSteps) : null;
            // A continuation resumes the copy it makes; with --resume it resumes a continuation that was interrupted.
            CheckpointedTraining.CheckStart(new LatentDiffusionModelFolder(folder).Checkpoint, resuming);
            long runSeed = parse.GetValue(seed);

            var data = TrainingImageSource.Load(parse.GetValue(images)!, chosen, imageOptions.Selection(parse));
            // Hashed once: a continuation compares them with its source's, and run.json records them.
            var inputHashes = RunManifest.HashInputs([.. data.InputFiles, .. new ModelCheckpoint(vaeFolder, VaeTrainer.CheckpointName).ModelFiles]);
            if (source is not null && !resuming)
            {
                ContinuedRun.CheckInputs(source, inputHashes, [.. new ModelCheckpoint(vaeFolder, VaeTrainer.CheckpointName).ModelFiles.Skip(1)]);
                ContinuedRun.Copy(source, folder);
                resuming = true;
            }
            Console.WriteLine($"training images: {data.Description}");
            // The trainer checks the autoencoder against the preset; the batch warning comes after that check, so a
            // mismatch is the only line printed.
            int presetBatch = chosen.LdmTraining.TrainBatchSize;
            chosen = chosen with
            {
                LdmTraining = chosen.LdmTraining with
                {
                    TrainBatchSize = data.Images.Count > 0 ? Math.Min(presetBatch, data.Images.Count) : presetBatch,
                },
            };
            var firstStage = new AutoencoderFirstStage(LoadAutoencoder(vaeFolder));
            var trainer = new LatentDiffusionTrainer(chosen, firstStage);
            SmallDataWarnings.ClampBatch(presetBatch, data.Images.Count, "the preset's batch", "training images");

            var result = ConsoleProgress.Run($"train-ldm ({chosen.Name})", chosen.LdmTraining.MaxTrainSteps,
                progress => trainer.Train(data.Images, folder, runSeed, resuming, progress));

            var modelFolder = new LatentDiffusionModelFolder(folder);
            var outputs = new List<string>
            {
                modelFolder.Checkpoint.WeightsPath, modelFolder.Checkpoint.EmaWeightsPath, modelFolder.Checkpoint.ConfigPath,
                modelFolder.VaeCheckpoint.WeightsPath, modelFolder.TokenizerPath, modelFolder.ClassMeansPath,
                modelFolder.LossCsvPath, modelFolder.LossPngPath,
            };
            if (preview > 0)
            {
                string grid = Path.Combine(folder, PreviewFile);
                SavePreview(modelFolder, preview, runSeed, grid);
                outputs.Add(grid);
            }
            new RunManifest
            {
                Command = "train-ldm",
                Arguments = CommandLineApp.Arguments,
                Config = new
                {
                    preset = chosen, images = data.Description, vae = vaeFolder, vae_scaling_factor = firstStage.ScalingFactor, resumed = parse.GetValue(resume),
                    continued_from = source is null ? null : Path.GetFullPath(source), preview_steps = preview,
                },
                Seeds = new Dictionary<string, long> { ["training"] = runSeed, ["preview"] = runSeed },
                InputSha256 = inputHashes,
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));

            SmallDataWarnings.LearnedLittle(result.Curve, "train-ldm", "train longer (--steps), or with --augment on few images");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained the latent diffusion model to step {result.Steps} (loss {result.Curve.Points[^1].Loss:G4}) in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}"));
            return 0;
        }, new Dictionary<string, string>(TrainVaeCommand.StepAliases("ldm_training")) { ["ldm_training.snr_gamma"] = "--snr-gamma" }));
        return command;
    }

    /// <summary>The autoencoder of a train-vae folder; a missing folder or checkpoint is a one-line error.</summary>
    private static AutoencoderKL LoadAutoencoder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--vae {folder}: folder not found");
        var checkpoint = new ModelCheckpoint(folder, VaeTrainer.CheckpointName);
        if (!checkpoint.Exists)
            throw new FileNotFoundException($"--vae {folder}: no autoencoder checkpoint ({checkpoint.ManifestPath}); train one with train-vae", checkpoint.ManifestPath);
        var model = new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>());
        checkpoint.LoadWeights(model, model.Config);
        return model;
    }

    /// <summary>Four samples per class with the EMA weights (DDIM, guidance 3), one row per class.</summary>
    private static void SavePreview(LatentDiffusionModelFolder folder, int steps, long seed, string path)
    {
        using var scope = NewDisposeScope();
        var pipeline = folder.LoadPipeline();
        var options = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = steps, GuidanceScale = 3.0 };
        var generator = new Generator((ulong)seed);
        const int PerClass = 4;
        var prompts = pipeline.ClassNames.SelectMany(name => Enumerable.Repeat(name, PerClass)).ToList();
        using var images = pipeline.Generate(prompts, options, generator);          // (K·4, C, S, S)
        var grid = new ImageGrid(scale: 3, title: $"Samples (DDIM {steps} steps, guidance 3, EMA weights)");
        for (int k = 0; k < pipeline.ClassNames.Count; k++)
            grid.AddRow(pipeline.ClassNames[k], Enumerable.Range(k * PerClass, PerClass).Select(i => ImageTensors.ToHwcPixels(images[i])));
        grid.Save(path);
    }
}
