using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

/// <summary>The classifier-driven overloads of the semantic metrics, with a transparent stand-in classifier.</summary>
public class ClassifierMetricsTests
{
    /// <summary>Class = brightest quadrant of a greyscale image: probabilities are a softmax of 10 x the four
    /// quadrant means; the features are the 16 means of a 4 x 4 grid of blocks.</summary>
    private sealed class QuadrantClassifier : IImageClassifier
    {
        public int ClassCount => 4;
        public int FeatureSize => 16;

        public ClassifierOutput Classify(IReadOnlyList<ImageTensor> images)
        {
            var probabilities = new List<float[]>();
            var features = new List<float[]>();
            foreach (var image in images)
            {
                features.Add(BlockMeans(image, 4));
                var logits = BlockMeans(image, 2).Select(m => Math.Exp(10.0 * m)).ToArray();
                double sum = logits.Sum();
                probabilities.Add(logits.Select(v => (float)(v / sum)).ToArray());
            }
            return new ClassifierOutput(probabilities, features);
        }

        private static float[] BlockMeans(ImageTensor image, int blocks)
        {
            var means = new float[blocks * blocks];
            int bh = image.Height / blocks, bw = image.Width / blocks;
            for (int by = 0; by < blocks; by++)
                for (int bx = 0; bx < blocks; bx++)
                {
                    double s = 0;
                    for (int y = by * bh; y < (by + 1) * bh; y++)
                        for (int x = bx * bw; x < (bx + 1) * bw; x++) s += image[y, x, 0];
                    means[by * blocks + bx] = (float)(s / (bh * bw));
                }
            return means;
        }
    }

    private static List<ImageTensor> RandomImages(int count, Random random) =>
        Enumerable.Range(0, count)
            .Select(_ => new ImageTensor(8, 8, 1, Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble()).ToArray()))
            .ToList();

    [Fact]
    public void Perfect_decoder_scores_one_through_the_classifier()
    {
        var classifier = new QuadrantClassifier();
        var stimuli = RandomImages(12, new Random(1));
        var decoded = stimuli.Select(s => (IReadOnlyList<ImageTensor>)new[] { s, s }).ToList();
        for (int n = 2; n <= 4; n++)
        {
            var result = NWayTopOneAccuracy.Compute(classifier, stimuli, decoded, n, new Random(n), trialsPerItem: 100);
            Assert.Equal(1.0, result.MeanOverSamples);
            Assert.Equal(2, result.SamplesPerItem);
        }
        Assert.Equal(1.0, TwoWayIdentification.Compute(classifier, stimuli, stimuli).Mean);
    }

    [Fact]
    public void Classifier_overload_regroups_samples_per_item()
    {
        // Item 0's first sample is its own stimulus (wins every 4-way trial when n = C = 4), its second is a
        // copy of item 1's stimulus; if the two items' brightest quadrants differ, sample 1 loses every trial.
        var classifier = new QuadrantClassifier();
        var stimuli = RandomImages(2, new Random(3));
        var trueClasses = classifier.Classify(stimuli).Probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();
        Assert.NotEqual(trueClasses[0], trueClasses[1]); // the seed was chosen so that they differ
        var decoded = new List<IReadOnlyList<ImageTensor>> { new[] { stimuli[0], stimuli[1] }, new[] { stimuli[1], stimuli[1] } };
        var result = NWayTopOneAccuracy.Compute(classifier, stimuli, decoded, 4, new Random(0), 10);
        Assert.Equal(new[] { 1.0, 0.0 }, result.Items[0].SampleAccuracies.ToArray());
        Assert.Equal(new[] { 1.0, 1.0 }, result.Items[1].SampleAccuracies.ToArray());
    }
}
