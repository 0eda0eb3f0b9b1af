namespace Decoding.Evaluation;

/// <summary>A per-item metric summarised: the mean over items with its bootstrap 95% interval, and per-item values.</summary>
/// <param name="Chance">Chance level, when the metric has one (0.5 for 2-way identification).</param>
/// <param name="BinomialPValue">Exact binomial test against chance (item pairs as trials), when the metric has a chance level.</param>
/// <param name="PerItem">Score of each test item (mean over its K samples).</param>
public sealed record ScoreSummary(Interval Mean, double? Chance, double? BinomialPValue, Interval? ChanceInterval, IReadOnlyList<double> PerItem)
{
    public bool? WithinChanceInterval => ChanceInterval is null ? null : Mean.Value >= ChanceInterval.Lower && Mean.Value <= ChanceInterval.Upper;
}
