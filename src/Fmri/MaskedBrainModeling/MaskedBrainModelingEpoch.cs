namespace Fmri.MaskedBrainModeling;

/// <summary>One pretraining epoch's record.</summary>
/// <param name="Epoch">Zero-based epoch index.</param>
/// <param name="TrainLoss">Mean over the epoch's steps of the masked-patch training loss.</param>
/// <param name="HeldOutLoss">Masked-patch MSE on the held-out samples under the fixed held-out mask.</param>
/// <param name="HeldOutCorrelation">Mean per-sample Pearson correlation of predicted and true masked held-out voxels.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Seconds">Wall-clock time of the epoch, training and scoring.</param>
public sealed record MaskedBrainModelingEpoch(
    int Epoch, double TrainLoss, double HeldOutLoss, double HeldOutCorrelation, double LearningRate, double Seconds);
