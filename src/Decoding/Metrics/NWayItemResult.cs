namespace Decoding.Metrics;

/// <summary>n-way top-1 result of one test item (see <see cref="NWayTopOneAccuracy"/>).</summary>
/// <param name="Item">Index of the item in the input lists.</param>
/// <param name="TrueClass">Argmax of the classifier's probabilities on the original stimulus.</param>
/// <param name="SampleAccuracies">Fraction of trials won by each decoded sample k (length K).</param>
/// <param name="MeanOverSamples">Mean of <paramref name="SampleAccuracies"/>.</param>
/// <param name="BestOfSamples">Fraction of trials in which at least one of the K samples won.</param>
public sealed record NWayItemResult(
    int Item,
    int TrueClass,
    IReadOnlyList<double> SampleAccuracies,
    double MeanOverSamples,
    double BestOfSamples);
