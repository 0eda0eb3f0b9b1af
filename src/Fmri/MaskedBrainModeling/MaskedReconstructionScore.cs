namespace Fmri.MaskedBrainModeling;

/// <summary>How well a masked brain autoencoder fills in hidden patches of some samples.</summary>
/// <param name="MaskedLoss">Mean squared error over all masked voxels (pooled over samples), the pretraining loss.</param>
/// <param name="Correlation">
/// Pearson correlation between predicted and true values of each sample's masked voxels, averaged over samples
/// (samples whose masked values are constant are left out; NaN when none is left).
/// </param>
/// <param name="Samples">Number of samples scored.</param>
public sealed record MaskedReconstructionScore(double MaskedLoss, double Correlation, int Samples);
