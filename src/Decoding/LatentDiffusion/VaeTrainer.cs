using System.Globalization;
using Fmri.Core;
using Decoding.Cli;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>What a first-stage training run produced.</summary>
/// <param name="Vae">The trained autoencoder (its config holds the computed scaling factor), in evaluation mode.</param>
/// <param name="Steps">Optimiser steps taken in total (including those before a resume).</param>
/// <param name="Curve">The loss per step.</param>
public sealed record VaeTrainingResult(AutoencoderKL Vae, long Steps, LossCurve Curve);

/// <summary>
/// Trains the first stage of latent diffusion, a KL autoencoder (Rombach et al. 2022, Sec. 3.1 and App. G), on the
/// preset's images:
/// <code>
///   for step s = 0 .. max_train_steps − 1:
///       x  = minibatch of images in [−1, 1]             (indices drawn from the run's generator)
///       z  ~ q(z | x) = N(μ(x), σ²(x))                  (reparameterised, same generator)
///       L  = Σ_pixels |x − D(z)| + kl_weight · KL(q ‖ N(0, I))      (batch mean)
///       AdamW step at lr(s) (warm-up, then constant or cosine), gradient norm clipped
///   scale = 1 / std(z) over training images           (LDM's scale_factor: 0.18215 for SD's autoencoder)
/// </code>
/// The folder receives the checkpoint <c>vae.*</c> every checkpointing_steps and at the end (weights, config with
/// diffusers' field names, AdamW state, step and generator state) and the loss curve (<c>vae_loss.csv</c>, <c>.png</c>).
/// A resumed run restores all of these and continues exactly as the uninterrupted run would have.
/// </summary>
public sealed class VaeTrainer
{
    public const string CheckpointName = "vae";
    public const string LossCsvFile = "vae_loss.csv";
    public const string LossPngFile = "vae_loss.png";
    private const string GeneratorName = "train";
    private static readonly string[] CurveColumns = ["reconstruction", "kl", "lr", "grad_norm"];

    public VaeTrainer(LatentDiffusionPreset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        Preset = preset.Validate();
        if (preset.Vae is null)
            throw new ArgumentException($"preset '{preset.Name}' has no autoencoder (it diffuses pixels); there is nothing to train with train-vae");
    }

    public LatentDiffusionPreset Preset { get; }

    private VaeTrainingOptions Options => Preset.VaeTraining;

    /// <summary>Runs (or resumes) training; see the class summary.</summary>
    /// <param name="images">Training images; smaller than the preset's size they are zero-padded.</param>
    /// <param name="outputFolder">Where the checkpoint and loss curve go.</param>
    /// <param name="seed">Seeds the run's only generator: initial weights, minibatches, posterior samples (ignored on resume, which continues the saved generator state).</param>
    /// <param name="resume">Continue from the folder's checkpoint instead of starting fresh.</param>
    /// <param name="progress">Receives the step count and the current loss.</param>
    /// <param name="device">Where to train (null: CPU).</param>
    public VaeTrainingResult Train(LabelledImages images, string outputFolder, long seed, bool resume = false,
        IProgress<ProgressUpdate>? progress = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        device ??= CPU;
        var config = Preset.Vae!;
        var checkpoint = new ModelCheckpoint(outputFolder, CheckpointName);
        TrainingRun.CheckStart(checkpoint, resume);
        string csvPath = Path.Combine(outputFolder, LossCsvFile), pngPath = Path.Combine(outputFolder, LossPngFile);

        using var pixels = ImageTensors.ToPaddedBytes(images, Preset.ImageSize, Preset.ImageChannels); // (N, C, S, S) uint8
        var generator = new Generator((ulong)seed);
        var vae = new AutoencoderKL(config);
        SeededInitialization.Apply(vae, generator);
        if (device.type != DeviceType.CPU) vae.to(device);
        using var optimizer = TrainingRun.AdamW(vae.parameters(), Options.LearningRate, Options.AdamBeta1, Options.AdamBeta2,
            Options.AdamEpsilon, Options.AdamWeightDecay);

        long step = 0;
        LossCurve curve;
        if (resume)
        {
            // A finished run's config holds its computed scaling factor; every other field must be the preset's.
            double storedScale = checkpoint.ReadConfig<AutoencoderKLConfig>().ScalingFactor;
            checkpoint.LoadWeights(vae, config with { ScalingFactor = storedScale });
            if (checkpoint.HasOptimizerState) checkpoint.LoadOptimizerState(optimizer);
            var state = checkpoint.ReadTrainingState()
                ?? throw new Fmri.Core.DataFormatException(checkpoint.ManifestPath, "training", "the checkpoint holds no training state (weights only); it cannot be resumed");
            state.RestoreGenerators(new Dictionary<string, Generator> { [GeneratorName] = generator }, checkpoint.ManifestPath);
            step = state.Step;
            seed = state.Seed; // the run keeps the seed it started from; its generator state continues
            if (step >= Options.MaxTrainSteps)
                throw new ArgumentException($"{checkpoint.ManifestPath}: the checkpoint is at step {step}; ask for more steps than that to continue (max_train_steps = {Options.MaxTrainSteps})");
            curve = TrainingRun.ResumeCurve(csvPath, step, CurveColumns);
        }
        else
        {
            curve = new LossCurve(CurveColumns);
        }

        var learningRate = Options.LearningRateAt();
        var parameters = vae.parameters().ToList();
        vae.train();
        progress?.Report(new ProgressUpdate(step, $"step {step}"));
        while (step < Options.MaxTrainSteps)
        {
            double lr = learningRate(step);
            LearningRateSchedules.SetLearningRate(optimizer, lr);
            double total, reconstruction, kl, gradNorm;
            using (var scope = NewDisposeScope())
            {
                var index = TrainingRun.DrawBatch(pixels.shape[0], Options.TrainBatchSize, generator);   // (B)
                var x = ImageTensors.ToModelRange(pixels.index_select(0, index), device);               // (B, C, S, S)
                var terms = AutoencoderKLLoss.Compute(vae, x, generator, Options.KlWeight, ReconstructionLoss.L1);
                optimizer.zero_grad();
                TorchBackends.Backward(terms.Total); // oneDNN off for the backward pass (a libtorch 2.10 defect)
                gradNorm = GradientClipping.ClipGlobalNorm(parameters, Options.MaxGradNorm);
                optimizer.step();
                total = terms.Total.item<float>();
                reconstruction = terms.Reconstruction.item<float>();
                kl = terms.Kl.item<float>();
            }
            step++;
            int epoch = TrainingRun.Epoch(step, Options.TrainBatchSize, images.Count);
            curve.Add(step, epoch, total, reconstruction, kl, lr, gradNorm);
            progress?.Report(new ProgressUpdate(step, string.Create(CultureInfo.InvariantCulture, $"loss {total:G4} (L1 {reconstruction:G4}, KL {kl:G4})")));
            if (!double.IsFinite(total))
                throw new InvalidOperationException($"autoencoder training diverged at step {step} (loss {total}); lower the learning rate");

            bool last = step == Options.MaxTrainSteps;
            if (step % Options.CheckpointingSteps == 0 || last)
            {
                // The state is captured before the scaling factor's draws, so a resumed run makes the draws the
                // uninterrupted run would have made.
                var state = TrainingState.Capture(step, epoch, seed, new Dictionary<string, Generator> { [GeneratorName] = generator });
                var savedConfig = config;
                if (last)
                {
                    vae.eval();
                    savedConfig = config with { ScalingFactor = LatentScalingFactor(vae, pixels, Options.ScalingFactorImages, generator, device) };
                    vae.train();
                }
                checkpoint.Save(vae, savedConfig, state, optimizer: optimizer);
                TrainingRun.SaveCurve(curve, csvPath, pngPath, "Autoencoder training loss");
            }
        }

        // The returned model carries the computed scaling factor in its config.
        var trained = new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>());
        checkpoint.LoadWeights(trained, trained.Config);
        if (device.type != DeviceType.CPU) trained.to(device);
        trained.eval();
        vae.Dispose();
        return new VaeTrainingResult(trained, step, curve);
    }

    /// <summary>
    /// LDM's latent scale: 1 / std of latents z ~ q(z | x) over training images (Rombach et al. 2022, Sec. 4.3.2:
    /// "rescale the latent space to unit variance"; SD's autoencoder gives 0.18215). Uses up to
    /// <paramref name="maxImages"/> images chosen with <paramref name="generator"/>.
    /// </summary>
    public static double LatentScalingFactor(AutoencoderKL vae, Tensor pixels, int maxImages, Generator generator, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(vae);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long count = Math.Min(maxImages, pixels.shape[0]);
        var chosen = randperm(pixels.shape[0], generator: generator).narrow(0, 0, count); // (n)
        double sum = 0, sumSquares = 0;
        long elements = 0;
        const int Batch = 256;
        for (long start = 0; start < count; start += Batch)
        {
            using var batchScope = NewDisposeScope();
            var index = chosen.narrow(0, start, Math.Min(Batch, count - start));
            var x = ImageTensors.ToModelRange(pixels.index_select(0, index), device);
            var z = vae.Encode(x).Sample(generator).to(ScalarType.Float64);                       // (b, c, h, w)
            sum += z.sum().item<double>();
            sumSquares += z.pow(2).sum().item<double>();
            elements += z.numel();
        }
        double mean = sum / elements;
        double variance = (sumSquares - elements * mean * mean) / (elements - 1);
        if (!(variance > 0))
            throw new InvalidOperationException("autoencoder latents have zero variance; the scaling factor is undefined");
        return 1.0 / Math.Sqrt(variance);
    }
}
