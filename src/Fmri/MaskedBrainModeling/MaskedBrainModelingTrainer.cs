using System.Diagnostics;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Pretrains a <see cref="MaskedBrainAutoencoder"/> by masked brain modeling (MinD-Vis stage A): AdamW on two
/// parameter groups (weight decay on weight matrices and tokens, none on biases and norms, as timm's
/// <c>add_weight_decay</c>), the learning rate set every step by <see cref="WarmupCosineSchedule"/>, gradients
/// clipped to a global norm, and after every epoch a held-out masked-reconstruction score under a fixed mask.
/// <para>
/// Randomness: epoch e draws its sample order and its masks from a generator seeded with a hash of
/// (<see cref="MaskedBrainModelingOptions.Seed"/>, e), so any epoch can be re-run on its own.
/// </para>
/// <para>
/// Resuming: a run stopped after epoch k continues exactly as if uninterrupted when the caller (1) loads the model
/// weights saved after epoch k into the model, (2) loads the optimizer state saved then into <see cref="Optimizer"/>
/// (AdamW moments and step counts; <c>save_state_dict</c>/<c>load_state_dict</c>), and (3) calls <see cref="Train"/>
/// with <c>startEpoch = k + 1</c>. The learning rate is a function of the epoch alone, so nothing else is needed.
/// With model weights only (a fresh optimizer) training still resumes at the right schedule point, but the first
/// steps differ from the uninterrupted run because the AdamW moments restart from zero.
/// </para>
/// </summary>
public sealed class MaskedBrainModelingTrainer : IDisposable
{
    private readonly MaskedBrainAutoencoder model;
    private readonly MaskedBrainModelingOptions options;

    public MaskedBrainModelingTrainer(MaskedBrainAutoencoder model, MaskedBrainModelingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.model = model;
        this.options = options;

        var decayed = new List<Parameter>();
        var undecayed = new List<Parameter>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad) continue;
            if (parameter.dim() <= 1 || name.EndsWith(".bias", StringComparison.Ordinal)) undecayed.Add(parameter);
            else decayed.Add(parameter);
        }
        double lr = options.PeakLearningRate;
        Optimizer = new AdamW(
            new[]
            {
                new AdamW.ParamGroup(decayed, lr, options.Beta1, options.Beta2, 1e-8, options.WeightDecay),
                new AdamW.ParamGroup(undecayed, lr, options.Beta1, options.Beta2, 1e-8, 0.0),
            },
            lr, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
    }

    /// <summary>The AdamW optimizer; save and load its state with the model weights to resume exactly.</summary>
    public AdamW Optimizer { get; }

    /// <summary>The settings in force.</summary>
    public MaskedBrainModelingOptions Options => options;

    /// <summary>
    /// Runs epochs <paramref name="startEpoch"/> .. Epochs - 1 on the training samples and scores each epoch on the
    /// held-out samples.
    /// </summary>
    /// <param name="trainVoxels">Training fMRI, row-major (samples x <paramref name="voxelCount"/>).</param>
    /// <param name="heldOutVoxels">Held-out fMRI, row-major (samples x <paramref name="voxelCount"/>), at least one sample.</param>
    /// <param name="voxelCount">Voxels per sample in both matrices; must equal the model's width unless the options' <see cref="WidthPolicy"/> is PadOrCrop.</param>
    /// <param name="startEpoch">First epoch to run (0 for a new run; k + 1 to resume after epoch k, see the class notes).</param>
    /// <param name="progress">Receives each epoch's record when it ends.</param>
    /// <param name="checkpoint">Called with the epoch index after each epoch ends (after <paramref name="progress"/>), when model and optimizer hold that epoch's final state.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public MaskedBrainModelingHistory Train(
        float[] trainVoxels,
        float[] heldOutVoxels,
        int voxelCount,
        int startEpoch = 0,
        IProgress<MaskedBrainModelingEpoch>? progress = null,
        Action<int>? checkpoint = null,
        CancellationToken cancellationToken = default)
    {
        if (startEpoch < 0 || startEpoch > options.Epochs)
            throw new ArgumentException($"startEpoch = {startEpoch} must be in [0, Epochs = {options.Epochs}]", nameof(startEpoch));
        int width = model.Config.NumVoxels;
        var train = VoxelWidth.EnsureWidth(width, trainVoxels, voxelCount, options.WidthPolicy, nameof(trainVoxels));
        var heldOut = VoxelWidth.EnsureWidth(width, heldOutVoxels, voxelCount, options.WidthPolicy, nameof(heldOutVoxels));
        int trainCount = train.Length / width, heldOutCount = heldOut.Length / width;
        if (trainCount == 0) throw new ArgumentException("trainVoxels holds no samples", nameof(trainVoxels));
        if (heldOutCount == 0) throw new ArgumentException("heldOutVoxels holds no samples", nameof(heldOutVoxels));

        using var trainMatrix = tensor(train, new long[] { trainCount, width });            // (N_train, V)
        using var heldOutMatrix = tensor(heldOut, new long[] { heldOutCount, width });      // (N_heldout, V)
        var epochs = new List<MaskedBrainModelingEpoch>();
        for (int epoch = startEpoch; epoch < options.Epochs; epoch++)
        {
            var record = TrainEpoch(epoch, trainMatrix, heldOutMatrix, cancellationToken);
            epochs.Add(record);
            progress?.Report(record);
            checkpoint?.Invoke(epoch);
        }
        return new MaskedBrainModelingHistory(epochs, voxelCount, width, options.WidthPolicy);
    }

    /// <summary>
    /// One epoch: the training samples in an order drawn from epoch <paramref name="epoch"/>'s generator, one AdamW
    /// step per batch, then the held-out masked-reconstruction score under a fixed mask.
    /// </summary>
    /// <param name="trainMatrix">(N_train, V) training fMRI at the model's width.</param>
    /// <param name="heldOutMatrix">(N_heldout, V) held-out fMRI at the model's width.</param>
    public MaskedBrainModelingEpoch TrainEpoch(int epoch, Tensor trainMatrix, Tensor heldOutMatrix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainMatrix);
        ArgumentNullException.ThrowIfNull(heldOutMatrix);
        var clock = Stopwatch.StartNew();
        double maskRatio = options.MaskRatio ?? model.Config.MaskRatio;
        int trainCount = (int)trainMatrix.shape[0];
        int stepsPerEpoch = (trainCount + options.BatchSize - 1) / options.BatchSize;
        model.train();
        using var generator = new Generator(EpochSeed(options.Seed, epoch));
        using var order = randperm(trainCount, generator: generator);                  // (N_train)
        double lossSum = 0, lr = 0;
        for (int step = 0; step < stepsPerEpoch; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            lr = WarmupCosineSchedule.LearningRateAt(epoch + step / (double)stepsPerEpoch, options.PeakLearningRate,
                options.MinLearningRate, options.WarmupEpochs, options.Epochs);
            foreach (var group in Optimizer.ParamGroups) group.LearningRate = lr;

            int start = step * options.BatchSize;
            var batch = trainMatrix.index_select(0, order.narrow(0, start, Math.Min(options.BatchSize, trainCount - start)).to(trainMatrix.device));   // (B, V)
            Optimizer.zero_grad();
            var (loss, _, _) = model.Forward(batch, generator, maskRatio);
            double lossValue = loss.ToDouble();
            if (!double.IsFinite(lossValue))
                throw new TrainingDivergedException("masked brain modeling", (long)epoch * stepsPerEpoch + step + 1, lossValue, null, null);
            TorchBackends.Backward(loss); // oneDNN in the backward pass only where it is safe (TorchBackends)
            double gradNorm = GradientClipping.ClipGlobalNorm(model.parameters(), options.GradientClipNorm);
            if (!double.IsFinite(gradNorm))
                throw new TrainingDivergedException("masked brain modeling", (long)epoch * stepsPerEpoch + step + 1, lossValue, gradNorm, null);
            Optimizer.step();
            lossSum += lossValue;
        }

        var score = MaskedReconstructionEvaluation.Evaluate(model, heldOutMatrix, maskRatio, options.HeldOutMaskSeed, options.BatchSize);
        return new MaskedBrainModelingEpoch(epoch, lossSum / stepsPerEpoch, score.MaskedLoss, score.Correlation, lr, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Seed of epoch <paramref name="epoch"/>'s generator: SplitMix64 of the run seed and the epoch, so epochs get unrelated streams.</summary>
    public static ulong EpochSeed(long seed, int epoch)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(epoch + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public void Dispose() => Optimizer.Dispose();
}
