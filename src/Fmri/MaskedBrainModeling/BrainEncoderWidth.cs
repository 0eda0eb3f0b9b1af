using Fmri.Data;

namespace Fmri.MaskedBrainModeling;

/// <summary>Brings fMRI to the width a pretrained brain encoder reads, under the width policy recorded with it.</summary>
public static class BrainEncoderWidth
{
    /// <summary>The same pairs with voxels at the encoder's width: unchanged when equal, padded/cropped only if the encoder was pretrained with pad-or-crop.</summary>
    public static StimulusPairs Fit(StimulusPairs pairs, PretrainedBrainEncoderConfig encoder, string dataFile)
    {
        if (pairs.VoxelCount == encoder.Model.NumVoxels) return pairs;
        var policy = WidthPolicyNames.Parse(encoder.WidthPolicy);
        var voxels = VoxelWidth.EnsureWidth(encoder.Model.NumVoxels, pairs.Voxels, pairs.VoxelCount, policy, dataFile);
        return pairs with { Voxels = voxels, VoxelCount = encoder.Model.NumVoxels };
    }
}
