using System.Text.Json.Serialization;
using Decoding.Metrics;

namespace Decoding.Evaluation;

/// <summary>
/// A per-item metric summarised over the test stimuli: the mean with its bootstrap 95% interval over stimuli, and,
/// for a metric with a chance level, the stimulus-level test (<see cref="StimulusLevelTest"/>).
/// </summary>
/// <param name="PerItem">Score of each test item (mean over its K samples).</param>
public sealed record ScoreSummary(Interval Mean, double? Chance, StimulusTest? Test, IReadOnlyList<double> PerItem)
{
    /// <summary>True when the mean lies inside the permutation null range (indistinguishable from random pairing).</summary>
    [JsonIgnore] public bool? WithinNullRange => Test?.Within(Mean.Value);
}

/// <summary>
/// 2-way identification in both published directions (see <see cref="TwoWayIdentification"/>): with each
/// reconstruction fixed against the other ground truths (MindEye, Brain-Diffuser), and with each ground truth fixed
/// against the other reconstructions (Takagi &amp; Nishimoto's code); and, reconstruction fixed, against the other
/// stimuli of the item's own category only (<see cref="TwoWayIdentification.WithinCategory(int, System.Func{int, int, double}, IReadOnlyList{string})"/>: the exemplar, not the
/// category; null when no test category has two stimuli).
/// </summary>
public sealed record TwoWayScores(ScoreSummary ReconstructionFixed, ScoreSummary GroundTruthFixed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? WithinCategory = null);

/// <summary>n-way top-1 accuracy of one method at one n (MinD-Vis protocol, see <see cref="NWayTopOneAccuracy"/>).</summary>
/// <param name="MeanOverSamples">MinD-Vis "top-1-class": mean over items and samples, with its bootstrap interval over stimuli and the stimulus-level test.</param>
/// <param name="MaxOverSamples">MinD-Vis "top-1-class (max)": the best of the K sample sets, with its bootstrap interval over stimuli.</param>
public sealed record NWayScore(int N, double Chance, ScoreSummary MeanOverSamples, Interval MaxOverSamples);

/// <summary>For a control row: what it controls and how many items kept their category.</summary>
public sealed record ControlInfo(string ControlOf, int? SameCategoryDonors);

/// <summary>
/// Every metric of one method (a decoding route, a control, a baseline or a reference) on the test stimuli. Pixel
/// metrics are computed at the stimulus's native geometry (<see cref="EvaluationReport.Geometry"/>); the
/// <c>Canvas</c> ones on the decoder's padded canvas, for comparison with earlier numbers only. <c>SsimColumnWise</c>
/// is the SSIM MindEye's and Brain-Diffuser's evaluation code computes (<see cref="Metrics.Ssim.ComputeColumnWise(Metrics.ImageTensor, Metrics.ImageTensor, Metrics.SsimOptions?)"/>),
/// at the native geometry, to set beside published values; <c>Ssim</c> is the 2-D SSIM of Wang et al. A metric that does
/// not apply (a method without images) is null in metrics.json and n/a in the reports.
/// </summary>
public sealed record MetricRow(
    string Name,
    string Kind,
    string Route,
    bool UsesFmri,
    bool UsesTrueLabel,
    string Description,
    int Items,
    int Samples,
    IReadOnlyList<NWayScore> NWay,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TwoWayScores? TwoWayPixels,
    TwoWayScores TwoWayFeatures,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? PixCorr,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? Ssim,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? PixCorrCanvas,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? SsimCanvas,
    IReadOnlyList<CategoryRow> PerCategory,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ControlInfo? Control,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DecodedFile,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ScoreSummary? SsimColumnWise = null)
{
    /// <summary>The n-way score at the largest n evaluated.</summary>
    [JsonIgnore] public NWayScore Largest => NWay.MaxBy(s => s.N)!;
}
