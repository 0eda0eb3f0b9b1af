using Decoding.Evaluation.Metrics;

namespace Decoding.Evaluation;

/// <summary>
/// Scores one method's decoded images against their stimuli with every metric of the project's protocol:
/// n-way top-1 accuracy (MinD-Vis) for each n, 2-way identification in pixel space and in the classifier's feature
/// space (NSD papers), PixCorr and SSIM; bootstrap 95% intervals over test items, exact binomial tests against chance,
/// and a per-category breakdown. Pixel metrics and identification are computed per sample set k and averaged over
/// the K samples of each item. <see cref="EvaluateFeatures"/> scores a method that predicts classifier features, not images.
/// </summary>
public static class DecodingEvaluation
{
    /// <param name="name">Row name, e.g. "pipeline".</param>
    /// <param name="kind">pipeline | control | baseline.</param>
    /// <param name="stimuli">Stimulus of each item, in the decoded images' channels and size.</param>
    /// <param name="decoded">K decoded samples of each item, [item][k].</param>
    /// <param name="categories">Category name of each item.</param>
    /// <param name="classifier">The scoring network; takes the decoded images' size and channels.</param>
    public static MetricRow Evaluate(string name, string kind, IReadOnlyList<ImageTensor> stimuli, IReadOnlyList<IReadOnlyList<ImageTensor>> decoded,
        IReadOnlyList<string> categories, IImageClassifier classifier, EvaluationSettings settings, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(classifier.ClassCount);
        if (stimuli.Count != decoded.Count || stimuli.Count != categories.Count)
            throw new ArgumentException($"{name}: {stimuli.Count} stimuli, {decoded.Count} decoded items and {categories.Count} categories must agree");
        if (stimuli.Count < 2) throw new ArgumentException($"{name}: {stimuli.Count} test item(s); the metrics need at least 2");
        int items = stimuli.Count, samples = decoded[0].Count;
        if (decoded.Any(d => d.Count != samples)) throw new ArgumentException($"{name}: every item needs the same number of decoded samples");

        // Classifier outputs, once: stimuli and all samples flattened item-major.
        var stimulusOutput = classifier.Classify(stimuli);
        var sampleOutput = classifier.Classify(decoded.SelectMany(d => d).ToList());
        var sampleProbabilities = Enumerable.Range(0, items)
            .Select(i => (IReadOnlyList<float[]>)Enumerable.Range(0, samples).Select(k => sampleOutput.Probabilities[i * samples + k]).ToArray()).ToList();

        var (nWay, nWayLargest) = NWayScores(stimulusOutput.Probabilities, sampleProbabilities, items, samples, settings);

        var pixelTwoWay = new double[items];
        var featureTwoWay = new double[items];
        var pixCorr = new double[items];
        var ssim = new double[items];
        for (int k = 0; k < samples; k++)
        {
            var set = decoded.Select(d => d[k]).ToList();
            var setFeatures = Enumerable.Range(0, items).Select(i => sampleOutput.Features[i * samples + k]).ToList();
            Accumulate(pixelTwoWay, IdentificationScores(set.Select(s => s.Pixels).ToList(), stimuli.Select(s => s.Pixels).ToList()), samples);
            Accumulate(featureTwoWay, IdentificationScores(setFeatures, stimulusOutput.Features), samples);
            Accumulate(pixCorr, set.Select((s, i) => SafePixCorr(s, stimuli[i])).ToArray(), samples);
            Accumulate(ssim, Ssim.Compute(set, stimuli).PerItem, samples);
        }

        return new MetricRow(name, kind, items, samples, nWay,
            Summarise(pixelTwoWay, TwoWayIdentification.Chance, items, settings, "2way-pixels"),
            Summarise(featureTwoWay, TwoWayIdentification.Chance, items, settings, "2way-features"),
            Summarise(pixCorr, null, items, settings, "pixcorr"),
            Summarise(ssim, null, items, settings, "ssim"),
            PerCategory(nWayLargest, featureTwoWay, categories), note);
    }

    /// <summary>
    /// Scores a method that predicts the classifier's feature vector of each test stimulus instead of an image (K = 1):
    /// 2-way identification in feature space (predicted features against the stimuli's true features, as
    /// <see cref="Evaluate"/> does for decoded images) and n-way top-1 accuracy from <paramref name="predictedProbabilities"/>
    /// (the classifier's head and softmax applied to the predicted features) under the same MinD-Vis protocol, the true
    /// class being the classifier's top-1 class on the stimulus. PixCorr, SSIM and 2-way pixel identification do not
    /// apply: they are null in the row.
    /// </summary>
    /// <param name="stimulusOutput">The classifier's output on the test stimuli.</param>
    /// <param name="predictedFeatures">Predicted feature vector of each item (length = the classifier's feature size).</param>
    /// <param name="predictedProbabilities">Class probabilities from the predicted features, per item.</param>
    public static MetricRow EvaluateFeatures(string name, string kind, ClassifierOutput stimulusOutput, IReadOnlyList<float[]> predictedFeatures,
        IReadOnlyList<float[]> predictedProbabilities, IReadOnlyList<string> categories, EvaluationSettings settings, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(stimulusOutput);
        ArgumentNullException.ThrowIfNull(settings);
        int items = stimulusOutput.Features.Count;
        if (stimulusOutput.Probabilities.Count != items || predictedFeatures.Count != items || predictedProbabilities.Count != items || categories.Count != items)
            throw new ArgumentException($"{name}: {items} stimuli, {predictedFeatures.Count} predicted feature vectors, {predictedProbabilities.Count} predicted probability vectors and {categories.Count} categories must agree");
        if (items < 2) throw new ArgumentException($"{name}: {items} test item(s); the metrics need at least 2");
        settings.Validate(stimulusOutput.Probabilities[0].Length);
        for (int i = 0; i < items; i++)
            if (predictedFeatures[i].Length != stimulusOutput.Features[i].Length)
                throw new ArgumentException($"{name}: predicted feature vector {i} has {predictedFeatures[i].Length} values, the classifier's features {stimulusOutput.Features[i].Length}");

        var sampleProbabilities = predictedProbabilities.Select(p => (IReadOnlyList<float[]>)[p]).ToList();
        var (nWay, nWayLargest) = NWayScores(stimulusOutput.Probabilities, sampleProbabilities, items, 1, settings);
        var featureTwoWay = IdentificationScores(predictedFeatures, stimulusOutput.Features).ToArray();
        return new MetricRow(name, kind, items, 1, nWay, null,
            Summarise(featureTwoWay, TwoWayIdentification.Chance, items, settings, "2way-features"), null, null,
            PerCategory(nWayLargest, featureTwoWay, categories), note);
    }

    /// <summary>n-way accuracy at every n of the settings, and the per-item mean accuracy at the largest n.</summary>
    private static (List<NWayScore> Scores, double[] LargestPerItem) NWayScores(IReadOnlyList<float[]> stimulusProbabilities,
        IReadOnlyList<IReadOnlyList<float[]>> sampleProbabilities, int items, int samples, EvaluationSettings settings)
    {
        var nWay = new List<NWayScore>();
        NWayTopOneResult? largest = null;
        foreach (int n in settings.Ways.Distinct().Order())
        {
            var result = NWayTopOneAccuracy.Compute(stimulusProbabilities, sampleProbabilities, n, new Random(SubSeed(settings.Seed, "nway", n)), settings.TrialsPerItem);
            var perItemMean = result.Items.Select(r => r.MeanOverSamples).ToArray();
            var meanInterval = Bootstrap.MeanInterval(perItemMean, new Random(SubSeed(settings.Seed, "nway-mean", n)), settings.BootstrapResamples);
            var maxInterval = Bootstrap.Interval(items, indices => Enumerable.Range(0, samples)
                    .Max(k => indices.Average(i => result.Items[i].SampleAccuracies[k])),
                new Random(SubSeed(settings.Seed, "nway-max", n)), settings.BootstrapResamples);
            int trials = items * samples;
            int successes = (int)Math.Round(result.MeanOverSamples * trials);
            nWay.Add(new NWayScore(n, result.Chance, Interval.From(meanInterval), Interval.From(maxInterval),
                BinomialTest.UpperTailPValue(successes, trials, result.Chance), ChanceRange.Of(trials, result.Chance)));
            largest = result;
        }
        return (nWay, largest!.Items.Select(r => r.MeanOverSamples).ToArray());
    }

    private static List<CategoryRow> PerCategory(double[] nWayLargest, double[] featureTwoWay, IReadOnlyList<string> categories)
    {
        var perCategoryNWay = CategoryBreakdown.MeanPerCategory(nWayLargest, categories);
        var perCategoryFeatures = CategoryBreakdown.MeanPerCategory(featureTwoWay, categories);
        return perCategoryNWay.Zip(perCategoryFeatures, (a, b) => new CategoryRow(a.Category, a.ItemCount, a.Mean, b.Mean)).ToList();
    }

    /// <summary>2-way identification by Pearson correlation; a constant vector (no correlation defined) counts as
    /// correlation 0 with everything, so it wins no comparison.</summary>
    public static IReadOnlyList<double> IdentificationScores(IReadOnlyList<float[]> reconstructions, IReadOnlyList<float[]> stimuli)
    {
        bool anyConstant = reconstructions.Concat(stimuli).Any(IsConstant);
        if (!anyConstant) return TwoWayIdentification.Compute(reconstructions, stimuli).PerItem;
        var r = reconstructions.Select(Standardise).ToArray();
        var s = stimuli.Select(Standardise).ToArray();
        return TwoWayIdentification.ComputeWithSimilarity(r.Length, (i, j) =>
        {
            double dot = 0;
            for (int d = 0; d < r[i].Length; d++) dot += r[i][d] * s[j][d];
            return dot;
        }).PerItem;
    }

    /// <summary>A seed for one named draw, derived from the run's seed so every metric has its own generator.</summary>
    public static int SubSeed(long seed, string purpose, int index = 0)
    {
        unchecked
        {
            long h = seed * 1_000_003 + index;
            foreach (char ch in purpose) h = h * 31 + ch;
            return (int)(h ^ (h >> 32));
        }
    }

    private static ScoreSummary Summarise(double[] perItem, double? chance, int items, EvaluationSettings settings, string purpose)
    {
        var mean = Interval.From(Bootstrap.MeanInterval(perItem, new Random(SubSeed(settings.Seed, purpose)), settings.BootstrapResamples));
        if (chance is null) return new ScoreSummary(mean, null, null, null, perItem);
        int pairs = items * (items - 1);
        int successes = (int)Math.Round(mean.Value * pairs);
        // The p-value counts item pairs as trials, as the NSD papers do; the chance range counts items, because the
        // N (N - 1) comparisons share items and are not independent (a pair-count range would be far too narrow).
        return new ScoreSummary(mean, chance, BinomialTest.UpperTailPValue(successes, pairs, chance.Value), ChanceRange.Of(items, chance.Value), perItem);
    }

    private static void Accumulate(double[] total, IReadOnlyList<double> values, int samples)
    {
        for (int i = 0; i < total.Length; i++) total[i] += values[i] / samples;
    }

    private static double SafePixCorr(ImageTensor reconstruction, ImageTensor stimulus)
        => IsConstant(reconstruction.Pixels) || IsConstant(stimulus.Pixels) ? 0.0 : PixCorr.Compute(reconstruction, stimulus);

    private static bool IsConstant(float[] v)
    {
        for (int i = 1; i < v.Length; i++) if (v[i] != v[0]) return false;
        return true;
    }

    private static double[] Standardise(float[] v)
    {
        double mean = v.Average(x => (double)x);
        var z = v.Select(x => x - mean).ToArray();
        double norm = Math.Sqrt(z.Sum(x => x * x));
        if (norm == 0) return z;
        for (int i = 0; i < z.Length; i++) z[i] /= norm;
        return z;
    }
}
