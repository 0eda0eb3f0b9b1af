namespace Fmri.Data.Preprocessing;

/// <summary>Row (sample) and column (voxel) subsets of an <see cref="FmriDataset"/>, keeping every label aligned.</summary>
public static class DatasetSlicing
{
    /// <summary>
    /// The samples at <paramref name="rows"/> (in the given order), with their labels. Voxel metadata is unchanged.
    /// </summary>
    public static FmriDataset SelectSamples(FmriDataset dataset, IReadOnlyList<int> rows)
    {
        int v = dataset.VoxelCount;
        var voxels = new float[(long)rows.Count * v];
        for (int r = 0; r < rows.Count; r++)
            dataset.Voxels.AsSpan(rows[r] * v, v).CopyTo(voxels.AsSpan(r * v, v));
        return dataset with
        {
            Voxels = voxels,
            SampleCount = rows.Count,
            StimulusIds = Pick(dataset.StimulusIds, rows),
            CategoryLabels = Pick(dataset.CategoryLabels, rows),
            Runs = Pick(dataset.Runs, rows),
            Splits = Pick(dataset.Splits, rows),
            RepeatCounts = Pick(dataset.RepeatCounts, rows),
        };
    }

    /// <summary>
    /// The voxel columns at <paramref name="columns"/> (strictly increasing). Every ROI mask is re-indexed to the
    /// kept columns; masks left with no voxel are dropped. Coordinates follow their voxels. The input must carry no
    /// padding (padding is only ever added as the last preprocessing step).
    /// </summary>
    public static FmriDataset SelectVoxels(FmriDataset dataset, int[] columns)
    {
        if (dataset.PaddingVoxels != 0)
            throw new ArgumentException($"cannot select voxels of a data set that already has {dataset.PaddingVoxels} padding voxels", nameof(dataset));
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i] < 0 || columns[i] >= dataset.VoxelCount || (i > 0 && columns[i] <= columns[i - 1]))
                throw new ArgumentException($"voxel columns must be strictly increasing indices in 0..{dataset.VoxelCount - 1}", nameof(columns));
        }

        int n = dataset.SampleCount, vIn = dataset.VoxelCount, vOut = columns.Length;
        var voxels = new float[(long)n * vOut];
        for (int s = 0; s < n; s++)
        {
            var source = dataset.Voxels.AsSpan(s * vIn, vIn);
            var target = voxels.AsSpan(s * vOut, vOut);
            for (int j = 0; j < vOut; j++) target[j] = source[columns[j]];
        }

        // Old column -> new column (-1 when dropped), to re-index the ROI masks.
        var newIndex = new int[vIn];
        Array.Fill(newIndex, -1);
        for (int j = 0; j < vOut; j++) newIndex[columns[j]] = j;
        var rois = new Dictionary<string, int[]>();
        foreach (var (name, mask) in dataset.Rois)
        {
            int[] kept = mask.Select(c => newIndex[c]).Where(c => c >= 0).ToArray();
            if (kept.Length > 0) rois[name] = kept;
        }

        float[]? coordinates = null;
        if (dataset.VoxelCoordinates is { } xyz)
        {
            coordinates = new float[vOut * 3];
            for (int j = 0; j < vOut; j++) xyz.AsSpan(columns[j] * 3, 3).CopyTo(coordinates.AsSpan(j * 3, 3));
        }

        return dataset with { Voxels = voxels, VoxelCount = vOut, Rois = rois, VoxelCoordinates = coordinates };
    }

    private static T[] Pick<T>(T[] values, IReadOnlyList<int> rows)
    {
        var picked = new T[rows.Count];
        for (int r = 0; r < rows.Count; r++) picked[r] = values[rows[r]];
        return picked;
    }
}
