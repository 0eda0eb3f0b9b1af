namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The data-width guard: a model fixes the number of voxels it reads, and data of another width is either refused
/// with a clear message or, by an explicit <see cref="WidthPolicy.PadOrCrop"/>, padded with zeros or cropped at
/// the end. Never a silent reshape.
/// </summary>
public static class VoxelWidth
{
    /// <summary>
    /// Returns <paramref name="voxels"/> (row-major, samples x <paramref name="dataVoxels"/>) at the model's width
    /// <paramref name="numVoxels"/>: the same array when the widths agree, a new padded/cropped array under
    /// <see cref="WidthPolicy.PadOrCrop"/>, otherwise an <see cref="ArgumentException"/> naming both widths.
    /// </summary>
    /// <param name="numVoxels">Voxels per sample the model expects.</param>
    /// <param name="voxels">The voxel matrix, row-major.</param>
    /// <param name="dataVoxels">Voxels per sample in <paramref name="voxels"/>.</param>
    /// <param name="policy">What to do on a mismatch.</param>
    /// <param name="argumentName">Name of the caller's argument, for the message.</param>
    public static float[] EnsureWidth(int numVoxels, float[] voxels, int dataVoxels, WidthPolicy policy, string argumentName = "voxels")
    {
        ArgumentNullException.ThrowIfNull(voxels);
        if (numVoxels <= 0) throw new ArgumentException($"numVoxels = {numVoxels} must be positive", nameof(numVoxels));
        if (dataVoxels <= 0) throw new ArgumentException($"{argumentName}: voxel count {dataVoxels} must be positive", argumentName);
        if (voxels.Length % dataVoxels != 0)
            throw new ArgumentException(
                $"{argumentName}: {voxels.Length} values are not a whole number of samples of {dataVoxels} voxels", argumentName);
        if (dataVoxels == numVoxels) return voxels;
        if (policy != WidthPolicy.PadOrCrop)
            throw new ArgumentException(
                $"{argumentName}: the data has {dataVoxels} voxels per sample but the model expects {numVoxels}; " +
                $"preprocess with the ROI and patch padding of the data the model was trained on (an imported encoder keeps its source's voxel count; pretrain-mbm pads or crops when asked: --width-policy {WidthPolicyNames.PadOrCrop})");

        int samples = voxels.Length / dataVoxels;
        int copied = Math.Min(dataVoxels, numVoxels);
        var adjusted = new float[checked(samples * numVoxels)];   // zero-filled: padding voxels are 0
        for (int s = 0; s < samples; s++)
            Array.Copy(voxels, (long)s * dataVoxels, adjusted, (long)s * numVoxels, copied);
        return adjusted;
    }
}
