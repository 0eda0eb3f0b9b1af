using Fmri.Data;
using Fmri.Data.Preprocessing;

namespace Fmri.Tests.Data.Preprocessing;

/// <summary>Builds small hand-made data sets for the preprocessing tests.</summary>
internal static class TinyDataset
{
    public const string SourceFile = "tiny.h5";

    /// <summary>One sample of a hand-made data set.</summary>
    public sealed record Row(int Run, DataSplit Split, string Stimulus, float[] Voxels, int Category = 0, int Repeats = 1);

    public static Row Train(int run, string stimulus, params float[] voxels) => new(run, DataSplit.Train, stimulus, voxels);

    public static Row Test(int run, string stimulus, params float[] voxels) => new(run, DataSplit.Test, stimulus, voxels);

    public static Row Imagery(int run, string stimulus, params float[] voxels) => new(run, DataSplit.TestImagery, stimulus, voxels);

    /// <summary>A data set of <paramref name="rows"/>; unless ROIs are given, one ROI "VC" covers every voxel.</summary>
    public static FmriDataset Build(IReadOnlyList<Row> rows, IReadOnlyDictionary<string, int[]>? rois = null)
    {
        int v = rows[0].Voxels.Length;
        if (rows.Any(r => r.Voxels.Length != v)) throw new ArgumentException("rows differ in voxel count");
        return new FmriDataset
        {
            Voxels = rows.SelectMany(r => r.Voxels).ToArray(),
            SampleCount = rows.Count,
            VoxelCount = v,
            StimulusIds = rows.Select(r => new StimulusId(r.Stimulus)).ToArray(),
            CategoryLabels = rows.Select(r => r.Category).ToArray(),
            Runs = rows.Select(r => r.Run).ToArray(),
            Splits = rows.Select(r => r.Split).ToArray(),
            RepeatCounts = rows.Select(r => r.Repeats).ToArray(),
            Rois = rois ?? new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, v).ToArray() },
            Subject = "sub-01",
        };
    }

    /// <summary>
    /// A random data set (seeded): <paramref name="trainRuns"/> training runs of <paramref name="perRun"/> samples
    /// with distinct stimuli, one mixed run (training samples then test samples), and <paramref name="testRuns"/>
    /// test runs each showing the same <paramref name="perRun"/> test stimuli. Each run has its own offset and gain.
    /// </summary>
    public static FmriDataset Random(Random random, int voxels, int trainRuns = 4, int testRuns = 2, int perRun = 6)
    {
        var rows = new List<Row>();
        int run = 1;
        for (; run <= trainRuns; run++)
            for (int k = 0; k < perRun; k++)
                rows.Add(Train(run, $"train_{run}_{k}", RunValues(random, voxels, run)));
        for (int k = 0; k < perRun; k++) rows.Add(Train(run, $"train_{run}_{k}", RunValues(random, voxels, run)));
        for (int k = 0; k < 3; k++) rows.Add(Test(run, $"test_{k}", RunValues(random, voxels, run)));
        for (int t = 0; t < testRuns; t++)
        {
            run++;
            for (int k = 0; k < perRun; k++) rows.Add(Test(run, $"test_{k}", RunValues(random, voxels, run)));
        }
        return Build(rows);
    }

    /// <summary>Values with a run-dependent offset (10 x run) and gain (run), so runs differ visibly.</summary>
    private static float[] RunValues(Random random, int voxels, int run)
        => Enumerable.Range(0, voxels).Select(j => (float)(10.0 * run + j + run * (random.NextDouble() - 0.5))).ToArray();

    /// <summary>The rows of <paramref name="dataset"/> in <paramref name="split"/>, as arrays.</summary>
    public static float[][] Rows(FmriDataset dataset, DataSplit split)
        => dataset.IndicesOf(split).Select(i => dataset.Sample(i).ToArray()).ToArray();

    /// <summary>Options without averaging and padding, so every input row gives one output row in place.</summary>
    public static PreprocessingOptions Unaveraged(ZScoreMode mode, TestRunStatistics testRule = TestRunStatistics.TrainingPooled, bool detrend = false)
        => new() { ZScore = mode, TestRunStatistics = testRule, Detrend = detrend, AverageTestRepeats = false, PatchSize = 1 };
}
