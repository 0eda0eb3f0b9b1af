using Decoding.Evaluation;

namespace Decoding.Tests.Evaluation;

/// <summary>
/// <see cref="EvaluationRun"/> on constructed decoded.h5 files (see <see cref="EvaluationTestData"/>), scored with a
/// tiny SmallCnnClassifier trained in-test on synthetic shapes (a real classifier, not a stand-in).
/// </summary>
public sealed class EvaluationRunTests
{
    private static readonly EvaluationSettings Settings = new([2, 3, 4], TrialsPerItem: 200, Seed: 5, BootstrapResamples: 200);

    private static EvaluationReport Run(string decoded, string? control = null)
    {
        var data = EvaluationTestData.Instance;
        string output = Path.Combine(data.Folder, "out-" + Guid.NewGuid().ToString("N"));
        return EvaluationRun.Run(new EvaluationInputs(decoded, data.StimuliFile, data.ClassifierFolder, output, control), Settings, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void ThePerfectDecoderScoresOneOnEveryAccuracy()
    {
        var row = Run(EvaluationTestData.Instance.PerfectFile).Rows[0];
        // decoded = stimulus, so the classifier's probabilities match exactly and the true class always wins.
        Assert.All(row.NWay, s => Assert.Equal(1.0, s.MeanOverSamples.Value));
        Assert.All(row.NWay, s => Assert.Equal(1.0, s.MaxOverSamples.Value));
        Assert.Equal(1.0, row.TwoWayPixels!.Mean.Value);
        Assert.Equal(1.0, row.TwoWayFeatures.Mean.Value);
        Assert.Equal(1.0, row.PixCorr!.Mean.Value, 6);
        Assert.Equal(1.0, row.Ssim!.Mean.Value, 6);
        Assert.All(row.NWay, s => Assert.True(s.BinomialPValue < 1e-6, $"n = {s.N}: p = {s.BinomialPValue}"));
    }

    [Fact]
    public void AFixedImageForEveryItemIsAtChance()
    {
        var report = Run(EvaluationTestData.Instance.FixedFile);
        var row = report.Rows[0];
        Assert.All(row.NWay, s => Assert.True(s.WithinChanceInterval,
            $"n = {s.N}: {s.MeanOverSamples.Value} outside [{s.ChanceInterval.Lower}, {s.ChanceInterval.Upper}]"));
        // Every pair (i, j) is won by exactly one side when the decoded image is shared: the mean is exactly 1/2 unless ties.
        Assert.Equal(0.5, row.TwoWayPixels!.Mean.Value, 2);
        Assert.True(row.TwoWayPixels!.WithinChanceInterval);
        Assert.True(row.TwoWayFeatures.WithinChanceInterval);
    }

    [Fact]
    public void TheShuffledControlLandsInTheChanceIntervalWhileThePipelineDoesNot()
    {
        var data = EvaluationTestData.Instance;
        var report = Run(data.PerfectFile, data.ShuffledFile);
        var control = Assert.Single(report.Rows, r => r.Kind == "control");
        Assert.All(control.NWay, s => Assert.True(s.WithinChanceInterval,
            $"n = {s.N}: {s.MeanOverSamples.Value} outside [{s.ChanceInterval.Lower}, {s.ChanceInterval.Upper}]"));
        Assert.True(control.TwoWayPixels!.WithinChanceInterval);
        Assert.All(report.Rows[0].NWay, s => Assert.False(s.WithinChanceInterval));
    }

    [Fact]
    public void TheClassifierFixtureLearnedItsClasses()
        // Guards the other tests: a classifier at chance would make "at chance" results meaningless.
        => Assert.True(EvaluationTestData.Instance.ClassifierAccuracy > 0.9, $"accuracy {EvaluationTestData.Instance.ClassifierAccuracy}");

    [Fact]
    public void ReferenceRowsHoldChanceAndTheLabelledMinDVisNumber()
    {
        var report = Run(EvaluationTestData.Instance.PerfectFile);
        Assert.Contains(report.References, r => r.Name == "chance" && r.Metric == "4-way top-1" && r.Value == 0.25);
        // 0.226: MinD-Vis released checkpoint, GOD subject 3, 50-way top-1 max (docs/method.md, from the authors' paper).
        var mindVis = Assert.Single(report.References, r => r.Name.StartsWith("MinD-Vis", StringComparison.Ordinal));
        Assert.Equal(0.226, mindVis.Value);
        Assert.Contains("not comparable", mindVis.Note);
    }
}
