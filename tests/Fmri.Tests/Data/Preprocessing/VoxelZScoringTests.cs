using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class VoxelZScoringTests
{
    private const double Tolerance = 1e-6;

    /// <summary>
    /// Two training runs x 3 samples x 2 voxels, and one test run of 2 samples.
    /// voxel 0: run 1 = 1, 2, 3; run 2 = 5, 6, 7; test = 4, 8.
    /// voxel 1: run 1 = 10, 10, 10 (constant); run 2 = 0, 3, 6; test = 6.5, 10.
    /// </summary>
    private static FmriDataset HandMade() => Build(
    [
        Train(1, "a", 1, 10), Train(1, "b", 2, 10), Train(1, "c", 3, 10),
        Train(2, "d", 5, 0), Train(2, "e", 6, 3), Train(2, "f", 7, 6),
        Test(3, "x", 4, 6.5f), Test(3, "y", 8, 10),
    ]);

    // Hand computation (population standard deviation, divisor n):
    // voxel 0 per run: mean 2 (run 1) / 6 (run 2), variance (1+0+1)/3 = 2/3, std 0.8164966 -> z = -1.2247449, 0, 1.2247449.
    // voxel 1 run 1: constant -> zero variance, centred and divided by 1 -> 0, 0, 0.
    // voxel 1 run 2: mean 3, variance (9+0+9)/3 = 6, std 2.4494897 -> z = -1.2247449, 0, 1.2247449.
    // Pooled over the 6 training samples: voxel 0 mean 4, variance (9+4+1+1+4+9)/6 = 14/3, std 2.1602469;
    //   voxel 1 mean 39/6 = 6.5, variance (3*3.5^2 + 6.5^2 + 3.5^2 + 0.5^2)/6 = 91.5/6 = 15.25, std 3.9051248.
    // Test samples, PerRun: the pooled mean (4, 6.5) and the within-run standard deviation pooled over the training
    //   runs: voxel 0 sqrt((3 * 2/3 + 3 * 2/3) / 6) = sqrt(2/3) = 0.8164966; voxel 1 only over run 2, since run 1 is
    //   constant there and was divided by 1: sqrt(6) = 2.4494897 (not the 2.1602469 and 3.9051248 over all six, which
    //   hold the gap between the run means).
    // Test sample x = (4, 6.5) -> (0, 0); y = (8, 10) -> (4/0.8164966, 3.5/2.4494897) = (4.8989795, 1.4288690).
    [Fact]
    public void PerRun_normalises_training_runs_by_their_own_statistics_and_test_by_the_within_run_training_scale()
    {
        var result = VoxelZScoring.Apply(HandMade(), ZScoreMode.PerRun, TestRunStatistics.TrainingPooled, SourceFile);
        var z = result.Dataset;
        double[][] expected =
        [
            [-1.2247449, 0], [0, 0], [1.2247449, 0],
            [-1.2247449, -1.2247449], [0, 0], [1.2247449, 1.2247449],
            [0, 0], [4.8989795, 1.4288690],
        ];
        for (int i = 0; i < expected.Length; i++)
            for (int j = 0; j < 2; j++)
                Assert.Equal(expected[i][j], z.Sample(i)[j], Tolerance);
        Assert.Equal(1, result.ZeroVarianceVoxels); // voxel 1 is constant in run 1
        Assert.Equal([4.0, 6.5], result.PooledTrainingStatistics!.Mean);
        Assert.Equal(2.1602469, result.PooledTrainingStatistics.StandardDeviation[0], Tolerance);
        Assert.Equal(0.8164966, result.TestStatistics!.StandardDeviation[0], Tolerance);
        Assert.Equal(2.4494897, result.TestStatistics.StandardDeviation[1], Tolerance);
        Assert.Equal("PerRun", result.Step.Parameters["mode"]);
        Assert.StartsWith("TrainingPooled", result.Step.Parameters["test_statistics"]);
    }

    // PerSession: every sample uses the pooled training statistics above.
    // Training voxel 0: (1-4)/2.1602469 = -1.3887301, (7-4)/2.1602469 = 1.3887301;
    // training voxel 1: (10-6.5)/3.9051248 = 0.8962582, (0-6.5)/3.9051248 = -1.6644794.
    // Test y = (8, 10) -> (4/2.1602469, 3.5/3.9051248) = (1.8516402, 0.8962582): the scale training samples were given.
    [Fact]
    public void PerSession_uses_one_set_of_training_statistics_for_every_sample()
    {
        var result = VoxelZScoring.Apply(HandMade(), ZScoreMode.PerSession, TestRunStatistics.TrainingPooled, SourceFile);
        var z = result.Dataset;
        Assert.Equal(-1.3887301, z.Sample(0)[0], Tolerance);
        Assert.Equal(1.3887301, z.Sample(5)[0], Tolerance);
        Assert.Equal(0.8962582, z.Sample(0)[1], Tolerance);
        Assert.Equal(-1.6644794, z.Sample(3)[1], Tolerance);
        Assert.Equal(1.8516402, z.Sample(7)[0], Tolerance);
        Assert.Equal(0.8962582, z.Sample(7)[1], Tolerance);
        Assert.Equal(0, result.ZeroVarianceVoxels); // pooled over both runs, no voxel is constant
    }

    // OwnRun: the test run (x, y) uses its own statistics: voxel 0 = 4, 8 -> mean 6, std 2 -> -1, 1;
    // voxel 1 = 6.5, 10 -> mean 8.25, std 1.75 -> -1, 1. Training is unchanged from PerRun.
    [Fact]
    public void OwnRun_normalises_each_test_run_by_its_own_statistics_and_leaves_training_unchanged()
    {
        var perRun = VoxelZScoring.Apply(HandMade(), ZScoreMode.PerRun, TestRunStatistics.TrainingPooled, SourceFile).Dataset;
        var ownRun = VoxelZScoring.Apply(HandMade(), ZScoreMode.PerRun, TestRunStatistics.OwnRun, SourceFile);
        Assert.Equal([-1f, -1f], ownRun.Dataset.Sample(6).ToArray());
        Assert.Equal([1f, 1f], ownRun.Dataset.Sample(7).ToArray());
        Assert.Equal(Rows(perRun, DataSplit.Train), Rows(ownRun.Dataset, DataSplit.Train));
        Assert.StartsWith("OwnRun", ownRun.Step.Parameters["test_statistics"]);
    }

    [Fact]
    public void None_leaves_values_unchanged()
    {
        var raw = HandMade();
        var result = VoxelZScoring.Apply(raw, ZScoreMode.None, TestRunStatistics.TrainingPooled, SourceFile);
        Assert.Same(raw.Voxels, result.Dataset.Voxels);
        Assert.Equal("None", result.Step.Parameters["mode"]);
    }

    [Theory]
    [InlineData(ZScoreMode.PerRun, TestRunStatistics.TrainingPooled, false)]
    [InlineData(ZScoreMode.PerRun, TestRunStatistics.OwnRun, false)]
    [InlineData(ZScoreMode.PerSession, TestRunStatistics.TrainingPooled, false)]
    [InlineData(ZScoreMode.PerSession, TestRunStatistics.OwnRun, true)]
    [InlineData(ZScoreMode.PerRun, TestRunStatistics.TrainingPooled, true)]
    [InlineData(ZScoreMode.None, TestRunStatistics.TrainingPooled, true)]
    public void Changing_every_test_sample_leaves_the_preprocessed_training_data_bit_identical(ZScoreMode mode, TestRunStatistics testRule, bool detrend)
    {
        // Run 5 mixes training and test samples, so per-run steps must keep the two apart too.
        var raw = TinyDataset.Random(new Random(11), voxels: 20);
        var scramble = new Random(12);
        var changed = (float[])raw.Voxels.Clone();
        foreach (int i in raw.IndicesOf(DataSplit.Test))
            for (int j = 0; j < raw.VoxelCount; j++)
                changed[i * raw.VoxelCount + j] = (float)(1000 * scramble.NextDouble() - 300);
        var options = new PreprocessingOptions { ZScore = mode, TestRunStatistics = testRule, Detrend = detrend, PatchSize = 16 };

        var original = Preprocessor.Run(raw, options, SourceFile).Dataset;
        var modified = Preprocessor.Run(raw with { Voxels = changed }, options, SourceFile).Dataset;

        var a = Rows(original, DataSplit.Train);
        var b = Rows(modified, DataSplit.Train);
        Assert.Equal(30, a.Length); // 5 runs x 6 training samples
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(a[i].Select(BitConverter.SingleToInt32Bits), b[i].Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(Rows(original, DataSplit.Test)[0], Rows(modified, DataSplit.Test)[0]); // the test data did change
    }

    [Fact]
    public void PerRun_gives_every_training_run_mean_0_and_std_1_per_voxel()
    {
        var raw = TinyDataset.Random(new Random(5), voxels: 7); // runs have offsets 10 x run and gains ~run
        var z = Preprocessor.Run(raw, Unaveraged(ZScoreMode.PerRun), SourceFile).Dataset;
        foreach (int run in z.Runs.Distinct())
        {
            int[] rows = z.IndicesOf(DataSplit.Train).Where(i => z.Runs[i] == run).ToArray();
            if (rows.Length == 0) continue;
            var stats = VoxelStatistics.Compute(z.Voxels, z.VoxelCount, rows);
            for (int j = 0; j < z.VoxelCount; j++)
            {
                Assert.Equal(0.0, stats.Mean[j], 1e-6);
                Assert.Equal(1.0, stats.StandardDeviation[j], 1e-5);
            }
        }
    }

    [Fact]
    public void PerSession_gives_pooled_training_mean_0_and_std_1_but_keeps_run_offsets()
    {
        var raw = TinyDataset.Random(new Random(6), voxels: 7);
        var z = Preprocessor.Run(raw, Unaveraged(ZScoreMode.PerSession), SourceFile).Dataset;
        var pooled = VoxelStatistics.Compute(z.Voxels, z.VoxelCount, z.IndicesOf(DataSplit.Train));
        for (int j = 0; j < z.VoxelCount; j++)
        {
            Assert.Equal(0.0, pooled.Mean[j], 1e-6);
            Assert.Equal(1.0, pooled.StandardDeviation[j], 1e-5);
        }
        // Run offsets are 10 x run, so run 1's training mean stays well below run 5's after one common scaling.
        double RunMean(int run) => VoxelStatistics.Compute(z.Voxels, z.VoxelCount,
            z.IndicesOf(DataSplit.Train).Where(i => z.Runs[i] == run).ToArray()).Mean[0];
        Assert.True(RunMean(1) < -1.0 && RunMean(5) > 1.0, $"run means {RunMean(1)}, {RunMean(5)}");
    }

    [Fact]
    public void Without_training_samples_zscoring_fails_naming_the_split()
    {
        var onlyTest = Build([Test(1, "x", 1, 2), Test(1, "y", 3, 4)]);
        var error = Assert.Throws<DataFormatException>(() => VoxelZScoring.Apply(onlyTest, ZScoreMode.PerRun, TestRunStatistics.TrainingPooled, SourceFile));
        Assert.Equal("split", error.Field);
        Assert.Equal(SourceFile, error.File);
    }
}
