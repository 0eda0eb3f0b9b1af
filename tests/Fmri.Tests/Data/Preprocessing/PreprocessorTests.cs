using System.Diagnostics;
using Fmri.Data;
using Fmri.Data.Preprocessing;
using Xunit.Abstractions;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class PreprocessorTests(ITestOutputHelper output)
{
    /// <summary>
    /// 40 voxels, VC = voxels 0..36 (37), V1 = 0..9. Training: 2 runs x 4 distinct stimuli. Test: 5 runs, each showing
    /// stimuli t0 and t1 once (10 samples, 5 repeats each). One imagery sample. Voxel 3 is NaN in a training sample,
    /// voxel 5 is NaN in a test sample only, voxel 38 (outside VC) is NaN everywhere.
    /// Expected: 37 VC voxels, minus 2 non-finite = 35, padded with 13 zeros to 48 = 3 x 16.
    /// </summary>
    private static FmriDataset SmallExperiment()
    {
        var random = new Random(3);
        float[] Values() => Enumerable.Range(0, 40).Select(j => j == 38 ? float.NaN : (float)random.NextDouble()).ToArray();
        var rows = new List<Row>();
        for (int run = 1; run <= 2; run++)
            for (int k = 0; k < 4; k++) rows.Add(Train(run, $"train_{run}_{k}", Values()));
        for (int run = 3; run <= 7; run++)
            for (int k = 0; k < 2; k++) rows.Add(Test(run, $"t{k}", Values()));
        rows.Add(Imagery(8, "t0", Values()));
        rows[1].Voxels[3] = float.NaN;
        rows[9].Voxels[5] = float.NaN;
        return Build(rows, new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, 37).ToArray(), ["V1"] = Enumerable.Range(0, 10).ToArray() });
    }

    [Fact]
    public void The_summary_mentions_the_key_numbers()
    {
        var report = Preprocessor.Run(SmallExperiment(), new PreprocessingOptions(), SourceFile).Report;
        string summary = report.Summary;
        output.WriteLine(summary);
        Assert.Contains($"Preprocessed {SourceFile} (subject sub-01)", summary);
        Assert.Contains("ROI VC: 37 of 40 voxels kept (VC 37)", summary);
        Assert.Contains("Non-finite voxels dropped: 1 NaN/Inf in a training sample, 1 NaN/Inf only in a test sample; 35 voxels remain", summary);
        Assert.Contains("ROI masks kept: V1 8, VC 35", summary); // V1 = voxels 0..9 loses 3 and 5
        Assert.Contains("imagery samples excluded: 1", summary);
        Assert.Contains("Leakage check: passed", summary);
        Assert.Contains("Normalisation: voxel-wise z-score per training run (training statistics only); test: TrainingPooled", summary);
        Assert.Contains("Samples before averaging: Train 8, Test 10; after: Train 8, Test 2", summary);
        Assert.Contains("Repeats per test stimulus: 5 each over 2 test samples", summary);
        Assert.Contains("Padding: 35 -> 48 voxels (13 zero voxels added, patch size 16)", summary);
    }

    [Fact]
    public void Records_every_step_in_order_with_its_parameters()
    {
        var options = new PreprocessingOptions { Detrend = true, TestRunStatistics = TestRunStatistics.OwnRun };
        var d = Preprocessor.Run(SmallExperiment(), options, SourceFile).Dataset;
        Assert.Equal(
            ["roi_selection", "train_test_split", "drop_nonfinite_voxels", "linear_detrend", "zscore", "average_repeats", "pad_to_patch_size"],
            d.Provenance.Steps.Select(s => s.Name));
        var zscore = d.Provenance.Steps.Single(s => s.Name == "zscore");
        Assert.Equal("PerRun", zscore.Parameters["mode"]);
        Assert.StartsWith("OwnRun", zscore.Parameters["test_statistics"]);
        Assert.Equal("13", d.Provenance.Steps[^1].Parameters["padding_voxels"]);
        Assert.Equal(SourceFile, d.Provenance.SourceFile);
        Assert.Equal(48, d.VoxelCount);
        Assert.Equal(13, d.PaddingVoxels);
        Assert.Equal(10, d.SampleCount); // 8 training + 2 averaged test
        Assert.All(d.Voxels, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Does_not_modify_its_input_and_reports_progress_up_to_1()
    {
        var raw = SmallExperiment();
        var before = (float[])raw.Voxels.Clone();
        var fractions = new List<double>();
        Preprocessor.Run(raw, new PreprocessingOptions(), SourceFile, new SynchronousProgress(fractions.Add));
        Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), raw.Voxels.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0.0, fractions[0]);
        Assert.Equal(1.0, fractions[^1]);
        Assert.Equal(fractions.Order(), fractions);
    }

    [Fact]
    public void Rejects_bad_options_and_already_padded_input()
    {
        var raw = SmallExperiment();
        Assert.ThrowsAny<ArgumentException>(() => Preprocessor.Run(raw, new PreprocessingOptions { PatchSize = -16 }, SourceFile));
        Assert.ThrowsAny<ArgumentException>(() => Preprocessor.Run(raw, new PreprocessingOptions { Roi = "" }, SourceFile));
        Assert.ThrowsAny<ArgumentException>(() => new PreprocessingOptions { Roi = "ROI_VC = 2" }.Validate());
        Assert.ThrowsAny<ArgumentException>(() => Preprocessor.Run(raw, new PreprocessingOptions { TestStimulusIds = [] }, SourceFile));
        Assert.ThrowsAny<ArgumentException>(() => Preprocessor.Run(raw, new PreprocessingOptions { ZScore = (ZScoreMode)9 }, SourceFile));

        var padded = Preprocessor.Run(raw, new PreprocessingOptions(), SourceFile).Dataset;
        var error = Assert.Throws<DataFormatException>(() => Preprocessor.Run(padded, new PreprocessingOptions(), "out.h5"));
        Assert.Equal("padding", error.Field);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var o = new PreprocessingOptions();
        Assert.Equal(("VC", ZScoreMode.PerRun, false, true, false, 16), (o.Roi, o.ZScore, o.Detrend, o.AverageTestRepeats, o.AverageTrainRepeats, o.PatchSize));
        Assert.Equal((false, null, false, TestRunStatistics.TrainingPooled, true),
            (o.AllowSharedStimuli, o.TestStimulusIds, o.IncludeImagery, o.TestRunStatistics, o.DetrendKeepsRunMean));
    }

    /// <summary>
    /// Generic Object Decoding sample layout (Horikawa and Kamitani 2017): 1,200 training samples (24 runs x 50
    /// distinct images), 1,750 test samples (35 runs, each showing the 50 test images once). Voxels are cut to 600
    /// (579 in VC) to keep the test fast; the full 5,000-voxel size is timed outside the test suite.
    /// Expected: 1,200 + 50 samples, 35 repeats per test image, 579 + 13 = 592 = 37 x 16 voxels.
    /// </summary>
    [Fact]
    public void Handles_the_GOD_sample_layout()
    {
        const int voxels = 600, vc = 579;
        var random = new Random(2);
        int n = 1200 + 1750;
        var data = new float[n * voxels];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle();
        var runs = new int[n];
        var ids = new StimulusId[n];
        var splits = new DataSplit[n];
        for (int i = 0; i < 1200; i++) (runs[i], ids[i], splits[i]) = (1 + i / 50, StimulusId.FromSynsetAndImage(1000 + i / 8, i % 8), DataSplit.Train);
        for (int i = 0; i < 1750; i++) (runs[1200 + i], ids[1200 + i], splits[1200 + i]) = (25 + i / 50, StimulusId.FromSynsetAndImage(9000 + i % 50, 1), DataSplit.Test);
        var raw = new FmriDataset
        {
            Voxels = data, SampleCount = n, VoxelCount = voxels, StimulusIds = ids, CategoryLabels = new int[n], Runs = runs,
            Splits = splits, RepeatCounts = Enumerable.Repeat(1, n).ToArray(),
            Rois = new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, voxels).Where(j => j % 29 != 0).ToArray() },
        };
        Assert.Equal(vc, raw.Rois["VC"].Length); // 600 - 21 multiples of 29 in 0..599 (0, 29, ..., 580)

        var clock = Stopwatch.StartNew();
        var result = Preprocessor.Run(raw, new PreprocessingOptions(), "god_sub-02.h5");
        output.WriteLine($"GOD-layout preprocessing (600 voxels) took {clock.ElapsedMilliseconds} ms");
        output.WriteLine(result.Report.Summary);

        var d = result.Dataset;
        Assert.Equal(1250, d.SampleCount);
        Assert.Equal(592, d.VoxelCount);
        Assert.Equal(13, d.PaddingVoxels);
        Assert.All(d.IndicesOf(DataSplit.Test), i => Assert.Equal(35, d.RepeatCounts[i]));
        RepeatAveraging.RequireUniqueStimuli(d, DataSplit.Test, "god_sub-02.h5");
    }

    /// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
