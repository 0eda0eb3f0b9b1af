using Fmri.Data;

namespace Decoding.Personalization;

/// <summary>
/// One subject's trials for category decoding: the training split's single trials and the test split's samples
/// (averaged repeats in a preprocessed file), each row the subject's voxels, each label a category index.
/// </summary>
/// <param name="Name">The subject (the file's subject id, else the file name).</param>
/// <param name="File">The preprocessed file it was read from.</param>
/// <param name="VoxelCount">Voxels per row (this subject's own count).</param>
/// <param name="TrainVoxels">Row-major (train rows, VoxelCount).</param>
/// <param name="TestVoxels">Row-major (test rows, VoxelCount).</param>
public sealed record SubjectTrials(string Name, string File, int VoxelCount,
    float[] TrainVoxels, int[] TrainLabels, float[] TestVoxels, int[] TestLabels)
{
    public int TrainCount => TrainLabels.Length;

    public int TestCount => TestLabels.Length;

    /// <summary>The training and test samples of <paramref name="data"/>; every sample needs a category label.</summary>
    /// <param name="setting">The option that named the file, for errors.</param>
    public static SubjectTrials From(FmriDataset data, string file, string setting)
    {
        ArgumentNullException.ThrowIfNull(data);
        var train = data.IndicesOf(DataSplit.Train);
        var test = data.IndicesOf(DataSplit.Test);
        if (train.Length == 0) throw new InvalidSettingException(setting, file, "has no training samples");
        if (test.Length == 0) throw new InvalidSettingException(setting, file, "has no test samples");
        if (train.Concat(test).Any(i => data.CategoryLabels[i] < 0))
            throw new InvalidSettingException(setting, file, "has samples without a category label; personalization decodes categories");
        float[] Rows(int[] indices)
        {
            var rows = new float[indices.Length * data.VoxelCount];
            for (int r = 0; r < indices.Length; r++) data.Sample(indices[r]).CopyTo(rows.AsSpan(r * data.VoxelCount, data.VoxelCount));
            return rows;
        }
        string name = string.IsNullOrEmpty(data.Subject) ? Path.GetFileNameWithoutExtension(file) : data.Subject;
        return new SubjectTrials(name, file, data.VoxelCount, Rows(train), [.. train.Select(i => data.CategoryLabels[i])],
            Rows(test), [.. test.Select(i => data.CategoryLabels[i])]);
    }

    /// <summary>The same subject with only the training rows <paramref name="rows"/> (in that order).</summary>
    public SubjectTrials WithTrainRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var voxels = new float[rows.Count * VoxelCount];
        for (int r = 0; r < rows.Count; r++) TrainVoxels.AsSpan(rows[r] * VoxelCount, VoxelCount).CopyTo(voxels.AsSpan(r * VoxelCount, VoxelCount));
        return this with { TrainVoxels = voxels, TrainLabels = [.. rows.Select(r => TrainLabels[r])] };
    }
}
