namespace Fmri.Data.Preprocessing;

/// <summary>
/// Step 7: pad the voxel axis with zero columns up to the next multiple of the masked brain autoencoder's patch
/// size, so the voxel vector cuts into whole 1-D patches. Padding = (p - V mod p) mod p: NOTHING is added when V is
/// already a multiple of p (MinD-Vis's helper adds a whole extra patch in that case; this does not). The padded
/// columns are recorded as <see cref="FmriDataset.PaddingVoxels"/>; they belong to no ROI and their coordinates
/// are NaN (no location).
/// </summary>
public static class PatchPadding
{
    /// <summary>Zero columns needed to bring <paramref name="voxelCount"/> to a multiple of <paramref name="patchSize"/>.</summary>
    public static int PaddingFor(int voxelCount, int patchSize)
    {
        if (patchSize <= 0) throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "patch size must be positive");
        if (voxelCount < 0) throw new ArgumentOutOfRangeException(nameof(voxelCount), voxelCount, "voxel count must not be negative");
        return (patchSize - voxelCount % patchSize) % patchSize;
    }

    public static (FmriDataset Dataset, ProcessingStep Step) Apply(FmriDataset dataset, int patchSize)
    {
        if (dataset.PaddingVoxels != 0)
            throw new ArgumentException($"the data set is already padded ({dataset.PaddingVoxels} padding voxels)", nameof(dataset));
        int vIn = dataset.VoxelCount;
        int padding = PaddingFor(vIn, patchSize);
        var step = ProcessingStep.Of("pad_to_patch_size",
            ("patch_size", patchSize),
            ("rule", "append (p - V mod p) mod p zero voxels; none when V is already a multiple of p"),
            ("voxels_before", vIn),
            ("padding_voxels", padding),
            ("voxels_after", vIn + padding));
        if (padding == 0) return (dataset, step);

        int vOut = vIn + padding;
        var voxels = new float[(long)dataset.SampleCount * vOut];
        for (int s = 0; s < dataset.SampleCount; s++)
            dataset.Sample(s).CopyTo(voxels.AsSpan(s * vOut, vIn)); // the trailing `padding` values stay 0

        float[]? coordinates = null;
        if (dataset.VoxelCoordinates is { } xyz)
        {
            coordinates = new float[vOut * 3];
            xyz.CopyTo(coordinates, 0);
            coordinates.AsSpan(vIn * 3).Fill(float.NaN);
        }
        return (dataset with { Voxels = voxels, VoxelCount = vOut, PaddingVoxels = padding, VoxelCoordinates = coordinates }, step);
    }
}
