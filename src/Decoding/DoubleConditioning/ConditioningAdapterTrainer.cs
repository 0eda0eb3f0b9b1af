using System.Globalization;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using Fmri.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.DoubleConditioning;

/// <summary>
/// Trains a <see cref="DoubleConditionedLdm"/> on (fMRI, stimulus image) pairs with the latent-diffusion objective
/// (Rombach et al. 2022, Eq. 2), MinD-Vis stage B. One step:
/// <code>
///   v  = voxels with a random 20% set to 0                         voxel dropout
///   x  = image, with p = 0.5 a random crop of side 0.8 S resized back to S     (image space, before encoding)
///   z0 = scale · (μ(x) + σ(x) ε'),  μ, σ from the frozen first stage (precomputed once for uncropped images)
///   c, e = adapter(brain_encoder(v)), replaced by the null condition with p = 0.1
///   L  = ‖ target(z0, ε, t) − ε_θ(√ᾱ_t z0 + √(1−ᾱ_t) ε, t, c, e) ‖²
/// </code>
/// Only the parameters selected by <see cref="AdapterTrainingOptions.Trainable"/> have requires_grad and are given to
/// AdamW; the rest of the UNet and the whole first stage stay bit-identical. Every random draw comes from
/// <see cref="Generator"/> (seeded from the options); restore its state to resume exactly.
/// </summary>
public sealed class ConditioningAdapterTrainer : IDisposable
{
    private readonly DoubleConditionedLdm model;
    private readonly FirstStage firstStage;
    private readonly AdapterTrainingOptions options;
    private readonly List<Parameter> trainable;
    private readonly NoiseSchedule schedule;

    public ConditioningAdapterTrainer(DoubleConditionedLdm model, FirstStage firstStage, AdapterTrainingOptions options)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.firstStage = firstStage ?? throw new ArgumentNullException(nameof(firstStage));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        TrainableParameters = model.SetTrainable(options.Trainable);
        trainable = TrainableParameters.Select(p => p.Parameter).ToList();
        if (trainable.Count == 0) throw new InvalidSettingException("train", TrainablePartsRules.Name(options.Trainable), "leaves no parameter trainable");
        Optimizer = optim.AdamW(trainable, options.LearningRate, 0.9, 0.999, 1e-8, options.WeightDecay);
        Generator = new Generator(unchecked((ulong)options.Seed));
        schedule = NoiseSchedule.FromConfig(model.Config.Scheduler);
    }

    /// <summary>The parameters being trained, by name.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters { get; }

    public AdamW Optimizer { get; }

    /// <summary>The run's only source of randomness.</summary>
    public Generator Generator { get; }

    public AdapterTrainingOptions Options => options;

    /// <summary>Optimiser steps per epoch for <paramref name="count"/> pairs.</summary>
    public int StepsPerEpoch(int count) => (count + options.BatchSize - 1) / options.BatchSize;

    /// <summary>
    /// Trains (or resumes) for <see cref="AdapterTrainingOptions.Epochs"/> epochs on the shared checkpointed scaffold:
    /// the model folder receives the checkpoint after every epoch (model, AdamW state, generator state) and the loss
    /// curve (one row per step).
    /// </summary>
    /// <param name="outputFolder">The model folder (<see cref="DoubleConditionedLdmFolder"/>).</param>
    /// <param name="resume">Continue the folder's checkpoint.</param>
    /// <param name="epochEnded">Called after each epoch's checkpoint with (epochs completed, the epoch's mean loss).</param>
    /// <param name="alignmentContexts">(N, T, D_ctx): for each pair, the LDM conditioner's context of its stimulus's
    /// category, the target of the alignment term (<see cref="AdapterTrainingOptions.AlignmentWeight"/>); null without it.</param>
    /// <returns>The loss curve of the whole run (rows before a resume included).</returns>
    public LossCurve Train(StimulusPairs pairs, string outputFolder, bool resume = false, IProgress<ProgressUpdate>? progress = null,
        Action<int, double>? epochEnded = null, Tensor? alignmentContexts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (options.AlignmentWeight > 0 && alignmentContexts is null)
            throw new InvalidSettingException("align_weight", options.AlignmentWeight, "needs the category contexts of the training pairs");
        if (alignmentContexts is not null && alignmentContexts.shape[0] != pairs.Count)
            throw new ArgumentException($"adapter training: {alignmentContexts.shape[0]} alignment contexts for {pairs.Count} pairs");
        if (pairs.VoxelCount != model.BrainEncoder.Config.NumVoxels)
            throw new InvalidSettingException("data", $"({pairs.VoxelCount} voxels per sample)",
                $"the brain encoder reads {model.BrainEncoder.Config.NumVoxels} voxels per sample");
        var folder = new DoubleConditionedLdmFolder(outputFolder);
        int n = pairs.Count, stepsPerEpoch = StepsPerEpoch(n);
        long totalSteps = (long)options.Epochs * stepsPerEpoch;
        var run = new CheckpointedTraining("fMRI-conditioned LDM training", folder.Checkpoint, resume,
            new LossCurveFiles(folder.LossCsvPath, folder.LossPngPath, "fMRI-conditioned LDM training loss"), ["lr"])
        {
            EpochCounter = steps => (int)(steps / stepsPerEpoch),
        };
        var generators = new Dictionary<string, Generator> { [DoubleConditionedLdmFolder.GeneratorName] = Generator };
        using var ema = options.EmaDecay > 0 ? new ExponentialMovingAverage(model, options.EmaDecay, EmaWarmup.StepRatio) : null;
        run.Restore(model, model.Config, Optimizer, ema, generators, options.Seed, totalSteps, requireOptimizerState: true);

        var device = TorchDevice.Current;
        using var voxels = tensor(pairs.Voxels, new long[] { n, pairs.VoxelCount }, device: device);  // (N, V)
        using var images = ImageTensors.ToModelRange(pairs.Images, device);                           // (N, C, S, S) in [−1, 1]
        var (meanAll, stdAll) = Encode(images);                                                       // (N, c, h, w) each
        using var _mean = meanAll;
        using var _std = stdAll;
        using var alignmentTargets = alignmentContexts?.to(device, copy: true);                                 // (N, T, D_ctx)
        var learningRate = LearningRateSchedules.ConstantWithWarmup(options.LearningRate, options.WarmupSteps);
        double scale = firstStage.ScalingFactor;
        Tensor? order = null;
        try
        {
            run.Run(totalSteps, step =>
            {
                int epoch = (int)(step / stepsPerEpoch), s = (int)(step % stepsPerEpoch);
                if (s == 0)
                {
                    model.train();
                    order?.Dispose();
                    order = randperm(n, generator: Generator);                                        // (N) this epoch's order
                }
                double lr = learningRate(step);
                LearningRateSchedules.SetLearningRate(Optimizer, lr);
                using var scope = NewDisposeScope();
                int start = s * options.BatchSize, b = Math.Min(options.BatchSize, n - start);
                var index = order!.narrow(0, start, b).to(device);                                    // (B)
                var v = voxels.index_select(0, index);                                                // (B, V)
                if (options.VoxelDropout > 0)
                    v = v * rand(v.shape, generator: Generator).ge(options.VoxelDropout).to(v.dtype).to(device); // 20% of voxels to 0
                var (mean, std) = AugmentedPosterior(images.index_select(0, index), meanAll.index_select(0, index), stdAll.index_select(0, index));
                var z0 = (mean + std * randn(mean.shape, generator: Generator).to(device)) * scale;    // (B, c, h, w)
                var noise = randn(z0.shape, generator: Generator).to(device);                         // ε
                var t = randint(0, schedule.NumTrainTimesteps, new long[] { b }, dtype: ScalarType.Int64, generator: Generator).to(device);   // (B)
                var zt = ForwardProcess.AddNoise(schedule, z0, noise, t);
                var brain = model.Condition(v, Generator);
                // Alignment: ‖c − τ(category)‖² pulls the brain context toward the context the UNet was trained on.
                var alignment = options.AlignmentWeight > 0
                    ? functional.mse_loss(brain.Context, alignmentTargets!.index_select(0, index)) * options.AlignmentWeight
                    : null;
                var condition = model.Adapter.DropConditions(brain, options.ConditionDropout, Generator);
                var prediction = model.PredictNoise(zt, t, condition);
                var target = ForwardProcess.TrainingTarget(model.Config.Scheduler.PredictionType, schedule, z0, noise, t);
                var mse = functional.mse_loss(prediction, target);
                var total = alignment is null ? mse : mse + alignment;
                Optimizer.zero_grad();
                TorchBackends.Backward(total); // oneDNN in the backward pass only where it is safe (TorchBackends)
                double gradNorm = GradientClipping.ClipGlobalNorm(trainable, options.MaxGradNorm);
                Optimizer.step();
                ema?.Step();
                double loss = total.item<float>();
                return new TrainingUnit(loss, epoch, [lr], gradNorm,
                    string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}, loss {loss:G4}"));
            },
            checkpointDue: steps => steps % stepsPerEpoch == 0,
            save: state =>
            {
                folder.Save(model, firstStage, state, Optimizer, ema);
                epochEnded?.Invoke(state.Epoch, run.Curve.MeanLoss(state.Epoch - 1));
            },
            generators, progress, cancellationToken: cancellationToken);
        }
        finally
        {
            order?.Dispose();
        }
        model.eval();
        return run.Curve;
    }

    /// <summary>
    /// The first-stage posterior of each image of the batch: the precomputed one, or, for images drawn for the random
    /// crop (probability <see cref="AdapterTrainingOptions.CropProbability"/>), the posterior of the crop of side
    /// CropScale · S at a random position, resized back to S (bilinear) and encoded now.
    /// </summary>
    private (Tensor Mean, Tensor Std) AugmentedPosterior(Tensor images, Tensor mean, Tensor std)
    {
        if (options.CropProbability <= 0 || options.CropScale >= 1) return (mean, std);
        long b = images.shape[0], size = images.shape[3];
        long side = Math.Max(1, (long)Math.Round(size * options.CropScale));
        var cropped = rand(new long[] { b }, generator: Generator).lt(options.CropProbability);       // (B)
        var offsets = randint(0, size - side + 1, new long[] { b, 2 }, dtype: ScalarType.Int64, generator: Generator);   // (B, 2) y, x
        var picked = TorchDevice.HostArray<long>(cropped.nonzero().flatten());
        if (picked.Length == 0) return (mean, std);
        var crops = new List<Tensor>();
        foreach (long i in picked)
        {
            long y = offsets[i, 0].item<long>(), x = offsets[i, 1].item<long>();
            var crop = images[i].narrow(1, y, side).narrow(2, x, side).unsqueeze(0);                   // (1, C, side, side)
            crops.Add(functional.interpolate(crop, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false));
        }
        var posterior = firstStage.Encode(cat(crops, 0));                                              // (P, c, h, w)
        var index = tensor(picked, ScalarType.Int64, device: mean.device);
        return (mean.index_copy(0, index, posterior.Mean), std.index_copy(0, index, posterior.Std));
    }

    private (Tensor Mean, Tensor Std) Encode(Tensor images)
    {
        const int Batch = 64;
        var means = new List<Tensor>();
        var stds = new List<Tensor>();
        using var noGrad = no_grad();
        for (long start = 0; start < images.shape[0]; start += Batch)
        {
            var posterior = firstStage.Encode(images.narrow(0, start, Math.Min(Batch, images.shape[0] - start)));
            means.Add(posterior.Mean);
            stds.Add(posterior.Std);
        }
        var result = (cat(means, 0), cat(stds, 0));
        foreach (var t in means.Concat(stds)) t.Dispose();
        return result;
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Generator.Dispose();
    }
}
