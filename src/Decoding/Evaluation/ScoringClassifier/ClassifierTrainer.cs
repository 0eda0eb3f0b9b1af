using System.Globalization;
using Decoding.Metrics;
using Fmri.Core.Checkpoints;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>
/// Trains the scoring classifier on the shared checkpointed scaffold (<see cref="CheckpointedTraining"/>): AdamW on
/// cross-entropy, each epoch visiting the images in an order drawn from the run's generator, the checkpoint
/// (<c>classifier.*</c>: safetensors weights with the BatchNorm statistics, config, AdamW and generator state) and
/// the loss curve (<c>loss.csv</c>, <c>loss.png</c>, one row per step) written after every epoch.
/// </summary>
public static class ClassifierTrainer
{
    public const string GeneratorName = "train";
    public const string LossCsvFile = "loss.csv";
    public const string LossPngFile = "loss.png";

    /// <param name="classifier">A freshly initialised network (its initial weights drawn from <paramref name="generator"/>).</param>
    /// <param name="images">Training images (ImageSize x ImageSize x InputChannels).</param>
    /// <param name="labels">Class of each image, 0..ClassCount-1.</param>
    /// <param name="generator">The run's generator (minibatch order); on resume its saved state is restored.</param>
    /// <param name="outputFolder">The classifier folder (<see cref="ClassifierFolder"/>).</param>
    /// <param name="seed">The seed <paramref name="generator"/> was made from, recorded in the checkpoint.</param>
    /// <param name="epochEnded">Called after each epoch's checkpoint with (epochs completed, the epoch's mean loss).</param>
    /// <returns>The loss curve; the network is left in evaluation mode.</returns>
    public static LossCurve Train(SmallCnnClassifier classifier, IReadOnlyList<ImageTensor> images, IReadOnlyList<int> labels,
        SmallCnnTrainingOptions options, Generator generator, string outputFolder, long seed, bool resume = false,
        IProgress<ProgressUpdate>? progress = null, Action<int, double>? epochEnded = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate();
        EvaluationChecks.SameNonZeroCount(images, labels, nameof(images), nameof(labels));
        classifier.CheckLabels(labels);
        var folder = new ClassifierFolder(outputFolder);
        int n = images.Count, stepsPerEpoch = Minibatches.StepsPerEpoch(n, options.BatchSize);
        long totalSteps = (long)options.Epochs * stepsPerEpoch;
        var run = new CheckpointedTraining("scoring classifier training", folder.Checkpoint, resume,
            new LossCurveFiles(Path.Combine(outputFolder, LossCsvFile), Path.Combine(outputFolder, LossPngFile), "Scoring classifier training loss"), [])
        {
            EpochCounter = steps => (int)(steps / stepsPerEpoch),
        };
        TorchDevice.Place(classifier);
        var parameters = classifier.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: options.WeightDecay);
        var generators = new Dictionary<string, Generator> { [GeneratorName] = generator };
        run.Restore(classifier, classifier.Config, optimizer, ema: null, generators, seed, totalSteps, requireOptimizerState: true);

        using var allImages = classifier.ToBatchTensor(images);                              // (N, C, S, S)
        using var allLabels = tensor(labels.Select(l => (long)l).ToArray(), device: allImages.device); // (N)
        Tensor? order = null;
        try
        {
            run.Run(totalSteps, step =>
            {
                int epoch = (int)(step / stepsPerEpoch), s = (int)(step % stepsPerEpoch);
                if (s == 0)
                {
                    classifier.train();
                    order?.Dispose();
                    order = randperm(n, generator: generator);                               // (N) this epoch's order
                }
                using var scope = NewDisposeScope();
                long start = (long)s * options.BatchSize, count = Math.Min(options.BatchSize, n - start);
                var batchIndex = order!.narrow(0, start, count).to(allImages.device);
                var batch = allImages.index_select(0, batchIndex);                            // (B, C, S, S)
                if (options.Augmentation is { } augmentation) batch = augmentation.Apply(batch, generator, background: 0.0);
                var logits = classifier.call(batch);                                          // (B, classes); call runs forward hooks
                var loss = functional.cross_entropy(logits, allLabels.index_select(0, batchIndex));
                optimizer.zero_grad();
                TorchBackends.Backward(loss); // oneDNN in the backward pass only where it is safe (TorchBackends)
                // Not clipped, but measured: the scaffold stops on a non-finite gradient before anything is saved.
                double gradNorm = GradientClipping.GlobalNorm(parameters);
                optimizer.step();
                double value = loss.item<float>();
                return new TrainingUnit(value, epoch, [], gradNorm, Status: string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}, loss {value:G4}"));
            },
            checkpointDue: steps => steps % stepsPerEpoch == 0,
            save: state =>
            {
                folder.Checkpoint.Save(classifier, classifier.Config, state, optimizer: optimizer);
                epochEnded?.Invoke(state.Epoch, run.Curve.MeanLoss(state.Epoch - 1));
            },
            generators, progress);
        }
        finally
        {
            order?.Dispose();
        }
        classifier.eval();
        return run.Curve;
    }
}
