namespace Fmri.MaskedBrainModeling;

/// <summary>What a pretraining call did: one record per epoch run, and how the data's width met the model's.</summary>
/// <param name="Epochs">The epochs run by this call, in order (from the start epoch on).</param>
/// <param name="DataVoxels">Voxels per sample in the data passed in.</param>
/// <param name="ModelVoxels">Voxels per sample the model reads.</param>
/// <param name="WidthPolicy">The width policy in force; when the widths differ the data was padded or cropped.</param>
public sealed record MaskedBrainModelingHistory(
    IReadOnlyList<MaskedBrainModelingEpoch> Epochs, int DataVoxels, int ModelVoxels, WidthPolicy WidthPolicy)
{
    /// <summary>True when the data was padded or cropped to the model's width.</summary>
    public bool WidthAdjusted => DataVoxels != ModelVoxels;
}
