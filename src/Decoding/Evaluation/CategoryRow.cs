namespace Decoding.Evaluation;

/// <summary>Per-category means of one method: n-way accuracy (mean over samples) at the largest n evaluated, and
/// 2-way identification in the classifier's feature space.</summary>
public sealed record CategoryRow(string Category, int Items, double NWayMean, double TwoWayFeatures);
