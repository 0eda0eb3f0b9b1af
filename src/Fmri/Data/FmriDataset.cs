
namespace Fmri.Data;

/// <summary>
/// An fMRI data set in memory, whatever layout it was read from: a voxel matrix (samples x voxels, float32,
/// row-major) with per-sample labels and per-voxel metadata. Readers produce it, preprocessing transforms
/// it, the canonical writer stores it. Instances are immutable by convention: transformations return new
/// instances (use <c>with</c>).
/// </summary>
public sealed record FmriDataset
{
    /// <summary>Voxel responses, row-major (SampleCount, VoxelCount).</summary>
    public required float[] Voxels { get; init; }

    public required int SampleCount { get; init; }

    public required int VoxelCount { get; init; }

    /// <summary>Stimulus shown in each sample (length SampleCount).</summary>
    public required StimulusId[] StimulusIds { get; init; }

    /// <summary>Object category of each sample's stimulus, an index into <see cref="CategoryNames"/>, or -1 when unknown.</summary>
    public required int[] CategoryLabels { get; init; }

    /// <summary>Run (scanning run) number of each sample.</summary>
    public required int[] Runs { get; init; }

    /// <summary>Train / test split of each sample.</summary>
    public required DataSplit[] Splits { get; init; }

    /// <summary>How many presentations were averaged into each sample (1 for single trials).</summary>
    public required int[] RepeatCounts { get; init; }

    /// <summary>ROI name to the sorted voxel column indices it covers. Regions may overlap.</summary>
    public required IReadOnlyDictionary<string, int[]> Rois { get; init; }

    /// <summary>Optional voxel coordinates in mm, row-major (VoxelCount, 3) as x, y, z.</summary>
    public float[]? VoxelCoordinates { get; init; }

    /// <summary>Names of the category labels, when known (index = label).</summary>
    public IReadOnlyList<string> CategoryNames { get; init; } = [];

    /// <summary>Subject identifier (e.g. "sub-03").</summary>
    public string Subject { get; init; } = "";

    /// <summary>Number of trailing voxel columns that are zero padding (added to reach a multiple of the patch size).</summary>
    public int PaddingVoxels { get; init; }

    public DatasetProvenance Provenance { get; init; } = new();

    /// <summary>The voxel responses of one sample.</summary>
    public ReadOnlySpan<float> Sample(int index) => Voxels.AsSpan(index * VoxelCount, VoxelCount);

    /// <summary>Indices of the samples in a split.</summary>
    public int[] IndicesOf(DataSplit split) => Enumerable.Range(0, SampleCount).Where(i => Splits[i] == split).ToArray();

    /// <summary>
    /// Checks that every field agrees with the voxel matrix's shape; throws <see cref="DataFormatException"/>
    /// naming <paramref name="file"/> and the first field that disagrees.
    /// </summary>
    public void Validate(string file)
    {
        if (SampleCount < 0 || VoxelCount < 0 || (long)SampleCount * VoxelCount != Voxels.LongLength)
            throw new DataFormatException(file, "voxels", $"has {Voxels.LongLength} values, expected samples x voxels = {SampleCount} x {VoxelCount}");
        Check(StimulusIds.Length, "stimulus_id");
        Check(CategoryLabels.Length, "category");
        Check(Runs.Length, "run");
        Check(Splits.Length, "split");
        Check(RepeatCounts.Length, "repeats");
        if (VoxelCoordinates is not null && VoxelCoordinates.Length != VoxelCount * 3)
            throw new DataFormatException(file, "voxel_xyz", $"has {VoxelCoordinates.Length / 3.0} rows, expected one per voxel ({VoxelCount})");
        foreach (var (name, columns) in Rois)
        {
            if (columns.Length == 0) throw new DataFormatException(file, $"roi/{name}", "selects no voxels");
            if (columns.Any(c => c < 0 || c >= VoxelCount))
                throw new DataFormatException(file, $"roi/{name}", $"has a voxel index outside 0..{VoxelCount - 1}");
        }
        if (PaddingVoxels < 0 || PaddingVoxels > VoxelCount)
            throw new DataFormatException(file, "padding", $"{PaddingVoxels} padding voxels for {VoxelCount} voxels");

        void Check(int length, string field)
        {
            if (length != SampleCount)
                throw new DataFormatException(file, field, $"has {length} entries but the voxel matrix has {SampleCount} samples");
        }
    }
}
