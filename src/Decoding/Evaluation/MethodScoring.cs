using Decoding.Decode;
using Decoding.Metrics;

namespace Decoding.Evaluation;

/// <summary>
/// The test stimuli as the evaluation sees them: on the decoder's canvas and at their native geometry (what the pixel
/// metrics compare with), both with the stimuli's own channels, their categories, and the scoring classifier's output
/// on them (the canvas images brought to <paramref name="ClassifierChannels"/>).
/// </summary>
/// <param name="ClassifierChannels">The channels the scoring classifier takes (null: the stimuli's own). Only its input
/// is converted: a greyscale classifier scores colour stimuli by their luma, while PixCorr and 2-way identification in
/// pixels compare every value of the colour images, as MindEye computes them.</param>
public sealed record ScoredStimuli(IReadOnlyList<string> StimulusIds, IReadOnlyList<ImageTensor> Canvas, IReadOnlyList<ImageTensor> Native,
    IReadOnlyList<string> Categories, ClassifierOutput Classifier, NativeGeometry Geometry, int? ClassifierChannels = null)
{
    public int Count => StimulusIds.Count;
}

/// <summary>
/// Scores one method's decoded images against their stimuli with every metric of the project's protocol, each
/// summarised over stimuli (bootstrap 95% interval) and, where the metric has a chance level, tested with the stimulus
/// as the unit (<see cref="StimulusLevelTest"/>):
/// <list type="bullet">
/// <item>n-way top-1 accuracy (MinD-Vis): for every n, the exact expectation over the draws of the n − 1 other classes
/// (<see cref="NWayTopOneAccuracy.ExactAccuracy"/>; MinD-Vis estimates it with 1,000 draws per image), mean and max over
/// the K samples;</item>
/// <item>2-way identification in pixels (native geometry) and in the classifier's feature space, in both directions
/// (reconstruction fixed: per sample, then averaged over the K samples; ground truth fixed: on similarities averaged
/// over the K samples first, as Takagi &amp; Nishimoto's code does);</item>
/// <item>PixCorr and SSIM at the native geometry, and on the decoder's canvas; at the native geometry also the SSIM that
/// MindEye's and Brain-Diffuser's evaluation code computes (column-wise, <see cref="Ssim.ComputeColumnWise(ImageTensor, ImageTensor, SsimOptions?)"/>).</item>
/// </list>
/// </summary>
public static class MethodScoring
{
    /// <summary>Route name of the reference row that maps the voxels to the scoring classifier's features.</summary>
    public const string FeatureRidgeRoute = "feature-ridge";

    public static MetricRow Score(DecodedImages decoded, string? decodedFile, ScoredStimuli stimuli, IImageClassifier classifier, EvaluationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(stimuli);
        ArgumentNullException.ThrowIfNull(classifier);
        settings.Validate(classifier.ClassCount);
        int items = stimuli.Count, samples = decoded.Samples;
        if (decoded.Count != items) throw new ArgumentException($"{decoded.Method.Name}: {decoded.Count} decoded items for {items} stimuli");
        if (items < 2) throw new ArgumentException($"{decoded.Method.Name}: {items} test item(s); the metrics need at least 2");
        // Pixel metrics compare the decoded images with the stimuli in the stimuli's channels; the classifier sees them in its own.
        int channels = stimuli.Canvas[0].Channels, classifierChannels = stimuli.ClassifierChannels ?? channels;
        ImageTensor[][] AtChannels(int target) => Enumerable.Range(0, items).Select(i => Enumerable.Range(0, samples)
            .Select(k => EvaluationImages.FromBytes(decoded.Image(i, k), decoded.Height, decoded.Width, decoded.Channels, target)).ToArray()).ToArray();
        var canvas = AtChannels(channels);
        var classifierInput = classifierChannels == channels ? canvas : AtChannels(classifierChannels);
        var native = canvas.Select(row => row.Select(stimuli.Geometry.ToNative).ToArray()).ToArray();

        var output = classifier.Classify(classifierInput.SelectMany(r => r).ToList());
        var probabilities = Enumerable.Range(0, items).Select(i => Enumerable.Range(0, samples).Select(k => output.Probabilities[i * samples + k]).ToArray()).ToArray();
        var features = Enumerable.Range(0, items).Select(i => Enumerable.Range(0, samples).Select(k => output.Features[i * samples + k]).ToArray()).ToArray();

        // A shuffled-fMRI control is tested against its own pairing rule (donors of another category), not random pairings.
        var pairing = decoded.Method.Kind == DecodedMethod.Control && decoded.FmriOrder is { } donors
            ? new ControlPairing(donors, decoded.Categories, seed => ShuffledFmriControl.Draw(decoded.Categories, seed).Order)
            : null;
        var nWay = NWay(stimuli.Classifier.Probabilities, probabilities, settings, pairing);
        var pixelSimilarity = Similarities(native.Select(r => r.Select(x => x.Pixels).ToArray()).ToArray(), stimuli.Native.Select(s => s.Pixels).ToArray());
        var featureSimilarity = Similarities(features, stimuli.Classifier.Features);
        var twoWayPixels = TwoWay(pixelSimilarity, settings, "2way-pixels", stimuli.Categories, pairing);
        var twoWayFeatures = TwoWay(featureSimilarity, settings, "2way-features", stimuli.Categories, pairing);

        var pixCorr = PerItem(items, i => canvasMean(samples, k => Correlation(native[i][k].Pixels, stimuli.Native[i].Pixels)));
        var ssim = PerItem(items, i => canvasMean(samples, k => Ssim.Compute(native[i][k], stimuli.Native[i])));
        var pixCorrCanvas = PerItem(items, i => canvasMean(samples, k => Correlation(canvas[i][k].Pixels, stimuli.Canvas[i].Pixels)));
        var ssimCanvas = PerItem(items, i => canvasMean(samples, k => Ssim.Compute(canvas[i][k], stimuli.Canvas[i])));
        var ssimColumnWise = PerItem(items, i => canvasMean(samples, k => Ssim.ComputeColumnWise(native[i][k], stimuli.Native[i])));

        var method = decoded.Method;
        ControlInfo? control = method.Kind == DecodedMethod.Control
            ? new ControlInfo(method.ControlOf ?? "", decoded.Attributes.TryGetValue("control_same_category", out var same) && int.TryParse(same, out int s) ? s : null)
            : null;
        return new MetricRow(method.Name, method.Kind, method.RouteName, method.UsesFmri, method.UsesTrueLabel, method.Description, items, samples,
            nWay, twoWayPixels, twoWayFeatures,
            Summarise(pixCorr, settings, "pixcorr"), Summarise(ssim, settings, "ssim"),
            Summarise(pixCorrCanvas, settings, "pixcorr-canvas"), Summarise(ssimCanvas, settings, "ssim-canvas"),
            PerCategory(nWay, twoWayFeatures, stimuli.Categories), control, decodedFile, Summarise(ssimColumnWise, settings, "ssim-columnwise"));

        static double canvasMean(int k, Func<int, double> value) => Enumerable.Range(0, k).Average(value);
    }

    /// <summary>
    /// Scores a method that predicts the classifier's feature vector of each stimulus instead of an image (K = 1): n-way
    /// accuracy from the classifier's head on the predicted features, 2-way identification in feature space; the pixel
    /// metrics do not apply (null).
    /// </summary>
    public static MetricRow ScoreFeatures(string name, string kind, string description, ScoredStimuli stimuli, IReadOnlyList<float[]> predictedFeatures,
        IReadOnlyList<float[]> predictedProbabilities, EvaluationSettings settings)
    {
        int items = stimuli.Count;
        if (predictedFeatures.Count != items || predictedProbabilities.Count != items)
            throw new ArgumentException($"{name}: {predictedFeatures.Count} predicted feature vectors and {predictedProbabilities.Count} probability vectors for {items} stimuli");
        settings.Validate(predictedProbabilities[0].Length);
        var nWay = NWay(stimuli.Classifier.Probabilities, predictedProbabilities.Select(p => new[] { p }).ToArray(), settings);
        var twoWayFeatures = TwoWay(Similarities(predictedFeatures.Select(f => new[] { f }).ToArray(), stimuli.Classifier.Features), settings, "2way-features",
            stimuli.Categories);
        return new MetricRow(name, kind, FeatureRidgeRoute, UsesFmri: true, UsesTrueLabel: false, description, items, 1, nWay, null, twoWayFeatures,
            null, null, null, null, PerCategory(nWay, twoWayFeatures, stimuli.Categories), null, null);
    }

    /// <summary>n-way accuracy at every n: F[i, c] = mean over samples of the exact accuracy against stimulus c's true class.</summary>
    private static List<NWayScore> NWay(IReadOnlyList<float[]> stimulusProbabilities, IReadOnlyList<float[][]> sampleProbabilities, EvaluationSettings settings,
        ControlPairing? pairing = null)
    {
        int items = stimulusProbabilities.Count, samples = sampleProbabilities[0].Length;
        var trueClass = stimulusProbabilities.Select(NWayTopOneAccuracy.TrueClass).ToArray();
        var scores = new List<NWayScore>();
        foreach (int n in settings.Ways.Distinct().Order())
        {
            var perSample = new double[items, samples];                   // accuracy of sample k of item i against its own stimulus
            var f = new double[items, items];                             // F[i, c]
            var byClass = new Dictionary<int, double>();
            for (int i = 0; i < items; i++)
            {
                byClass.Clear();
                for (int c = 0; c < items; c++)
                {
                    if (!byClass.TryGetValue(trueClass[c], out double value))
                    {
                        value = 0;
                        for (int k = 0; k < samples; k++) value += NWayTopOneAccuracy.ExactAccuracy(sampleProbabilities[i][k], trueClass[c], n);
                        value /= samples;
                        byClass[trueClass[c]] = value;
                    }
                    f[i, c] = value;
                }
                for (int k = 0; k < samples; k++) perSample[i, k] = NWayTopOneAccuracy.ExactAccuracy(sampleProbabilities[i][k], trueClass[i], n);
            }
            var perItem = Enumerable.Range(0, items).Select(i => f[i, i]).ToArray();
            var mean = Summarise(perItem, settings, "nway-mean", n, 1.0 / n, f, pairing);
            var max = Interval.From(Bootstrap.Interval(items, indices => Enumerable.Range(0, samples).Max(k => indices.Average(i => perSample[i, k])),
                new Random(settings.SubSeed("nway-max", n)), settings.BootstrapResamples));
            scores.Add(new NWayScore(n, 1.0 / n, mean, max));
        }
        return scores;
    }

    /// <summary>sim[k][i, j] = correlation of item i's sample k with stimulus j (0 when either is constant).</summary>
    private static double[][,] Similarities(float[][][] reconstructions, IReadOnlyList<float[]> stimuli)
    {
        int items = stimuli.Count, samples = reconstructions[0].Length;
        var standardisedStimuli = stimuli.Select(Standardise).ToArray();
        var result = new double[samples][,];
        for (int k = 0; k < samples; k++)
        {
            var m = new double[items, items];
            for (int i = 0; i < items; i++)
            {
                var r = Standardise(reconstructions[i][k]);
                for (int j = 0; j < items; j++)
                {
                    double dot = 0;
                    var s = standardisedStimuli[j];
                    for (int d = 0; d < r.Length; d++) dot += r[d] * s[d];
                    m[i, j] = dot;
                }
            }
            result[k] = m;
        }
        return result;
    }

    /// <summary>
    /// 2-way identification in both directions from the per-sample similarity matrices. Reconstruction fixed (MindEye,
    /// Brain-Diffuser; MinD-Vis averages per-sample scores): F[i, c] = mean over k of the fraction of stimuli j ≠ c with
    /// sim_k[i, c] &gt; sim_k[i, j] (item i's images with c as their own stimulus). Ground truth fixed, as Takagi &amp;
    /// Nishimoto's identification code computes it: each reconstruction's similarity to a stimulus is first averaged over
    /// its K samples, s̄[i, j] = mean over k of sim_k[i, j], then G[j, r] = the fraction of reconstructions i ≠ r with
    /// s̄[r, j] &gt; s̄[i, j] (stimulus j with r as its own reconstruction). Ties lose. The scores are the diagonals.
    /// Within category: reconstruction fixed, against the other stimuli of the item's category only, mean over k; the
    /// items whose category has no other test stimulus are left out.
    /// </summary>
    public static TwoWayScores TwoWay(double[][,] similarity, EvaluationSettings settings, string purpose, IReadOnlyList<string> categories,
        ControlPairing? pairing = null)
    {
        int items = similarity[0].GetLength(0), samples = similarity.Length;
        var f = new double[items, items];
        foreach (var sim in similarity)
            for (int a = 0; a < items; a++)
                for (int b = 0; b < items; b++)
                {
                    int wins = 0;
                    for (int other = 0; other < items; other++)
                        if (other != b && sim[a, b] > sim[a, other]) wins++;   // item a, own stimulus b, against stimulus `other`
                    f[a, b] += wins / (double)(items - 1) / samples;
                }
        var meanSimilarity = new double[items, items];
        foreach (var sim in similarity)
            for (int i = 0; i < items; i++)
                for (int j = 0; j < items; j++) meanSimilarity[i, j] += sim[i, j] / samples;
        var g = new double[items, items];
        for (int a = 0; a < items; a++)
            for (int b = 0; b < items; b++)
            {
                int wins = 0;
                for (int other = 0; other < items; other++)
                    if (other != b && meanSimilarity[b, a] > meanSimilarity[other, a]) wins++;   // stimulus a, own reconstruction b, against reconstruction `other`
                g[a, b] = wins / (double)(items - 1);
            }
        // Within category, over the items whose category has another test stimulus: W[a, b] is item a's images with
        // stimulus b as their own, against the other stimuli of b's category.
        var categorySize = categories.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var eligible = Enumerable.Range(0, items).Where(i => categorySize[categories[i]] >= 2).ToArray();
        var w = new double[eligible.Length, eligible.Length];
        foreach (var sim in similarity)
            for (int a = 0; a < eligible.Length; a++)
                for (int b = 0; b < eligible.Length; b++)
                    w[a, b] += TwoWayIdentification.WithinCategory(eligible[a], eligible[b], (i, j) => sim[i, j], categories)!.Value / samples;
        // A control's pairing names items of the whole list: its test applies when every item takes part.
        var within = eligible.Length < 2 ? null
            : Summarise(Enumerable.Range(0, eligible.Length).Select(a => w[a, a]).ToArray(), settings, purpose + "-within", 0, TwoWayIdentification.Chance, w,
                eligible.Length == items ? pairing : null);
        return new TwoWayScores(
            Summarise(Enumerable.Range(0, items).Select(i => f[i, i]).ToArray(), settings, purpose + "-recon", 0, TwoWayIdentification.Chance, f, pairing),
            // A control's pairing is defined image by stimulus; G is stimulus by image, so its test reads G transposed
            // (same diagonal: the control's own pairs).
            Summarise(Enumerable.Range(0, items).Select(i => g[i, i]).ToArray(), settings, purpose + "-truth", 0, TwoWayIdentification.Chance,
                pairing is null ? g : Transpose(g), pairing),
            within);
    }

    private static ScoreSummary Summarise(double[] perItem, EvaluationSettings settings, string purpose, int index = 0, double? chance = null, double[,]? scores = null,
        ControlPairing? pairing = null)
    {
        var mean = Interval.From(Bootstrap.MeanInterval(perItem, new Random(settings.SubSeed(purpose, index)), settings.BootstrapResamples));
        var test = scores is null ? null : StimulusLevelTest.Compute(scores, new Random(settings.SubSeed(purpose + "-permutations", index)), settings.Permutations, pairing);
        return new ScoreSummary(mean, chance, test, perItem);
    }

    private static double[,] Transpose(double[,] m)
    {
        var t = new double[m.GetLength(1), m.GetLength(0)];
        for (int a = 0; a < m.GetLength(0); a++)
            for (int b = 0; b < m.GetLength(1); b++) t[b, a] = m[a, b];
        return t;
    }

    private static double[] PerItem(int items, Func<int, double> value) => Enumerable.Range(0, items).Select(value).ToArray();

    private static List<CategoryRow> PerCategory(IReadOnlyList<NWayScore> nWay, TwoWayScores twoWayFeatures, IReadOnlyList<string> categories)
    {
        var largest = nWay.MaxBy(s => s.N)!.MeanOverSamples.PerItem;
        var a = CategoryBreakdown.MeanPerCategory(largest, categories);
        var b = CategoryBreakdown.MeanPerCategory(twoWayFeatures.ReconstructionFixed.PerItem, categories);
        return a.Zip(b, (x, y) => new CategoryRow(x.Category, x.ItemCount, x.Mean, y.Mean)).ToList();
    }

    /// <summary>Pearson correlation, 0 when either vector is constant.</summary>
    public static double Correlation(float[] a, float[] b)
    {
        var x = Standardise(a);
        var y = Standardise(b);
        double dot = 0;
        for (int i = 0; i < x.Length; i++) dot += x[i] * y[i];
        return dot;
    }

    /// <summary>Zero mean, unit norm (all zeros for a constant vector).</summary>
    private static double[] Standardise(float[] v)
    {
        double mean = 0;
        foreach (float x in v) mean += x;
        mean /= v.Length;
        var z = new double[v.Length];
        double norm = 0;
        for (int i = 0; i < v.Length; i++)
        {
            z[i] = v[i] - mean;
            norm += z[i] * z[i];
        }
        norm = Math.Sqrt(norm);
        if (norm == 0) return z;
        for (int i = 0; i < z.Length; i++) z[i] /= norm;
        return z;
    }
}
