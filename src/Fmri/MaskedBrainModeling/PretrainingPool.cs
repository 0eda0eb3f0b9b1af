using Fmri.Data;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The fMRI samples masked brain modeling learns from, pooled over several data sets (images are not used), split
/// into a training part and a seeded held-out part for the per-epoch masked-reconstruction score.
/// Test-split samples (test perception and test imagery) are left out unless asked for, and counted either way.
/// </summary>
/// <param name="TrainVoxels">Row-major (TrainCount, VoxelCount).</param>
/// <param name="HeldOutVoxels">Row-major (HeldOutCount, VoxelCount).</param>
/// <param name="VoxelCount">Voxels per sample, equal in every pooled file.</param>
/// <param name="TestSamplesExcluded">Test-split samples left out of the pool (0 when they were included).</param>
/// <param name="TestSamplesIncluded">Test-split samples in the pool (0 unless included on purpose).</param>
public sealed record PretrainingPool(float[] TrainVoxels, float[] HeldOutVoxels, int VoxelCount, int TestSamplesExcluded, int TestSamplesIncluded)
{
    public int TrainCount => TrainVoxels.Length / VoxelCount;
    public int HeldOutCount => HeldOutVoxels.Length / VoxelCount;

    /// <summary>Pools <paramref name="datasets"/> (each with the file it came from, for errors).</summary>
    /// <param name="heldOutFraction">Share of the pooled samples held out, at least one sample and at least one left to train on.</param>
    /// <param name="random">Draws which samples are held out.</param>
    public static PretrainingPool Build(IReadOnlyList<(string Source, FmriDataset Data)> datasets, bool includeTestFmri, double heldOutFraction, Random random)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(random);
        if (datasets.Count == 0) throw new InvalidSettingException("data", null, "names no fMRI file");
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new InvalidSettingException("held_out_fraction", heldOutFraction, "must lie between 0 and 1 (both excluded)");
        int width = datasets[0].Data.VoxelCount;
        var rows = new List<(FmriDataset Data, int Index)>();
        int excluded = 0, included = 0;
        foreach (var (source, data) in datasets)
        {
            if (data.VoxelCount != width)
                throw new ArgumentException($"{source}: has {data.VoxelCount} voxels per sample but {datasets[0].Source} has {width}; pooled files must share one voxel selection");
            for (int i = 0; i < data.SampleCount; i++)
            {
                bool isTest = data.Splits[i] != DataSplit.Train;
                if (isTest && !includeTestFmri) { excluded++; continue; }
                if (isTest) included++;
                rows.Add((data, i));
            }
        }
        if (rows.Count < 2)
            throw new InvalidSettingException("data", null, $"the pool holds {rows.Count} sample(s) after leaving out {excluded} test sample(s); need at least 2 (one to train, one held out)");

        int heldOut = Math.Clamp((int)Math.Round(rows.Count * heldOutFraction), 1, rows.Count - 1);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(order);
        var heldOutRows = order.Take(heldOut).Order().ToArray();
        var trainRows = order.Skip(heldOut).Order().ToArray();
        return new PretrainingPool(Gather(trainRows), Gather(heldOutRows), width, excluded, included);

        float[] Gather(int[] picked)
        {
            var matrix = new float[(long)picked.Length * width];
            for (int r = 0; r < picked.Length; r++)
            {
                var (data, index) = rows[picked[r]];
                data.Sample(index).CopyTo(matrix.AsSpan(r * width, width));
            }
            return matrix;
        }
    }
}
