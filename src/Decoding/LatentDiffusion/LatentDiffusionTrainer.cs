using System.Globalization;
using Decoding.Conditioning;
using Decoding.Diffusion;
using Fmri.Core.Checkpoints;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.LatentDiffusion;

/// <summary>What a latent-diffusion training run produced.</summary>
/// <param name="Model">The trained UNet and conditioner (live weights; the EMA weights are in the checkpoint).</param>
/// <param name="Steps">Optimiser steps taken in total (including those before a resume).</param>
/// <param name="Curve">The loss per step.</param>
public sealed record LdmTrainingResult(LatentDiffusionModel Model, long Steps, LossCurve Curve);

/// <summary>
/// Trains a class-conditional latent diffusion model (Rombach et al. 2022, eq. 3) on a frozen first stage. The
/// prompt of an image is its class name; the conditioner τ_θ turns it into the UNet's cross-attention context.
/// <code>
///   once:  μ, σ = E(x) for every training image              (first stage frozen; posterior kept, no gradients)
///   for step s:
///       z_0 = scale · (μ + σ ε')                              minibatch, ε' ~ N(0, I)       (LDM samples the posterior)
///       t ~ U{0, T − 1},  ε ~ N(0, I)
///       z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε                          (Ho et al. 2020, eq. 4)
///       c = τ_θ(class name), replaced by the learned null context with p = proportion_empty_prompts
///                                                             (Ho &amp; Salimans 2022, Algorithm 1)
///       L = ‖target − ε_θ(z_t, t, c)‖²                         target ε (eq. 14) or v = √ᾱ_t ε − √(1 − ᾱ_t) z_0
///       AdamW step (warm-up, clipping), then EMA update of all trained weights
/// </code>
/// Every draw comes from one generator seeded by the run's seed. The folder receives the checkpoint <c>ldm.*</c>
/// (UNet + conditioner weights, EMA weights, AdamW state, step and generator state, config), the tokenizer, the
/// class-mean images (for <see cref="ClassConsistency"/>), a weights-only copy of the autoencoder (<c>vae.*</c>) so the
/// folder is a complete model, and the loss curve (<c>ldm_loss.csv</c>, <c>.png</c>).
/// </summary>
public sealed class LatentDiffusionTrainer
{
    private const string GeneratorName = "train";
    private static readonly string[] CurveColumns = ["lr", "grad_norm"];

    public LatentDiffusionTrainer(LatentDiffusionPreset preset, FirstStage firstStage)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(firstStage);
        Preset = preset.Validate();
        FirstStage = firstStage;
        string owner = $"preset '{preset.Name}'";
        if ((preset.Vae is null) != (firstStage is IdentityFirstStage))
            throw new ArgumentException($"{owner}: {(preset.Vae is null ? "diffuses pixels and needs no autoencoder" : "needs an autoencoder first stage")}, got a {firstStage.Kind} first stage");
        if (firstStage.ImageChannels != preset.ImageChannels || firstStage.LatentChannels != preset.LatentChannels)
            throw new ArgumentException($"{owner}: the first stage has {firstStage.ImageChannels} image and {firstStage.LatentChannels} latent channels; the preset needs {preset.ImageChannels} and {preset.LatentChannels}");
        if (firstStage.LatentSize(preset.ImageSize) != preset.LatentSize)
            throw new ArgumentException($"{owner}: the first stage turns {preset.ImageSize}-pixel images into {firstStage.LatentSize(preset.ImageSize)}-pixel latents; the UNet expects {preset.LatentSize}");
        if (firstStage is AutoencoderFirstStage autoencoder)
        {
            var expected = preset.Vae! with { ScalingFactor = autoencoder.ScalingFactor };
            var differences = ConfigDifferences.Find(
                System.Text.Json.JsonSerializer.SerializeToElement(autoencoder.Vae.Config, ModelCheckpoint.DefaultJsonOptions),
                System.Text.Json.JsonSerializer.SerializeToElement(expected, ModelCheckpoint.DefaultJsonOptions));
            if (differences.Count > 0)
                throw new ArgumentException($"{owner}: the autoencoder was not trained with this preset's vae config ({string.Join("; ", differences)})");
        }
    }

    public LatentDiffusionPreset Preset { get; }

    public FirstStage FirstStage { get; }

    private LdmTrainingOptions Options => Preset.LdmTraining;

    /// <summary>Runs (or resumes) training; see the class summary.</summary>
    /// <param name="images">Training images with class labels; the class names become the prompts.</param>
    /// <param name="outputFolder">The model folder (see <see cref="LatentDiffusionModelFolder"/>).</param>
    /// <param name="seed">Seeds the run's only generator (ignored on resume, which continues the saved generator state).</param>
    /// <param name="resume">Continue from the folder's checkpoint instead of starting fresh.</param>
    /// <param name="progress">Receives the step count and the current loss.</param>
    /// <param name="device">Where to train (null: CPU).</param>
    public LdmTrainingResult Train(LabelledImages images, string outputFolder, long seed, bool resume = false,
        IProgress<ProgressUpdate>? progress = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        device ??= TorchDevice.Current;
        var folder = new LatentDiffusionModelFolder(outputFolder);
        var run = new CheckpointedTraining("latent diffusion training", folder.Checkpoint, resume,
            new LossCurveFiles(folder.LossCsvPath, folder.LossPngPath, "Latent diffusion training loss"), CurveColumns);

        var tokenizer = WordTokenizer.FromClassNames(images.ClassNames, Preset.Conditioner.MaxPositionEmbeddings);
        foreach (var name in images.ClassNames)
            if (WordTokenizer.Words(name).Count > tokenizer.MaxLength - 2)
                throw new InvalidSettingException("conditioner.max_position_embeddings", Preset.Conditioner.MaxPositionEmbeddings,
                    $"class name '{name}' has more than {tokenizer.MaxLength - 2} words; raise it");
        var config = LatentDiffusionModelConfig.For(Preset, FirstStage.Kind, images.ClassNames, tokenizer);
        var generator = new Generator((ulong)seed);
        var generators = new Dictionary<string, Generator> { [GeneratorName] = generator };
        var model = new LatentDiffusionModel(config, tokenizer, generator, device);
        using var optimizer = TrainingOptimizers.AdamW(model.parameters(), Options.LearningRate, Options.AdamBeta1, Options.AdamBeta2,
            Options.AdamEpsilon, Options.AdamWeightDecay);
        // The EMA starts as a copy of the initial weights; a resumed run then loads its saved shadow.
        using var ema = new ExponentialMovingAverage(model, Options.EmaDecay, EmaWarmup.StepRatio);
        run.Restore(model, config, optimizer, ema, generators, seed, Options.MaxTrainSteps);
        if (run.Resuming) folder.CheckFirstStage(FirstStage);

        // The folder is a complete model from the first checkpoint on: tokenizer, class means, first stage.
        using var pixels = ImageTensors.ToPaddedBytes(images, Preset.ImageSize, Preset.ImageChannels); // (N, C, S, S) uint8
        using (var classMeans = ClassConsistency.ClassMeans(pixels, images.Labels, images.ClassNames.Count))
            folder.SaveStaticParts(tokenizer, classMeans, ClassConsistency.OfImages(pixels, images.Labels, classMeans, images.ClassNames), FirstStage);

        // The training subset is drawn from its own generator seeded by the run's seed, so a resumed run has the same one.
        using var subset = TrainingSubset(images.Count, Options.MaxTrainImages, run.Seed);           // (M)
        using var trainPixels = pixels.index_select(0, subset);                                       // (M, C, S, S)
        using var allLabels = tensor(images.Labels.Select(l => (long)l).ToArray(), ScalarType.Int64); // (N)
        using var labels = allLabels.index_select(0, subset);                                         // (M)
        long count = subset.shape[0];
        progress?.Report(new ProgressUpdate(run.Step, $"encoding {count} training images"));
        // With augmentation each batch is transformed and encoded when drawn; without, every posterior is computed once.
        var augmentation = Options.Augmentation;
        var (latentMean, latentStd) = augmentation is null ? EncodeAll(trainPixels, device) : (empty(0), empty(0));
        using var _mean = latentMean;
        using var _std = latentStd;
        using var classTokens = tokenizer.EncodeBatch(images.ClassNames).to(device);               // (K, L)

        var schedule = NoiseSchedule.FromConfig(Preset.Scheduler);
        var predictionType = Preset.Scheduler.PredictionType;
        double scale = FirstStage.ScalingFactor;
        var learningRate = Options.LearningRateAt();
        var parameters = model.parameters().ToList();
        model.train();
        run.Run(Options.MaxTrainSteps, step =>
        {
            double lr = learningRate(step);
            LearningRateSchedules.SetLearningRate(optimizer, lr);
            using var scope = NewDisposeScope();
            int b = Options.TrainBatchSize;
            var index = Minibatches.DrawWithReplacement(count, b, generator);                        // (B)
            var deviceIndex = index.to(device);
            Tensor mean, std;                                                                         // (B, c, h, w) each
            if (augmentation is null)
            {
                mean = latentMean.index_select(0, deviceIndex);
                std = latentStd.index_select(0, deviceIndex);
            }
            else
            {
                using var noGrad = no_grad();
                var x = augmentation.Apply(ImageTensors.ToModelRange(trainPixels.index_select(0, index), device), generator, background: -1.0);
                var posterior = FirstStage.Encode(x);
                (mean, std) = (posterior.Mean, posterior.Std);
            }
            var posteriorNoise = randn(mean.shape, generator: generator).to(device);
            var z0 = (mean + std * posteriorNoise) * scale;                                           // z_0 = scale · (μ + σ ε')
            var noise = randn(z0.shape, generator: generator).to(device);                             // ε
            var timesteps = randint(0, schedule.NumTrainTimesteps, new long[] { b }, dtype: ScalarType.Int64, generator: generator).to(device); // t (B)
            var zt = ForwardProcess.AddNoise(schedule, z0, noise, timesteps);                         // z_t
            var tokens = classTokens.index_select(0, labels.index_select(0, index).to(device));        // (B, L)
            var target = ForwardProcess.TrainingTarget(predictionType, schedule, z0, noise, timesteps);
            var weights = Options.SnrGamma is { } gamma ? MinSnrWeights(schedule, timesteps, gamma, predictionType) : null;
            var (mse, gradNorm) = Step(model, optimizer, ema, parameters, zt, timesteps, tokens, target, Options, generator, weights);
            double loss = mse.item<float>();
            return new TrainingUnit(loss, Minibatches.Epoch(step + 1, b, count), [lr, gradNorm], gradNorm);
        },
        checkpointDue: step => step % Options.CheckpointingSteps == 0,
        save: state => folder.Checkpoint.Save(model, config, state, ema.ShadowParameters, ema.StateMetadata(), optimizer),
        generators, progress);
        model.eval();
        return new LdmTrainingResult(model, run.Step, run.Curve);
    }

    /// <summary>
    /// One optimiser step of the model on a prepared batch: the conditioner encodes the class tokens, a fraction of the
    /// contexts is swapped for the null context (condition dropout, drawn from <paramref name="generator"/>), the UNet
    /// predicts from the noised latents, MSE against the target, backward pass, global gradient clipping, AdamW, EMA.
    /// Returns the loss tensor (in the caller's dispose scope) and the gradient norm before clipping.
    /// </summary>
    /// <param name="noisedLatents">z_t (B, c, h, w).</param>
    /// <param name="timesteps">t (B).</param>
    /// <param name="tokens">Class tokens (B, L).</param>
    /// <param name="target">What the UNet should predict (B, c, h, w).</param>
    /// <param name="sampleWeights">Per-sample loss weights (B) (min-SNR-γ), or null for plain MSE.</param>
    public static (Tensor Loss, double GradientNorm) Step(LatentDiffusionModel model, TorchSharp.Modules.OptimizerHelper optimizer, ExponentialMovingAverage ema,
        IReadOnlyList<TorchSharp.Modules.Parameter> parameters, Tensor noisedLatents, Tensor timesteps, Tensor tokens, Tensor target,
        LdmTrainingOptions options, Generator generator, Tensor? sampleWeights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(ema);
        ArgumentNullException.ThrowIfNull(options);
        var context = model.Conditioner.forward(tokens);                                          // (B, L, D)
        context = model.Conditioner.DropContexts(context, options.ProportionEmptyPrompts, generator);
        var prediction = model.Unet.Forward(noisedLatents, timesteps, context);                   // (B, c, h, w)
        var mse = sampleWeights is null
            ? functional.mse_loss(prediction, target)
            : ((prediction - target).square().mean([1, 2, 3]) * sampleWeights).mean();
        optimizer.zero_grad();
        TorchBackends.Backward(mse); // oneDNN in the backward pass only where it is safe (TorchBackends)
        double gradNorm = GradientClipping.ClipGlobalNorm(parameters, options.MaxGradNorm);
        optimizer.step();
        ema.Step();
        return (mse, gradNorm);
    }

    /// <summary>
    /// Min-SNR-γ weights (B) of timesteps (B): min(SNR_t, γ) / SNR_t for ε-prediction, min(SNR_t, γ) / (SNR_t + 1) for
    /// v-prediction, SNR_t = ᾱ_t / (1 − ᾱ_t) (Hang et al. 2023, eq. 10 and its v form; diffusers' compute_snr).
    /// </summary>
    public static Tensor MinSnrWeights(NoiseSchedule schedule, Tensor timesteps, double gamma, PredictionType predictionType)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timesteps);
        using var scope = NewDisposeScope();
        var alphaBar = schedule.AlphasCumprodTensor(timesteps.device).to_type(ScalarType.Float64).index_select(0, timesteps);
        var snr = alphaBar / (1 - alphaBar);
        var clipped = snr.clamp_max(gamma);
        var weights = predictionType == PredictionType.VPrediction ? clipped / (snr + 1) : clipped / snr;
        return weights.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Sorted indices of the images to train on: all, or a random subset of <paramref name="max"/> drawn from a generator seeded by <paramref name="seed"/>.</summary>
    private static Tensor TrainingSubset(int count, int? max, long seed)
    {
        if (max is null || max.Value >= count) return arange(count, dtype: ScalarType.Int64);
        using var permutation = randperm(count, generator: new Generator((ulong)seed));
        using var chosen = permutation.narrow(0, 0, max.Value);
        return chosen.sort().Values;
    }

    /// <summary>The first-stage posterior of every image, (N, c, h, w) each, computed once without gradients.</summary>
    private (Tensor Mean, Tensor Std) EncodeAll(Tensor pixels, Device device)
    {
        const int Batch = 256;
        var means = new List<Tensor>();
        var stds = new List<Tensor>();
        try
        {
            using var noGrad = no_grad();
            for (long start = 0; start < pixels.shape[0]; start += Batch)
            {
                using var scope = NewDisposeScope();
                var x = ImageTensors.ToModelRange(pixels.narrow(0, start, Math.Min(Batch, pixels.shape[0] - start)), device);
                var posterior = FirstStage.Encode(x);
                means.Add(posterior.Mean.MoveToOuterDisposeScope());
                stds.Add(posterior.Std.MoveToOuterDisposeScope());
            }
            return (cat(means, 0), cat(stds, 0));
        }
        finally
        {
            foreach (var t in means.Concat(stds)) t.Dispose();
        }
    }
}
