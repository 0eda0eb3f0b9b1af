
namespace Fmri.Data.Layouts;

/// <summary>Checks shared by the writers: a data set handed to a writer is an argument, so problems are <see cref="ArgumentException"/>s.</summary>
internal static class WriteChecks
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="path"/> when <paramref name="dataset"/> is inconsistent or empty.</summary>
    public static void Validate(string path, FmriDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        try
        {
            dataset.Validate(path);
        }
        catch (DataFormatException e)
        {
            throw new ArgumentException($"{path}: cannot write the data set: {e.Field}: {e.Problem}", nameof(dataset), e);
        }
        if (dataset.SampleCount == 0 || dataset.VoxelCount == 0)
            throw new ArgumentException($"{path}: cannot write an empty data set ({dataset.SampleCount} samples x {dataset.VoxelCount} voxels)", nameof(dataset));
    }

    /// <summary>The first stimulus id that occurs twice within one split, or null when ids are unique per split.</summary>
    public static (StimulusId Id, DataSplit Split)? FirstDuplicatePerSplit(StimulusId[] ids, DataSplit[] splits)
    {
        var seen = new HashSet<(StimulusId, DataSplit)>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (!seen.Add((ids[i], splits[i]))) return (ids[i], splits[i]);
        }
        return null;
    }
}
