
namespace Fmri.Data.Preprocessing;

/// <summary>What the non-finite voxel filter dropped.</summary>
/// <param name="DroppedNonFiniteInTraining">Voxels that are NaN or infinite in at least one training sample.</param>
/// <param name="DroppedNonFiniteOnlyInTest">Voxels finite in every training sample but NaN or infinite in a test sample.</param>
public sealed record NonFiniteVoxelFilterResult(
    FmriDataset Dataset,
    int DroppedNonFiniteInTraining,
    int DroppedNonFiniteOnlyInTest,
    ProcessingStep Step);

/// <summary>
/// Step 3: drop voxels with any NaN or infinite value. Rule 1: a voxel non-finite in ANY training sample is
/// dropped (its statistics cannot be computed). Rule 2: a voxel finite in all training samples but non-finite in a
/// test sample is dropped as well (a decoder cannot read it), and counted separately. Which voxels are dropped
/// depends on test data only through rule 2, which uses no test label.
/// </summary>
public static class NonFiniteVoxelFilter
{
    /// <exception cref="DataFormatException">Every value is non-finite, or every voxel is dropped (field "voxels").</exception>
    public static NonFiniteVoxelFilterResult Apply(FmriDataset dataset, string file)
    {
        int n = dataset.SampleCount, v = dataset.VoxelCount;
        var inTraining = new bool[v];
        var inTest = new bool[v];
        long nonFiniteValues = 0;
        for (int s = 0; s < n; s++)
        {
            var flags = dataset.Splits[s] == DataSplit.Train ? inTraining : inTest;
            var row = dataset.Voxels.AsSpan(s * v, v);
            for (int j = 0; j < v; j++)
            {
                if (!float.IsFinite(row[j]))
                {
                    flags[j] = true;
                    nonFiniteValues++;
                }
            }
        }

        if (nonFiniteValues > 0 && nonFiniteValues == (long)n * v)
            throw new DataFormatException(file, "voxels", $"every value of the {n} x {v} voxel matrix is NaN or infinite");

        int droppedTraining = 0, droppedTestOnly = 0;
        var kept = new List<int>(v);
        for (int j = 0; j < v; j++)
        {
            if (inTraining[j]) droppedTraining++;
            else if (inTest[j]) droppedTestOnly++;
            else kept.Add(j);
        }
        if (kept.Count == 0)
            throw new DataFormatException(file, "voxels",
                $"every one of the {v} voxels is NaN or infinite in at least one sample ({droppedTraining} in a training sample, {droppedTestOnly} only in a test sample)");

        var filtered = kept.Count == v ? dataset : DatasetSlicing.SelectVoxels(dataset, kept.ToArray());
        var step = ProcessingStep.Of("drop_nonfinite_voxels",
            ("rule", "drop a voxel that is NaN/Inf in any training sample; also drop one that is NaN/Inf only in a test sample"),
            ("dropped_nonfinite_in_training", droppedTraining),
            ("dropped_nonfinite_only_in_test", droppedTestOnly),
            ("voxels_kept", kept.Count));
        return new NonFiniteVoxelFilterResult(filtered, droppedTraining, droppedTestOnly, step);
    }
}
