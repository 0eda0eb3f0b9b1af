using Decoding.Evaluation;
using Fmri.Data;
using Decoding.Evaluation.Metrics;
using Decoding.Evaluation.ScoringClassifier;
using TorchSharp;
using Xunit.Abstractions;

namespace Decoding.Tests.Evaluation.Baselines;

/// <summary>The ridge rows of <see cref="EvaluationRun"/> from a preprocessed (canonical) file (<see cref="RidgeTestData"/>):
/// fitted on its training split only and scored with the same metrics as the pipeline.</summary>
public sealed class RidgeBaselineRowTests(ITestOutputHelper output)
{
    public const string PixelRow = "ridge: voxels -> pixels", FeatureRow = "ridge: voxels -> classifier features", VaeRow = "ridge: voxels -> VAE latent";

    [Fact]
    public void TheRidgeRowBeatsChanceOnEasySyntheticFmriAndTheDataAreDescribed()
    {
        var data = RidgeTestData.Instance;
        var report = data.Evaluate();

        var ridge = Assert.Single(report.Rows, r => r.Name == PixelRow);
        Assert.Equal("baseline", ridge.Kind);
        Assert.Equal(data.TestIndices.Length, ridge.Items);
        Assert.Equal(1, ridge.Samples);
        Assert.True(ridge.TwoWayPixels!.Mean.Value > ridge.TwoWayPixels.ChanceInterval!.Upper,
            $"ridge 2-way pixel identification {ridge.TwoWayPixels.Mean.Value} not above chance range {ridge.TwoWayPixels.ChanceInterval.Upper}");
        Assert.Equal("synthetic", report.Data.Subject);
        Assert.Equal(["VC"], report.Data.Rois);
        // The feature row comes with --ridge; the VAE row only with --ridge-vae.
        Assert.Equal(["pipeline", PixelRow, FeatureRow], report.Rows.Select(r => r.Name));
    }

    [Fact]
    public void TheFeatureRidgeIdentifiesTestStimuliInFeatureSpaceAndHasNoPixelMetrics()
    {
        var data = RidgeTestData.Instance;
        var row = Assert.Single(data.Evaluate().Rows, r => r.Name == FeatureRow);
        output.WriteLine($"feature ridge: 2-way features {row.TwoWayFeatures.Mean.Value:F4} [{row.TwoWayFeatures.Mean.Lower:F4}, {row.TwoWayFeatures.Mean.Upper:F4}], "
            + $"chance range upper {row.TwoWayFeatures.ChanceInterval!.Upper:F4}; "
            + string.Join("; ", row.NWay.Select(s => $"{s.N}-way {s.MeanOverSamples.Value:F4} (p {s.BinomialPValue:G3})")) + $"; {row.Note}");
        Assert.Equal("baseline", row.Kind);
        Assert.Equal(data.TestIndices.Length, row.Items);
        Assert.Equal(1, row.Samples);
        Assert.True(row.TwoWayFeatures.Mean.Value > 0.75, $"2-way feature identification {row.TwoWayFeatures.Mean.Value}");
        Assert.True(row.TwoWayFeatures.Mean.Value > row.TwoWayFeatures.ChanceInterval.Upper);
        Assert.Null(row.TwoWayPixels);
        Assert.Null(row.PixCorr);
        Assert.Null(row.Ssim);
        Assert.Equal([2, 4], row.NWay.Select(s => s.N));
        Assert.Contains("lambda", row.Note);
        Assert.Contains($"{data.Fmri.IndicesOf(DataSplit.Train).Length} training samples", row.Note);
    }

    [Fact]
    public void TheHeadOnAnImagesOwnFeaturesGivesTheClassifiersProbabilities()
    {
        // Hand computation: softmax(forward(x)) = softmax(head(Features(x))), so the probabilities from the features of
        // Classify must equal those of Classify, and equal softmax of the network's logits.
        var (classifier, _) = new ClassifierFolder(EvaluationTestData.Instance.ClassifierFolder).Load();
        using var scope = classifier;
        var images = EvaluationImages.FromSet(Fmri.Data.Stimuli.StimulusImageSet.Read(EvaluationTestData.Instance.StimuliFile), 1).Take(6).ToList();
        var output = classifier.Classify(images);
        var fromHead = classifier.ProbabilitiesFromFeatures(output.Features);
        using var noGrad = torch.no_grad();
        using var batch = torch.tensor(images.SelectMany(i => i.Pixels).ToArray(), new long[] { images.Count, 1, 16, 16 });
        using var logits = classifier.forward(batch);
        using var softmax = torch.nn.functional.softmax(logits, 1);
        var expected = softmax.data<float>().ToArray();
        for (int i = 0; i < images.Count; i++)
            for (int c = 0; c < classifier.ClassCount; c++)
            {
                Assert.Equal(output.Probabilities[i][c], fromHead[i][c], 5);
                Assert.Equal(expected[i * classifier.ClassCount + c], fromHead[i][c], 5);
            }
    }

    [Fact]
    public void PerfectFeaturePredictionsScoreOneAndAHandCaseScoresItsFraction()
    {
        var (classifier, _) = new ClassifierFolder(EvaluationTestData.Instance.ClassifierFolder).Load();
        using var scope = classifier;
        var images = EvaluationImages.FromSet(Fmri.Data.Stimuli.StimulusImageSet.Read(EvaluationTestData.Instance.StimuliFile), 1);
        var stimulusOutput = classifier.Classify(images);
        var categories = images.Select(_ => "shape").ToList();
        var settings = new EvaluationSettings([2, 3, 4], TrialsPerItem: 100, Seed: 1, BootstrapResamples: 50);
        var perfect = DecodingEvaluation.EvaluateFeatures("perfect", "baseline", stimulusOutput, stimulusOutput.Features,
            classifier.ProbabilitiesFromFeatures(stimulusOutput.Features), categories, settings);
        Assert.All(perfect.NWay, s => Assert.Equal(1.0, s.MeanOverSamples.Value));
        Assert.Equal(1.0, perfect.TwoWayFeatures.Mean.Value);

        // Two classes, three items: the true class (top-1 on the stimulus) is 0, 1, 0; the predicted probabilities put item 0
        // and item 1 on their true class and item 2 on the other, so every 2-way trial of items 0 and 1 is won and every one
        // of item 2 lost: n-way = 2/3 exactly. Features: item i's prediction correlates best with its own stimulus.
        var handOutput = new ClassifierOutput([[0.9f, 0.1f], [0.2f, 0.8f], [0.7f, 0.3f]], [[1f, 0f, 0f], [0f, 1f, 0f], [0f, 0f, 1f]]);
        var hand = DecodingEvaluation.EvaluateFeatures("hand", "baseline", handOutput, [[2f, 0f, 1f], [0f, 2f, 1f], [1f, 0f, 2f]],
            [[0.6f, 0.4f], [0.3f, 0.7f], [0.4f, 0.6f]], ["a", "b", "a"], new EvaluationSettings([2], TrialsPerItem: 10, Seed: 1, BootstrapResamples: 50));
        Assert.Equal(2.0 / 3.0, Assert.Single(hand.NWay).MeanOverSamples.Value, 12);
        Assert.Equal(1.0, hand.TwoWayFeatures.Mean.Value);
        Assert.Null(hand.PixCorr);
    }
}
