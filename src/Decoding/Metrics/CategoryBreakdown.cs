namespace Decoding.Metrics;

/// <summary>
/// Per-category breakdown of any per-item score: the mean score of the items that share a category label
/// (e.g. the GOD test set's 50 ImageNet categories), in ordinal label order.
/// </summary>
public static class CategoryBreakdown
{
    /// <param name="perItemScores">Score of item i at index i.</param>
    /// <param name="categories">Category label of item i at index i.</param>
    /// <exception cref="ArgumentException">Lengths differ or are zero, a label is null or empty, or a score is not finite.</exception>
    public static IReadOnlyList<CategoryScore> MeanPerCategory(IReadOnlyList<double> perItemScores, IReadOnlyList<string> categories)
    {
        EvaluationChecks.SameNonZeroCount(perItemScores, categories, nameof(perItemScores), nameof(categories));
        var sums = new SortedDictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        for (int i = 0; i < perItemScores.Count; i++)
        {
            string label = categories[i];
            if (string.IsNullOrEmpty(label)) throw new ArgumentException($"categories[{i}] is empty", nameof(categories));
            double score = perItemScores[i];
            if (!double.IsFinite(score)) throw new ArgumentException($"perItemScores[{i}] = {score} is not finite", nameof(perItemScores));
            sums.TryGetValue(label, out var acc);
            sums[label] = (acc.Sum + score, acc.Count + 1);
        }
        return sums.Select(kv => new CategoryScore(kv.Key, kv.Value.Count, kv.Value.Sum / kv.Value.Count)).ToList();
    }
}
