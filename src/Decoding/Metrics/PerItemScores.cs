namespace Decoding.Metrics;

/// <summary>
/// One score per test item, in the order the items were given, and their mean. Per-item scores are what
/// <see cref="Bootstrap"/> resamples and <see cref="CategoryBreakdown"/> groups.
/// </summary>
/// <param name="PerItem">Score of item i at index i.</param>
/// <param name="Chance">Expected score of a decoder that knows nothing (0.5 for 2-way identification);
/// null where a metric has no chance level (PixCorr, SSIM).</param>
public sealed record PerItemScores(IReadOnlyList<double> PerItem, double? Chance = null)
{
    /// <summary>Mean over items.</summary>
    public double Mean => PerItem.Count == 0 ? double.NaN : PerItem.Average();
}
