using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class LinearDetrendingTests
{
    // A pattern orthogonal to a constant and to a line over positions t = 0..4:
    // Σ p = 1 - 2 + 0 + 2 - 1 = 0 and Σ t p = 0 - 2 + 0 + 6 - 4 = 0, so least squares attributes none of it to the line.
    private static readonly float[] Pattern = [1, -2, 0, 2, -1];

    /// <summary>Run 1: y = 3 + 0.5 t + p (mean 3 + 0.5 x 2 = 4); run 2: y = -7 - 2 t + 2p (mean -7 - 2 x 2 = -11).</summary>
    private static FmriDataset Drifting()
    {
        var rows = new List<Row>();
        for (int t = 0; t < 5; t++) rows.Add(Train(1, $"a{t}", 3 + 0.5f * t + Pattern[t]));
        for (int t = 0; t < 5; t++) rows.Add(Train(2, $"b{t}", -7 - 2f * t + 2 * Pattern[t]));
        return Build(rows);
    }

    [Fact]
    public void Removes_a_linear_drift_exactly_and_keeps_the_run_mean()
    {
        var (detrended, step) = LinearDetrending.Apply(Drifting(), keepRunMean: true);
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(4 + Pattern[t], detrended.Sample(t)[0], 1e-5);          // run 1: mean 4 + p
            Assert.Equal(-11 + 2 * Pattern[t], detrended.Sample(5 + t)[0], 1e-5); // run 2: mean -11 + 2p
        }
        Assert.Equal("kept", step.Parameters["run_mean"]);
    }

    [Fact]
    public void Can_remove_the_run_mean_as_well()
    {
        var (detrended, step) = LinearDetrending.Apply(Drifting(), keepRunMean: false);
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(Pattern[t], detrended.Sample(t)[0], 1e-5);
            Assert.Equal(2 * Pattern[t], detrended.Sample(5 + t)[0], 1e-5);
        }
        Assert.Equal("removed", step.Parameters["run_mean"]);
    }

    /// <summary>
    /// One run whose test trials sit between its training trials (run positions 2-4 of 0-8, as NSD interleaves the
    /// shared images): y = 30 p, a drift linear in the run position p. The training samples' positions 0, 1, 5, 6, 7, 8
    /// are not evenly spaced, so a line over their order within the split (0..5) cannot remove it; a line over p does,
    /// leaving each split's mean: training (0 + 1 + 5 + 6 + 7 + 8) x 30 / 6 = 135, test (2 + 3 + 4) x 30 / 3 = 90.
    /// </summary>
    [Fact]
    public void Time_is_the_position_in_the_run_when_splits_interleave()
    {
        var rows = new List<Row>();
        for (int p = 0; p < 9; p++)
            rows.Add(p is >= 2 and <= 4 ? Test(1, $"t{p}", 30f * p) : Train(1, $"a{p}", 30f * p));
        var detrended = LinearDetrending.Apply(Build(rows), keepRunMean: true).Dataset;
        for (int p = 0; p < 9; p++)
            Assert.Equal(p is >= 2 and <= 4 ? 90 : 135, detrended.Sample(p)[0], 1e-3);
        Assert.Equal([0, 1, 0, 2, 1, 3], LinearDetrending.PositionsInRun(Build(
            [Train(1, "a", 0), Train(1, "b", 0), Train(2, "c", 0), Test(1, "d", 0), Train(2, "e", 0), Train(1, "f", 0)])));
    }

    [Fact]
    public void A_single_sample_run_has_no_slope()
    {
        var single = Build([Train(1, "a", 5, -3)]);
        Assert.Equal([5f, -3f], LinearDetrending.Apply(single, keepRunMean: true).Dataset.Voxels);
        Assert.Equal([0f, 0f], LinearDetrending.Apply(single, keepRunMean: false).Dataset.Voxels);
    }

    [Fact]
    public void The_preprocessor_records_detrending_only_when_asked()
    {
        var raw = Drifting();
        var on = Preprocessor.Run(raw, Unaveraged(ZScoreMode.None, detrend: true), SourceFile);
        var off = Preprocessor.Run(raw, Unaveraged(ZScoreMode.None), SourceFile);
        Assert.Contains(on.Dataset.Provenance.Steps, s => s.Name == "linear_detrend");
        Assert.DoesNotContain(off.Dataset.Provenance.Steps, s => s.Name == "linear_detrend");
        Assert.Equal(4 + Pattern[0], on.Dataset.Sample(0)[0], 1e-5);
        Assert.Contains("Detrending: linear per run, run mean kept", on.Report.Summary);
        Assert.Contains("Detrending: off", off.Report.Summary);
    }
}
