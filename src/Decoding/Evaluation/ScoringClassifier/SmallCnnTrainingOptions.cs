namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>How <see cref="SmallCnnClassifier.Train"/> trains: AdamW on cross-entropy, shuffled minibatches.</summary>
/// <param name="Epochs">Passes over the training images.</param>
/// <param name="BatchSize">Images per step (the last batch of an epoch may be smaller).</param>
/// <param name="LearningRate">AdamW learning rate.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay (PyTorch's AdamW default is 0.01).</param>
public sealed record SmallCnnTrainingOptions(int Epochs = 5, int BatchSize = 64, double LearningRate = 2e-3, double WeightDecay = 0.01)
{
    /// <exception cref="ArgumentException">A value is out of range (named).</exception>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"SmallCnnTrainingOptions.Epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"SmallCnnTrainingOptions.BatchSize must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"SmallCnnTrainingOptions.LearningRate must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"SmallCnnTrainingOptions.WeightDecay must be >= 0, got {WeightDecay}");
    }
}
