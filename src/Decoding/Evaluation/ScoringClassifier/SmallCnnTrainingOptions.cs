namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>How <see cref="ClassifierTrainer.Train"/> trains: AdamW on cross-entropy, shuffled minibatches.</summary>
/// <param name="Epochs">Passes over the training images.</param>
/// <param name="BatchSize">Images per step (the last batch of an epoch may be smaller).</param>
/// <param name="LearningRate">AdamW learning rate.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay (PyTorch's AdamW default is 0.01).</param>
/// <param name="Augmentation">Random affine augmentation of each batch (small-data mode); null: none.</param>
public sealed record SmallCnnTrainingOptions(int Epochs = 5, int BatchSize = 64, double LearningRate = 2e-3, double WeightDecay = 0.01,
    Fmri.Core.Imaging.AffineAugmentation? Augmentation = null)
{
    /// <exception cref="InvalidSettingException">A value is out of range (named).</exception>
    public void Validate()
    {
        Check.AtLeast(Epochs, 1, "epochs");
        Check.AtLeast(BatchSize, 1, "batch");
        Check.Positive(LearningRate, "lr");
        Check.NonNegative(WeightDecay, "weight_decay");
        Augmentation?.Validate();
    }
}
