using System.Globalization;
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
            throw new InvalidSettingException("preset", preset.Name, "has no autoencoder (it diffuses pixels); there is nothing to train with train-vae");
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
        device ??= TorchDevice.Current;
        var config = Preset.Vae!;
        var checkpoint = new ModelCheckpoint(outputFolder, CheckpointName);
        var run = new CheckpointedTraining("autoencoder training", checkpoint, resume,
            new LossCurveFiles(Path.Combine(outputFolder, LossCsvFile), Path.Combine(outputFolder, LossPngFile), "Autoencoder training loss"),
            CurveColumns);

        using var pixels = ImageTensors.ToPaddedBytes(images, Preset.ImageSize, Preset.ImageChannels); // (N, C, S, S) uint8
        var generator = new Generator((ulong)seed);
        var generators = new Dictionary<string, Generator> { [GeneratorName] = generator };
        var vae = new AutoencoderKL(config);
        SeededInitialization.Apply(vae, generator);
        if (!TorchDevice.IsHost(device)) vae.to(device);
        using var optimizer = TrainingOptimizers.AdamW(vae.parameters(), Options.LearningRate, Options.AdamBeta1, Options.AdamBeta2,
            Options.AdamEpsilon, Options.AdamWeightDecay);
        // A finished run's config holds its computed scaling factor; every other field must be the preset's.
        var storedConfig = run.Resuming ? config with { ScalingFactor = checkpoint.ReadConfig<AutoencoderKLConfig>().ScalingFactor } : config;
        run.Restore(vae, storedConfig, optimizer, ema: null, generators, seed, Options.MaxTrainSteps);

        var learningRate = Options.LearningRateAt();
        var parameters = vae.parameters().ToList();
        vae.train();
        run.Run(Options.MaxTrainSteps, step =>
        {
            double lr = learningRate(step);
            LearningRateSchedules.SetLearningRate(optimizer, lr);
            using var scope = NewDisposeScope();
            var index = Minibatches.DrawWithReplacement(pixels.shape[0], Options.TrainBatchSize, generator);   // (B)
            var x = ImageTensors.ToModelRange(pixels.index_select(0, index), device);               // (B, C, S, S)
            if (Options.Augmentation is { } augmentation) x = augmentation.Apply(x, generator, background: -1.0);   // black is -1
            var terms = AutoencoderKLLoss.Compute(vae, x, generator, Options.KlWeight, ReconstructionLoss.L1);
            optimizer.zero_grad();
            TorchBackends.Backward(terms.Total); // oneDNN in the backward pass only where it is safe (TorchBackends)
            double gradNorm = GradientClipping.ClipGlobalNorm(parameters, Options.MaxGradNorm);
            optimizer.step();
            double total = terms.Total.item<float>(), reconstruction = terms.Reconstruction.item<float>(), kl = terms.Kl.item<float>();
            return new TrainingUnit(total, Minibatches.Epoch(step + 1, Options.TrainBatchSize, images.Count), [reconstruction, kl, lr, gradNorm], gradNorm,
                string.Create(CultureInfo.InvariantCulture, $"loss {total:G4} (L1 {reconstruction:G4}, KL {kl:G4})"));
        },
        checkpointDue: step => step % Options.CheckpointingSteps == 0,
        save: state =>
        {
            // The state is captured before the scaling factor's draws, so a resumed run makes the draws the
            // uninterrupted run would have made.
            var savedConfig = config;
            if (state.Step == Options.MaxTrainSteps)
            {
                vae.eval();
                savedConfig = config with { ScalingFactor = LatentScalingFactor(vae, pixels, Options.ScalingFactorImages, generator, device) };
                vae.train();
            }
            checkpoint.Save(vae, savedConfig, state, optimizer: optimizer);
        },
        generators, progress);

        // The returned model carries the computed scaling factor in its config.
        var trained = new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>());
        checkpoint.LoadWeights(trained, trained.Config);
        if (!TorchDevice.IsHost(device)) trained.to(device);
        trained.eval();
        vae.Dispose();
        return new VaeTrainingResult(trained, run.Step, run.Curve);
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
