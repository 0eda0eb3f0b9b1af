using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class NWayTopOneAccuracyTests
{
    private const int ClassCount = 10;

    /// <summary>A probability vector with distinct values and its maximum at <paramref name="top"/>.</summary>
    private static float[] DistinctProbabilities(int top, Random random)
    {
        var raw = new double[ClassCount];
        for (int c = 0; c < ClassCount; c++) raw[c] = 1.0 + random.NextDouble();
        raw[top] = 3.0;
        double sum = raw.Sum();
        return raw.Select(v => (float)(v / sum)).ToArray();
    }

    [Fact]
    public void Perfect_decoder_scores_one_for_every_n()
    {
        // Decoded = stimulus, so the classifier's probabilities on every sample equal those on the stimulus,
        // whose argmax is the true class by definition: every trial is won, for every n.
        var random = new Random(11);
        var stimulus = Enumerable.Range(0, 20).Select(i => DistinctProbabilities(i % ClassCount, random)).ToList();
        var samples = stimulus.Select(p => (IReadOnlyList<float[]>)new[] { p, p, p }).ToList();
        for (int n = 2; n <= ClassCount; n++)
        {
            var result = NWayTopOneAccuracy.Compute(stimulus, samples, n, new Random(n), trialsPerItem: 200);
            Assert.Equal(1.0, result.MeanOverSamples);
            Assert.Equal(1.0, result.MaxOverSampleSets);
            Assert.Equal(1.0, result.BestOfSamples);
            Assert.Equal(1.0 / n, result.Chance);
            Assert.All(result.Items, item => Assert.Equal(item.Item % ClassCount, item.TrueClass));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    public void Decoder_returning_one_fixed_image_scores_chance(int n)
    {
        // Every item is decoded to the same image, so the classifier gives one fixed probability vector q
        // (distinct values) for all items; the true classes cover all C classes equally often.
        // Expected score (derivation): the true class of rank r (r classes of q below it) wins a trial when all
        // n-1 drawn classes come from those r: probability C(r, n-1) / C(C-1, n-1). Averaged over true classes
        // r = 0..C-1 this is sum_r C(r, n-1) / (C * C(C-1, n-1)) = C(C, n) / (C * C(C-1, n-1)) = 1/n
        // (hockey-stick identity), i.e. exactly chance.
        const int items = 100;
        var random = new Random(5);
        var stimulus = Enumerable.Range(0, items).Select(i => DistinctProbabilities(i % ClassCount, random)).ToList();
        var fixedDecoded = DistinctProbabilities(3, random);
        var samples = stimulus.Select(_ => (IReadOnlyList<float[]>)new[] { fixedDecoded }).ToList();
        const int trials = 1000;
        var result = NWayTopOneAccuracy.Compute(stimulus, samples, n, new Random(17), trials);

        // Interval: 100 x 1000 trials; with per-item success probabilities that differ, the variance of the
        // total is at most the binomial variance N p (1 - p), so 4 binomial standard deviations bound it.
        double p = 1.0 / n;
        double sd = Math.Sqrt(p * (1 - p) / (items * trials));
        Assert.InRange(result.MeanOverSamples, p - 4 * sd, p + 4 * sd);
        Assert.Equal(result.MeanOverSamples, result.MaxOverSampleSets, 12); // K = 1: one sample set
        Assert.Equal(result.MeanOverSamples, result.BestOfSamples, 12);
    }

    [Fact]
    public void Summaries_over_samples_match_a_hand_computed_case()
    {
        // n = C = 3: every trial contains all classes, so a sample wins every trial if the true class is its
        // argmax and loses every trial otherwise (no randomness left).
        //   item 0: true class 0; sample 0 argmax 0 (wins), sample 1 argmax 1 (loses)  -> accuracies [1, 0]
        //   item 1: true class 1; sample 0 argmax 0, sample 1 argmax 2 (both lose)      -> [0, 0]
        //   item 2: true class 2; sample 0 argmax 1 (loses), sample 1 argmax 2 (wins)   -> [0, 1]
        // Mean over samples = (1 + 0 + 0 + 0 + 0 + 1) / 6 = 1/3.
        // Sample sets: k = 0 -> (1 + 0 + 0) / 3 = 1/3, k = 1 -> (0 + 0 + 1) / 3 = 1/3; max = 1/3.
        // Best of samples per item: 1, 0, 1 -> 2/3.
        float[] Peak(int c) => Enumerable.Range(0, 3).Select(i => i == c ? 0.6f : 0.2f).ToArray();
        var stimulus = new List<float[]> { Peak(0), Peak(1), Peak(2) };
        var samples = new List<IReadOnlyList<float[]>>
        {
            new[] { Peak(0), Peak(1) },
            new[] { Peak(0), Peak(2) },
            new[] { Peak(1), Peak(2) },
        };
        var result = NWayTopOneAccuracy.Compute(stimulus, samples, n: 3, new Random(1), trialsPerItem: 50);
        Assert.Equal(1.0 / 3, result.MeanOverSamples, 12);
        Assert.Equal(new[] { 1.0 / 3, 1.0 / 3 }, result.SampleSetAccuracies.ToArray());
        Assert.Equal(1.0 / 3, result.MaxOverSampleSets, 12);
        Assert.Equal(2.0 / 3, result.BestOfSamples, 12);
        Assert.Equal(new[] { 1.0, 0.0 }, result.Items[0].SampleAccuracies.ToArray());
        Assert.Equal(new[] { 0.0, 0.0 }, result.Items[1].SampleAccuracies.ToArray());
        Assert.Equal(new[] { 0.0, 1.0 }, result.Items[2].SampleAccuracies.ToArray());
        Assert.Equal(new[] { 0, 1, 2 }, result.Items.Select(i => i.TrueClass).ToArray());
    }

    [Fact]
    public void Two_way_trial_estimate_converges_to_the_exact_rank_fraction()
    {
        // C = 5, true class 0, decoded probabilities [0.3, 0.4, 0.1, 0.15, 0.05]: class 0 beats 3 of the 4 other
        // classes, so a 2-way trial (one drawn class, uniform over the 4) is won with probability 3/4.
        var stimulus = new List<float[]> { new[] { 0.9f, 0.05f, 0.02f, 0.02f, 0.01f } };
        var samples = new List<IReadOnlyList<float[]>> { new[] { new[] { 0.3f, 0.4f, 0.1f, 0.15f, 0.05f } } };
        const int trials = 20000;
        var result = NWayTopOneAccuracy.Compute(stimulus, samples, n: 2, new Random(3), trials);
        double sd = Math.Sqrt(0.75 * 0.25 / trials);
        Assert.InRange(result.MeanOverSamples, 0.75 - 4 * sd, 0.75 + 4 * sd);
        // 3-way: both drawn classes must be among the 3 beaten ones: C(3,2) / C(4,2) = 3/6 = 1/2.
        var threeWay = NWayTopOneAccuracy.Compute(stimulus, samples, n: 3, new Random(4), trials);
        double sd3 = Math.Sqrt(0.25 / trials);
        Assert.InRange(threeWay.MeanOverSamples, 0.5 - 4 * sd3, 0.5 + 4 * sd3);
    }

    [Fact]
    public void Ties_lose_and_same_seed_gives_same_result()
    {
        var stimulus = new List<float[]> { new[] { 0.7f, 0.1f, 0.1f, 0.1f } };
        var uniform = new List<IReadOnlyList<float[]>> { new[] { new[] { 0.25f, 0.25f, 0.25f, 0.25f } } };
        Assert.Equal(0.0, NWayTopOneAccuracy.Compute(stimulus, uniform, 2, new Random(0), 100).MeanOverSamples);

        var random = new Random(8);
        var stim = Enumerable.Range(0, 10).Select(i => DistinctProbabilities(i, random)).ToList();
        var decoded = Enumerable.Range(0, 10).Select(i => (IReadOnlyList<float[]>)new[] { DistinctProbabilities((i * 3) % ClassCount, random), DistinctProbabilities(i, random) }).ToList();
        var a = NWayTopOneAccuracy.Compute(stim, decoded, 4, new Random(99), 300);
        var b = NWayTopOneAccuracy.Compute(stim, decoded, 4, new Random(99), 300);
        Assert.Equal(a.Items.SelectMany(i => i.SampleAccuracies), b.Items.SelectMany(i => i.SampleAccuracies));
        Assert.Equal(a.BestOfSamples, b.BestOfSamples);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var stimulus = new List<float[]> { new[] { 0.5f, 0.3f, 0.2f } };
        var samples = new List<IReadOnlyList<float[]>> { new[] { new[] { 0.5f, 0.3f, 0.2f } } };
        var tooMany = Assert.Throws<ArgumentException>(() => NWayTopOneAccuracy.Compute(stimulus, samples, 4, new Random(0)));
        Assert.Contains("n = 4", tooMany.Message);
        var wrongLength = new List<IReadOnlyList<float[]>> { new[] { new[] { 0.5f, 0.5f } } };
        var e = Assert.Throws<ArgumentException>(() => NWayTopOneAccuracy.Compute(stimulus, wrongLength, 2, new Random(0)));
        Assert.Contains("sampleProbabilities[0][0]", e.Message);
    }
}
