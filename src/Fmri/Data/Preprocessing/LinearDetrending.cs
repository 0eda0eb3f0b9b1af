namespace Fmri.Data.Preprocessing;

/// <summary>
/// Step 4 (optional): remove a linear drift per run. Within each group of samples of one run and one split (in
/// data-set order, taken as acquisition order; GOD runs hold one split each, so a group is a run), every voxel's
/// values y_k at positions k = 0..n-1 are fitted by the least-squares line a + b (k - k̄), and b (k - k̄) is
/// subtracted. The run mean a = ȳ is kept when <c>keepRunMean</c> (default), else subtracted too.
/// Notation: t_k = k - (n-1)/2 (centred position, Σ t_k = 0), so b = Σ t_k y_k / Σ t_k²  (least squares, one regressor).
/// A run with one sample has no slope (b = 0).
/// </summary>
public static class LinearDetrending
{
    public static (FmriDataset Dataset, ProcessingStep Step) Apply(FmriDataset dataset, bool keepRunMean)
    {
        int v = dataset.VoxelCount;
        var output = new float[dataset.Voxels.Length];
        var groups = SampleGroups.ByRunAndSplit(dataset, _ => true);
        var sumY = new double[v];
        var sumTY = new double[v];
        foreach (var group in groups)
        {
            int n = group.Rows.Length;
            double centre = (n - 1) / 2.0;
            double sumTT = 0;
            Array.Clear(sumY);
            Array.Clear(sumTY);
            for (int k = 0; k < n; k++)
            {
                double t = k - centre;
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
                double t = k - centre;
                var row = dataset.Voxels.AsSpan(group.Rows[k] * v, v);
                var target = output.AsSpan(group.Rows[k] * v, v);
                for (int j = 0; j < v; j++) target[j] = (float)(row[j] - slope[j] * t - offset[j]);
            }
        }

        var step = ProcessingStep.Of("linear_detrend",
            ("rule", "least-squares line over sample order, fitted and removed per run and split"),
            ("run_mean", keepRunMean ? "kept" : "removed"),
            ("groups", groups.Count));
        return (dataset with { Voxels = output }, step);
    }
}
