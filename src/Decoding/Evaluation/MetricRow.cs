using System.Text.Json.Serialization;
using Decoding.Evaluation.Metrics;

namespace Decoding.Evaluation;

/// <summary>
/// Every metric of one method (the pipeline, a control or a baseline) on the test items.
/// Binomial tests count independent units, not MinD-Vis's redrawn trials: for n-way accuracy, one trial per
/// (item, sample) with the success count round(items x K x mean accuracy); for 2-way identification, one per
/// ordered item pair, round(N (N - 1) x mean), as the NSD papers do.
/// Chance ranges (<see cref="ChanceRange"/>) count (item, sample) pairs for n-way accuracy and items for 2-way
/// identification, whose pairwise comparisons share items and are not independent.
/// </summary>
/// <param name="Name">e.g. "pipeline", "shuffled-fMRI control", "ridge: voxels -> pixels".</param>
/// <param name="Kind">pipeline | control | baseline.</param>
/// <param name="Items">Test items scored.</param>
/// <param name="Samples">Decoded samples per item (K).</param>
/// <param name="TwoWayPixels">2-way identification on pixels; null for a method that makes no images
/// (e.g. the ridge baseline to classifier features). Written to metrics.json as null and shown as "n/a" in the reports.</param>
/// <param name="PixCorr">Pixel correlation; null (n/a) for a method that makes no images.</param>
/// <param name="Ssim">SSIM; null (n/a) for a method that makes no images.</param>
public sealed record MetricRow(
    string Name,
    string Kind,
    int Items,
    int Samples,
    IReadOnlyList<NWayScore> NWay,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? TwoWayPixels,
    ScoreSummary TwoWayFeatures,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? PixCorr,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? Ssim,
    IReadOnlyList<CategoryRow> PerCategory,
    string? Note = null);
