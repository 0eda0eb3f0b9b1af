namespace Decoding.Metrics;

/// <summary>
/// n-way top-1 classification accuracy over a test set (see <see cref="NWayTopOneAccuracy"/>).
/// Three summaries over the K decoded samples per item:
/// <list type="bullet">
/// <item><see cref="MeanOverSamples"/>: mean over items and samples. MinD-Vis's "top-1-class".</item>
/// <item><see cref="MaxOverSampleSets"/>: sample set k is the k-th sample of every item; its accuracy is the mean
/// over items; this is the largest of the K. MinD-Vis's "top-1-class (max)" (<c>np.max(res_part)</c> in its gen_eval.py).</item>
/// <item><see cref="BestOfSamples"/>: per item and trial, success when any of the K samples wins; mean over items.
/// An oracle picking the best sample per item: the most optimistic of the three.</item>
/// </list>
/// </summary>
/// <param name="N">n, the number of classes per trial (the true class and n - 1 drawn others).</param>
/// <param name="TrialsPerItem">Trials drawn per item.</param>
/// <param name="SamplesPerItem">K, decoded samples per item.</param>
/// <param name="Chance">1 / n.</param>
/// <param name="SampleSetAccuracies">Mean over items of the accuracy of sample k, for k = 0..K-1.</param>
/// <param name="Items">Per-item results, in input order (for bootstrap intervals and per-category breakdowns).</param>
public sealed record NWayTopOneResult(
    int N,
    int TrialsPerItem,
    int SamplesPerItem,
    double Chance,
    double MeanOverSamples,
    double MaxOverSampleSets,
    double BestOfSamples,
    IReadOnlyList<double> SampleSetAccuracies,
    IReadOnlyList<NWayItemResult> Items);
