using Decoding.Decode;
using Decoding.Evaluation;
using Decoding.Metrics;
using Decoding.Tests.Metrics;
using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Evaluation;

/// <summary>
/// <see cref="EvaluationRun"/> on constructed decoded.h5 files (see <see cref="EvaluationTestData"/>), scored with a
/// tiny SmallCnnClassifier trained in-test on synthetic shapes (a real classifier, not a stand-in).
/// </summary>
public sealed class EvaluationRunTests
{
    private static readonly EvaluationSettings Settings = new([2, 3, 4], Seed: 5, BootstrapResamples: 200, Permutations: 500);

    private static EvaluationReport Run(params string[] decoded)
    {
        var data = EvaluationTestData.Instance;
        string output = Path.Combine(data.Folder, "out-" + Guid.NewGuid().ToString("N"));
        return EvaluationRun.Run(new EvaluationInputs(decoded, data.StimuliFile, data.ClassifierFolder, output), Settings, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void ThePerfectDecoderScoresOneOnEveryAccuracyWithTheSmallestPValueItsStimuliAllow()
    {
        var row = Run(EvaluationTestData.Instance.PerfectFile).Rows[0];
        // decoded = stimulus, so the classifier's probabilities match exactly and the true class always wins.
        Assert.All(row.NWay, s => Assert.Equal(1.0, s.MeanOverSamples.Mean.Value));
        Assert.All(row.NWay, s => Assert.Equal(1.0, s.MaxOverSamples.Value));
        Assert.Equal(1.0, row.TwoWayPixels!.ReconstructionFixed.Mean.Value);
        Assert.Equal(1.0, row.TwoWayPixels.GroundTruthFixed.Mean.Value);
        Assert.Equal(1.0, row.TwoWayFeatures.ReconstructionFixed.Mean.Value);
        Assert.Equal(1.0, row.TwoWayFeatures.WithinCategory!.Mean.Value);
        Assert.Equal(1.0, row.TwoWayPixels.WithinCategory!.Mean.Value);
        Assert.Equal(1.0, row.PixCorr!.Mean.Value, 6);
        Assert.Equal(1.0, row.Ssim!.Mean.Value, 6);
        Assert.Equal(1.0, row.SsimColumnWise!.Mean.Value, 6);
        // Every stimulus succeeds: p = 2^-48, the floor of 48 stimuli, whatever K = 2 or the 48 x 47 comparisons.
        Assert.All(row.NWay, s => Assert.Equal(Math.Pow(0.5, EvaluationTestData.Items), s.MeanOverSamples.Test!.PValue, 1e-20));
    }

    [Fact]
    public void TenStimuliCanNeverGiveAPValueBelowWhatTenIndependentOutcomesAllow()
    {
        // 10 stimuli, each decoded perfectly 5 times (50 samples, 90 ordered pairs): the test counts stimuli, so the
        // best possible p is 2^-10 (a per-sample binomial would have printed about 1e-50 for 10-way accuracy).
        var row = Run(EvaluationTestData.Instance.TenFile).Rows[0];
        double floor = Math.Pow(0.5, 10);
        foreach (var s in row.NWay) Assert.Equal(floor, s.MeanOverSamples.Test!.PValue, 1e-15);
        foreach (var summary in new[] { row.TwoWayPixels!.ReconstructionFixed, row.TwoWayPixels.GroundTruthFixed, row.TwoWayFeatures.ReconstructionFixed })
        {
            Assert.Equal(10, summary.Test!.Stimuli);
            Assert.True(summary.Test.PValue >= floor, $"p = {summary.Test.PValue}");
        }
    }

    [Fact]
    public void AFixedImageForEveryItemIsInsideTheNullRange()
    {
        var row = Run(EvaluationTestData.Instance.FixedFile).Rows[0];
        Assert.All(row.NWay, s => Assert.True(s.MeanOverSamples.WithinNullRange,
            $"n = {s.N}: {s.MeanOverSamples.Mean.Value} outside [{s.MeanOverSamples.Test!.NullRange.Lower}, {s.MeanOverSamples.Test.NullRange.Upper}]"));
        // Reconstruction fixed: item i wins against j when the shared image correlates more with stimulus i than with j,
        // so each unordered pair is won by exactly one of its two items: the mean is exactly 1/2 (no ties here).
        Assert.Equal(0.5, row.TwoWayPixels!.ReconstructionFixed.Mean.Value, 12);
        Assert.True(row.TwoWayPixels.ReconstructionFixed.WithinNullRange);
        // The same holds inside each category (each same-category pair won by one of its items): 1/2 within categories.
        Assert.Equal(0.5, row.TwoWayPixels.WithinCategory!.Mean.Value, 12);
        // Ground truth fixed: every reconstruction is the same image, so every comparison ties, and ties lose.
        Assert.Equal(0.0, row.TwoWayPixels.GroundTruthFixed.Mean.Value);
        Assert.True(row.TwoWayPixels.GroundTruthFixed.Test!.PValue == 1.0);
    }

    [Fact]
    public void TheShuffledControlIsInsideTheNullRangeWhileThePerfectRouteIsNot()
    {
        var data = EvaluationTestData.Instance;
        var report = Run(data.PerfectFile, data.ShuffledFile);
        Assert.Equal(["perfect", "control: perfect, shuffled"], report.Rows.Select(r => r.Name));
        var control = report.Rows[1];
        Assert.Equal("control", control.Kind);
        Assert.Equal("perfect", control.Control!.ControlOf);
        Assert.All(control.NWay, s => Assert.True(s.MeanOverSamples.WithinNullRange, $"n = {s.N}: {s.MeanOverSamples.Mean.Value}"));
        Assert.True(control.TwoWayPixels!.ReconstructionFixed.WithinNullRange);
        Assert.All(report.Rows[0].NWay, s => Assert.False(s.MeanOverSamples.WithinNullRange));
        // Within category too: the control's images (another category's) tell nothing of the exemplar, the perfect
        // route's tell everything, far outside the range its re-pairings give.
        Assert.True(control.TwoWayPixels.WithinCategory!.WithinNullRange, $"control within category {control.TwoWayPixels.WithinCategory.Mean.Value}");
        Assert.False(report.Rows[0].TwoWayPixels!.WithinCategory!.WithinNullRange);
        Assert.True(report.Rows[0].TwoWayPixels!.WithinCategory!.Test!.PValue < 0.01);
    }

    [Fact]
    public void PixelMetricsAreComputedAtTheStimulusNativeGeometry()
    {
        // 12x12 stimuli on the classifier's 16x16 canvas (centred, 2 px of zero padding): a reconstruction that is the
        // stimulus inside the region and anything in the padding is a perfect reconstruction at native size.
        var data = EvaluationTestData.Instance;
        using var folder = new TempFolder();
        var full = StimulusImageSet.Read(data.StimuliFile);
        int n = 12, native = 12, pad = (EvaluationTestData.Size - native) / 2;
        var pixels = new byte[n * native * native];
        for (int i = 0; i < n; i++)
            for (int y = 0; y < native; y++)
                full.Image(i).Slice((y + pad) * EvaluationTestData.Size + pad, native).CopyTo(pixels.AsSpan(i * native * native + y * native, native));
        string stimuli = Path.Combine(folder.Path, "stimuli12.h5");
        new StimulusImageSet(pixels, n, native, native, 1, full.StimulusIds[..n], full.CategoryLabels[..n], full.CategoryNames).Write(stimuli);
        var canvas = StimulusImageSet.Read(stimuli).FitTo(EvaluationTestData.Size, EvaluationTestData.Size);
        var random = new Random(3);
        var decoded = Enumerable.Range(0, n).Select(i =>
        {
            var image = canvas.Image(i).ToArray();
            for (int y = 0; y < EvaluationTestData.Size; y++)
                for (int x = 0; x < EvaluationTestData.Size; x++)
                    if (y < pad || y >= pad + native || x < pad || x >= pad + native) image[y * EvaluationTestData.Size + x] = (byte)random.Next(256);
            return new[] { image };
        }).ToArray();
        string file = Path.Combine(folder.Path, "padded", DecodedImagesFile.FileName);
        EvaluationTestData.WriteDecoded(file, decoded, full.StimulusIds[..n].Select(id => id.Value).ToArray(), full.CategoryLabels[..n], EvaluationTestData.Route("padded"));

        var report = EvaluationRun.Run(new EvaluationInputs([file], stimuli, data.ClassifierFolder, Path.Combine(folder.Path, "out")), Settings, DateTimeOffset.UnixEpoch);
        var row = report.Rows[0];
        Assert.Equal(1.0, row.PixCorr!.Mean.Value, 6);
        Assert.Equal(1.0, row.Ssim!.Mean.Value, 6);
        Assert.Equal(1.0, row.SsimColumnWise!.Mean.Value, 6);   // at the native geometry too
        Assert.True(row.PixCorrCanvas!.Mean.Value < 0.95, $"canvas PixCorr {row.PixCorrCanvas.Mean.Value} should show the noisy padding");
        Assert.Equal((16, 12, 12), (report.Geometry.Canvas, report.Geometry.Height, report.Geometry.Width));
        Assert.Contains("cropped", report.Geometry.Rule);
    }

    /// <summary>
    /// Colour stimuli and reconstructions scored with the fixture's greyscale classifier: the classifier sees their luma,
    /// but PixCorr and 2-way identification in pixels compare every value of the colour images (MindEye's PixCorr), so
    /// the numbers do not depend on the channels the scoring network happens to take. The expected PixCorr is computed
    /// here from its definition, over all H x W x 3 values.
    /// </summary>
    [Fact]
    public void ColourPixelMetricsUseEveryChannelWhateverTheClassifierTakes()
    {
        var data = EvaluationTestData.Instance;
        using var folder = new TempFolder();
        var grey = StimulusImageSet.Read(data.StimuliFile);
        const int n = 12, size = EvaluationTestData.Size, plane = size * size;
        var stimulus = new byte[n][];
        var reconstruction = new byte[n][];
        var random = new Random(7);
        for (int i = 0; i < n; i++)
        {
            var g = grey.Image(i);
            stimulus[i] = new byte[plane * 3];
            reconstruction[i] = new byte[plane * 3];
            for (int p = 0; p < plane; p++)
            {
                // The channels carry different patterns: red the shape, green its negative, blue a fixed ramp.
                stimulus[i][3 * p] = g[p];
                stimulus[i][3 * p + 1] = (byte)(255 - g[p]);
                stimulus[i][3 * p + 2] = (byte)(p * 37 % 256);
                // The reconstruction keeps green, halves red and replaces blue by noise.
                reconstruction[i][3 * p] = (byte)(g[p] / 2);
                reconstruction[i][3 * p + 1] = (byte)(255 - g[p]);
                reconstruction[i][3 * p + 2] = (byte)random.Next(256);
            }
        }
        string stimuli = Path.Combine(folder.Path, "colour.h5");
        new StimulusImageSet(stimulus.SelectMany(b => b).ToArray(), n, size, size, 3, grey.StimulusIds[..n], grey.CategoryLabels[..n], grey.CategoryNames).Write(stimuli);
        string file = Path.Combine(folder.Path, "colour", DecodedImagesFile.FileName);
        EvaluationTestData.WriteDecoded(file, reconstruction.Select(r => new[] { r }).ToArray(), grey.StimulusIds[..n].Select(id => id.Value).ToArray(),
            grey.CategoryLabels[..n], EvaluationTestData.Route("colour"), channels: 3);

        var row = EvaluationRun.Run(new EvaluationInputs([file], stimuli, data.ClassifierFolder, Path.Combine(folder.Path, "out")), Settings, DateTimeOffset.UnixEpoch).Rows[0];

        static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
        {
            double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
            for (int k = 0; k < x.Count; k++) (sxy, sxx, syy) = (sxy + (x[k] - mx) * (y[k] - my), sxx + (x[k] - mx) * (x[k] - mx), syy + (y[k] - my) * (y[k] - my));
            return sxy / Math.Sqrt(sxx * syy);
        }
        static double[] Luma(byte[] rgb) => Enumerable.Range(0, rgb.Length / 3)
            .Select(p => ImageTensor.LumaRed * rgb[3 * p] + ImageTensor.LumaGreen * rgb[3 * p + 1] + ImageTensor.LumaBlue * rgb[3 * p + 2]).ToArray();
        double everyValue = Enumerable.Range(0, n).Average(i => Pearson(reconstruction[i].Select(b => (double)b).ToArray(), stimulus[i].Select(b => (double)b).ToArray()));
        double ofLuma = Enumerable.Range(0, n).Average(i => Pearson(Luma(reconstruction[i]), Luma(stimulus[i])));
        Assert.True(Math.Abs(everyValue - ofLuma) > 0.05, $"the fixture must tell the two apart: {everyValue} vs {ofLuma}");
        Assert.Equal(everyValue, row.PixCorr!.Mean.Value, 4);
        Assert.Equal(everyValue, row.PixCorrCanvas!.Mean.Value, 4);

        // evaluate computes its correlations in one pass over all pairs (MethodScoring); the Metrics classes, checked
        // against their references in tests/Decoding.Tests/Metrics, give the same PixCorr and 2-way identification.
        static ImageTensor Tensor(byte[] rgb) => new(size, size, 3, rgb.Select(b => b / 255f).ToArray());
        var reconstructions = reconstruction.Select(Tensor).ToList();
        var stimulusImages = stimulus.Select(Tensor).ToList();
        Assert.Equal(PixCorr.Compute(reconstructions, stimulusImages).Mean, row.PixCorr.Mean.Value, 10);
        Assert.Equal(TwoWayIdentification.Compute(reconstructions, stimulusImages).Mean, row.TwoWayPixels!.ReconstructionFixed.Mean.Value, 10);
    }

    [Fact]
    public void TheClassifierFixtureLearnedItsClasses()
        // Guards the other tests: a classifier at chance would make "at chance" results meaningless.
        => Assert.True(EvaluationTestData.Instance.ClassifierAccuracy > 0.9, $"accuracy {EvaluationTestData.Instance.ClassifierAccuracy}");

    [Fact]
    public void ReferenceRowsHoldChanceTheTestFloorAndTheLabelledMinDVisNumber()
    {
        var report = Run(EvaluationTestData.Instance.PerfectFile);
        Assert.Contains(report.References, r => r.Name == "chance" && r.Metric == "4-way top-1" && r.Value == 0.25);
        Assert.Contains(report.References, r => r.Name == "smallest possible p-value" && r.Value == Math.Pow(0.5, EvaluationTestData.Items));
        // 0.226: MinD-Vis released checkpoint, GOD subject 3, 50-way top-1 max, from the authors' paper.
        var mindVis = Assert.Single(report.References, r => r.Name.StartsWith("MinD-Vis", StringComparison.Ordinal));
        Assert.Equal(0.226, mindVis.Value);
        Assert.Contains("not comparable", mindVis.Note);
    }

    [Fact]
    public void FilesOfDifferentItemsOrTheSameMethodTwiceAreRefused()
    {
        var data = EvaluationTestData.Instance;
        Assert.Contains("same items", Assert.Throws<DataFormatException>(() => Run(data.PerfectFile, data.TenFile)).Message);
        Assert.Equal("decoded", Assert.Throws<InvalidSettingException>(() => Run(data.PerfectFile, data.PerfectFile)).Setting);
    }

    [Fact]
    public void FeaturePredictionsScoreTheirHandComputedFraction()
    {
        // Two classes, three items: the true class (top-1 on the stimulus) is 0, 1, 0; the predicted probabilities put item 0
        // and item 1 on their true class and item 2 on the other, so every 2-way trial of items 0 and 1 is won and every one
        // of item 2 lost: n-way = 2/3 exactly. Features: item i's prediction correlates best with its own stimulus.
        var output = new ClassifierOutput([[0.9f, 0.1f], [0.2f, 0.8f], [0.7f, 0.3f]], [[1f, 0f, 0f], [0f, 1f, 0f], [0f, 0f, 1f]]);
        var image = new ImageTensor(2, 2, 1, [0f, 1f, 0f, 1f]);
        var stimuli = new ScoredStimuli(["a", "b", "c"], [image, image, image], [image, image, image], ["x", "y", "x"], output, NativeGeometry.For(2, 2, 2));
        var hand = MethodScoring.ScoreFeatures("hand", "reference", "test", stimuli, [[2f, 0f, 1f], [0f, 2f, 1f], [1f, 0f, 2f]],
            [[0.6f, 0.4f], [0.3f, 0.7f], [0.4f, 0.6f]], new EvaluationSettings([2], Seed: 1, BootstrapResamples: 50, Permutations: 50));
        Assert.Equal(2.0 / 3.0, Assert.Single(hand.NWay).MeanOverSamples.Mean.Value, 12);
        Assert.Equal(1.0, hand.TwoWayFeatures.ReconstructionFixed.Mean.Value);
        Assert.Null(hand.PixCorr);
        Assert.Null(hand.TwoWayPixels);
    }
}
