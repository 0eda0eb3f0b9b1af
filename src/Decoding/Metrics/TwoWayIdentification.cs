using MathNet.Numerics.LinearAlgebra;

namespace Decoding.Metrics;

/// <summary>
/// Pairwise (2-way) identification, the NSD papers' protocol (e.g. Ozcelik and VanRullen 2023; MindEye,
/// Scotti et al. 2023): for test item i, the Pearson correlation between reconstruction i's feature vector
/// and stimulus i's features is compared with its correlation to each other test stimulus j != i. A
/// comparison is won when the own stimulus correlates strictly more (ties lose, as <c>r &lt; congruent</c> in
/// MindEye's code and <c>gt_score &gt; comp_score</c> in MinD-Vis's <c>pair_wise_score</c>). Item i's score is the
/// fraction of its N - 1 comparisons won; chance is 0.5.
/// The features can be anything: flattened pixels, a classifier's penultimate layer, an embedding.
/// </summary>
public static class TwoWayIdentification
{
    /// <summary>Chance level: a reconstruction unrelated to every stimulus wins half its comparisons.</summary>
    public const double Chance = 0.5;

    /// <summary>2-way identification on feature vectors: item i compares corr(recon_i, stim_i) with corr(recon_i, stim_j).</summary>
    /// <param name="reconstructionFeatures">Feature vector of each reconstruction (all the same length D).</param>
    /// <param name="stimulusFeatures">Feature vector of each test stimulus, same order and length.</param>
    /// <exception cref="ArgumentException">Fewer than 2 items, counts or lengths differ, or a vector is constant.</exception>
    public static PerItemScores Compute(IReadOnlyList<float[]> reconstructionFeatures, IReadOnlyList<float[]> stimulusFeatures)
    {
        EvaluationChecks.SameNonZeroCount(reconstructionFeatures, stimulusFeatures, nameof(reconstructionFeatures), nameof(stimulusFeatures));
        int n = reconstructionFeatures.Count;
        if (n < 2) throw new ArgumentException($"{nameof(reconstructionFeatures)} has 1 item; 2-way identification needs at least 2", nameof(reconstructionFeatures));
        int d = reconstructionFeatures[0]?.Length ?? throw new ArgumentException($"{nameof(reconstructionFeatures)}[0] is null");
        var recon = new double[n][];
        var stim = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var r = reconstructionFeatures[i] ?? throw new ArgumentException($"{nameof(reconstructionFeatures)}[{i}] is null");
            var s = stimulusFeatures[i] ?? throw new ArgumentException($"{nameof(stimulusFeatures)}[{i}] is null");
            if (r.Length != d) throw new ArgumentException($"{nameof(reconstructionFeatures)}[{i}] has {r.Length} features, item 0 has {d}");
            if (s.Length != d) throw new ArgumentException($"{nameof(stimulusFeatures)}[{i}] has {s.Length} features, reconstructions have {d}");
            recon[i] = PearsonCorrelation.Standardised(r, $"{nameof(reconstructionFeatures)}[{i}]");
            stim[i] = PearsonCorrelation.Standardised(s, $"{nameof(stimulusFeatures)}[{i}]");
        }
        // Standardised rows (zero mean, unit norm): correlations are dot products.
        var zRecon = Matrix<double>.Build.DenseOfRowArrays(recon); // (N, D)
        var zStim = Matrix<double>.Build.DenseOfRowArrays(stim);   // (N, D)
        var correlation = zRecon.TransposeAndMultiply(zStim);      // (N, N): [i, j] = corr(recon_i, stim_j)
        return ComputeWithSimilarity(n, (i, j) => correlation[i, j]);
    }

    /// <summary>2-way identification with flattened pixels (H x W x C) as the features.</summary>
    public static PerItemScores Compute(IReadOnlyList<ImageTensor> reconstructions, IReadOnlyList<ImageTensor> stimuli)
    {
        EvaluationChecks.SameNonZeroCount(reconstructions, stimuli, nameof(reconstructions), nameof(stimuli));
        return Compute(reconstructions.Select(r => r.Pixels).ToList(), stimuli.Select(s => s.Pixels).ToList());
    }

    /// <summary>2-way identification with a classifier's feature vectors (<see cref="IImageClassifier.Classify"/>) as the features.</summary>
    public static PerItemScores Compute(IImageClassifier classifier, IReadOnlyList<ImageTensor> reconstructions, IReadOnlyList<ImageTensor> stimuli)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        EvaluationChecks.SameNonZeroCount(reconstructions, stimuli, nameof(reconstructions), nameof(stimuli));
        return Compute(classifier.Classify(reconstructions).Features, classifier.Classify(stimuli).Features);
    }

    /// <summary>
    /// The same protocol with any similarity (larger = more alike), as MinD-Vis scores MSE, PCC and SSIM
    /// "pair-wise": item i wins against j when similarity(i, i) &gt; similarity(i, j).
    /// For a distance such as MSE pass its negative.
    /// </summary>
    /// <param name="itemCount">N, at least 2.</param>
    /// <param name="similarity">similarity(i, j) of reconstruction i to stimulus j.</param>
    public static PerItemScores ComputeWithSimilarity(int itemCount, Func<int, int, double> similarity)
    {
        ArgumentNullException.ThrowIfNull(similarity);
        if (itemCount < 2) throw new ArgumentException($"itemCount is {itemCount}; 2-way identification needs at least 2 items", nameof(itemCount));
        var scores = new double[itemCount];
        for (int i = 0; i < itemCount; i++)
        {
            double own = similarity(i, i);
            if (double.IsNaN(own)) throw new ArgumentException($"similarity({i}, {i}) is NaN", nameof(similarity));
            int won = 0;
            for (int j = 0; j < itemCount; j++)
            {
                if (j != i && own > similarity(i, j)) won++;
            }
            scores[i] = (double)won / (itemCount - 1);
        }
        return new PerItemScores(scores, Chance);
    }

    /// <summary>
    /// Within-category 2-way identification: the same protocol with item i's comparisons restricted to the other test
    /// stimuli of its own category, so that knowing the category wins nothing and only what tells one exemplar from
    /// another counts: a decoder that draws the right category and nothing of the exemplar scores chance here, 0.5. An
    /// item whose category has no other test stimulus has no comparison: null.
    /// </summary>
    /// <param name="itemCount">N, at least 2.</param>
    /// <param name="similarity">similarity(i, j) of reconstruction i to stimulus j.</param>
    /// <param name="categories">Each test stimulus's category.</param>
    public static double?[] WithinCategory(int itemCount, Func<int, int, double> similarity, IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(similarity);
        ArgumentNullException.ThrowIfNull(categories);
        if (itemCount < 2) throw new ArgumentException($"itemCount is {itemCount}; 2-way identification needs at least 2 items", nameof(itemCount));
        if (categories.Count != itemCount) throw new ArgumentException($"categories has {categories.Count} entries for {itemCount} items", nameof(categories));
        return Enumerable.Range(0, itemCount).Select(i => WithinCategory(i, i, similarity, categories)).ToArray();
    }

    /// <summary>
    /// Reconstruction <paramref name="reconstruction"/> with stimulus <paramref name="own"/> taken as its own: the
    /// fraction of the other stimuli of <paramref name="own"/>'s category that are less similar to it than
    /// <paramref name="own"/> is (ties lose); null when that category has no other stimulus. With own = reconstruction
    /// this is the item's within-category score; other pairings give the score matrix of the stimulus-level test.
    /// </summary>
    public static double? WithinCategory(int reconstruction, int own, Func<int, int, double> similarity, IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(similarity);
        ArgumentNullException.ThrowIfNull(categories);
        double score = similarity(reconstruction, own);
        if (double.IsNaN(score)) throw new ArgumentException($"similarity({reconstruction}, {own}) is NaN", nameof(similarity));
        int won = 0, compared = 0;
        for (int j = 0; j < categories.Count; j++)
        {
            if (j == own || categories[j] != categories[own]) continue;
            compared++;
            if (score > similarity(reconstruction, j)) won++;
        }
        return compared == 0 ? null : (double)won / compared;
    }
}
