namespace Fmri.Data.Preprocessing;

/// <summary>
/// Step 4 (optional): remove a linear drift per run. Time is the sample's position among all samples of its run, in
/// data-set order (taken as acquisition order), whatever their split: NSD runs interleave shared test trials with
/// training trials, and a drift linear in time is linear in that position, not in the position within one split.
/// The line is fitted and removed per group of one run and one split, so no statistic mixes training and test
/// samples: within a group, every voxel's values y_k at run positions p_k are fitted by the least-squares line
/// a + b (p_k - p̄), and b (p_k - p̄) is subtracted. The group mean a = ȳ is kept when <c>keepRunMean</c> (default),
/// else subtracted too. GOD runs hold one split each, so there a group is a run and p_k = k.
/// Notation: t_k = p_k - p̄ (centred position, Σ t_k = 0), so b = Σ t_k y_k / Σ t_k²  (least squares, one regressor).
/// A group with one sample has no slope (b = 0).
/// </summary>
public static class LinearDetrending
{
    public static (FmriDataset Dataset, ProcessingStep Step) Apply(FmriDataset dataset, bool keepRunMean)
    {
        int v = dataset.VoxelCount;
        var output = new float[dataset.Voxels.Length];
        var groups = SampleGroups.ByRunAndSplit(dataset, _ => true);
        var position = PositionsInRun(dataset);
        var sumY = new double[v];
        var sumTY = new double[v];
        foreach (var group in groups)
        {
            int n = group.Rows.Length;
            double centre = group.Rows.Average(row => (double)position[row]);
            double sumTT = 0;
            Array.Clear(sumY);
            Array.Clear(sumTY);
            for (int k = 0; k < n; k++)
            {
                double t = position[group.Rows[k]] - centre;
                sumTT += t * t;
                var row = dataset.Voxels.AsSpan(group.Rows[k] * v, v);
                for (int j = 0; j < v; j++)
                {
                    sumY[j] += row[j];
                    sumTY[j] += t * row[j];
                }
            }

            // Per voxel: slope b = Σ t y / Σ t², mean ȳ = Σ y / n; remove b t (and ȳ unless the mean is kept).
            var slope = new double[v];
            var offset = new double[v];
            for (int j = 0; j < v; j++)
            {
                slope[j] = sumTT > 0 ? sumTY[j] / sumTT : 0.0;
                offset[j] = keepRunMean ? 0.0 : sumY[j] / n;
            }
            for (int k = 0; k < n; k++)
            {
                double t = position[group.Rows[k]] - centre;
                var row = dataset.Voxels.AsSpan(group.Rows[k] * v, v);
                var target = output.AsSpan(group.Rows[k] * v, v);
                for (int j = 0; j < v; j++) target[j] = (float)(row[j] - slope[j] * t - offset[j]);
            }
        }

        var step = ProcessingStep.Of("linear_detrend",
            ("rule", "least-squares line over the sample's position in its run, fitted and removed per run and split"),
            ("run_mean", keepRunMean ? "kept" : "removed"),
            ("groups", groups.Count));
        return (dataset with { Voxels = output }, step);
    }

    /// <summary>Each sample's position among all samples of its run (0, 1, ...), in data-set order.</summary>
    public static int[] PositionsInRun(FmriDataset dataset)
    {
        var next = new Dictionary<int, int>();
        var position = new int[dataset.SampleCount];
        for (int i = 0; i < position.Length; i++)
        {
            int run = dataset.Runs[i];
            position[i] = next.GetValueOrDefault(run);
            next[run] = position[i] + 1;
        }
        return position;
    }
}
