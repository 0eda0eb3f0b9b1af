using System.CommandLine;
using Fmri.Core.Training;
using Fmri.Core.Checkpoints;
using System.Diagnostics;
using System.Globalization;
using Decoding.LatentDiffusion;
using Fmri.Core.Imaging;
using Fmri.Core.Runs;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// `decoding train-vae`: trains the first-stage KL autoencoder of a latent diffusion preset on labelled images and
/// writes its checkpoint (vae.*), loss curve, a reconstruction grid and run.json into --out.
/// </summary>
public static class TrainVaeCommand
{
    public const string ReconstructionsFile = "reconstructions.png";

    public static Command Create()
    {
        var images = new Option<string>("--images") { Description = "training images: 'fashion-mnist', a stimulus file (decoding stimuli import; with --data, --train-ids or --all-images) or a folder (Fashion-MNIST IDX files, or one sub-folder of PNG/JPEG per class)", DefaultValueFactory = _ => TrainingImageSource.FashionMnistName };
        var preset = new Option<string>("--preset") { Description = "model size: tiny (tests) or small (demo)", DefaultValueFactory = _ => LatentDiffusionPreset.SmallName };
        var output = new Option<string>("--out", "-o") { Description = "folder for the checkpoint, loss curve and run.json", Required = true };
        var steps = new Option<long?>("--steps") { Description = $"optimiser steps in total (default: the preset's: {LatentDiffusionPreset.ByPreset(p => p.VaeTraining.MaxTrainSteps)})" };
        var resume = new Option<bool>("--resume") { Description = "continue the checkpoint in --out (weights, optimiser, step, generator state)" };
        var seed = CommonOptions.Seed();
        var checkpointEvery = new Option<long?>("--checkpoint-every") { Description = $"save a checkpoint every N steps (default: the preset's: {LatentDiffusionPreset.ByPreset(p => p.VaeTraining.CheckpointingSteps)})" };
        var threads = CommonOptions.Threads();

        var command = new Command("train-vae", "Train the first-stage KL autoencoder of latent diffusion (L1 + kl_weight·KL, AdamW) and compute its latent scaling factor")
        {
            images, preset, output, steps, resume, seed, checkpointEvery, threads,
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
                VaeTraining = chosen.VaeTraining with
                {
                    MaxTrainSteps = parse.GetValue(steps) ?? chosen.VaeTraining.MaxTrainSteps,
                    CheckpointingSteps = parse.GetValue(checkpointEvery) ?? chosen.VaeTraining.CheckpointingSteps,
                    Augmentation = imageOptions.Augmentation(parse),
                },
            };
            chosen.Validate();
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "train-vae", (parse.GetValue(images), "images"), (imageOptions.Selection(parse).FmriFile, "data"));
            CheckpointedTraining.CheckStart(new ModelCheckpoint(folder, VaeTrainer.CheckpointName), parse.GetValue(resume));
            string source = parse.GetValue(images)!;
            long runSeed = parse.GetValue(seed);
            if (parse.GetValue(resume))
            {
                // The checkpoint's architecture is checked before any warning, so a mismatch is the only line printed.
                var previous = new ModelCheckpoint(folder, VaeTrainer.CheckpointName);
                previous.CheckConfig(chosen.Vae! with { ScalingFactor = previous.ReadConfig<Decoding.Models.Vae.AutoencoderKLConfig>().ScalingFactor });
            }
            var data = TrainingImageSource.Load(source, chosen, imageOptions.Selection(parse));
            Console.WriteLine($"training images: {data.Description}");
            chosen = chosen with
            {
                VaeTraining = chosen.VaeTraining with
                {
                    TrainBatchSize = SmallDataWarnings.ClampBatch(chosen.VaeTraining.TrainBatchSize, data.Images.Count, "the preset's batch", "training images"),
                },
            };
            var trainer = new VaeTrainer(chosen);

            var result = ConsoleProgress.Run($"train-vae ({chosen.Name})", chosen.VaeTraining.MaxTrainSteps,
                progress => trainer.Train(data.Images, folder, runSeed, parse.GetValue(resume), progress));

            string grid = Path.Combine(folder, ReconstructionsFile);
            SaveReconstructions(result, data.Images, chosen, grid);
            var outputs = new[]
            {
                Path.Combine(folder, $"{VaeTrainer.CheckpointName}.safetensors"), Path.Combine(folder, $"{VaeTrainer.CheckpointName}.config.json"),
                Path.Combine(folder, VaeTrainer.LossCsvFile), Path.Combine(folder, VaeTrainer.LossPngFile), grid,
            };
            new RunManifest
            {
                Command = "train-vae",
                Arguments = CommandLineApp.Arguments,
                Config = new { preset = chosen, images = data.Description, resumed = parse.GetValue(resume), scaling_factor = result.Vae.ScalingFactor },
                Seeds = new Dictionary<string, long> { ["training"] = runSeed },
                InputSha256 = RunManifest.HashInputs([.. data.InputFiles]),
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));

            SmallDataWarnings.LearnedLittle(result.Curve, "train-vae", "train longer (--steps), or with --augment on few images");
            var last = result.Curve.Points[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained the autoencoder to step {result.Steps} (loss {last.Loss:G4}), scaling factor {result.Vae.ScalingFactor:G5}, in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}"));
            return 0;
        }, StepAliases("vae_training")));
        return command;
    }

    /// <summary>The first eight training images (top row) and their reconstructions from the posterior mean (bottom row).</summary>
    private static void SaveReconstructions(VaeTrainingResult result, LabelledImages images, LatentDiffusionPreset preset, string path)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int count = Math.Min(8, images.Count);
        int length = images.Height * images.Width * images.Channels;
        var first = new LabelledImages(images.Pixels[..(count * length)], count, images.Height, images.Width, images.Channels,
            images.Labels[..count], images.ClassNames);
        var pixels = ImageTensors.ToPaddedBytes(first, preset.ImageSize, preset.ImageChannels);   // (8, C, S, S)
        var x = ImageTensors.ToModelRange(pixels);
        var reconstructed = ImageTensors.ToUnitRange(result.Vae.Decode(result.Vae.Encode(x).Mode()));
        var originals = ImageTensors.ToUnitRange(x);
        new ImageGrid(scale: 3, title: "Autoencoder reconstructions")
            .AddRow("input", Enumerable.Range(0, count).Select(i => ImageTensors.ToHwcPixels(originals[i])))
            .AddRow("reconstruction", Enumerable.Range(0, count).Select(i => ImageTensors.ToHwcPixels(reconstructed[i])))
            .Save(path);
    }

    /// <summary>The preset fields that <c>--steps</c> and <c>--checkpoint-every</c> set, in a training section of the preset.</summary>
    internal static IReadOnlyDictionary<string, string> StepAliases(string section) => new Dictionary<string, string>
    {
        [$"{section}.max_train_steps"] = "--steps",
        [$"{section}.checkpointing_steps"] = "--checkpoint-every",
    };
}
