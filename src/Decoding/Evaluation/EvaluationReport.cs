using System.Text.Json;
using Decoding.Metrics;
using Fmri.Core.IO;
using Fmri.Core.Runs;

namespace Decoding.Evaluation;

/// <summary>
/// Everything <c>decoding evaluate</c> measured and how: written as <c>metrics.json</c>, and the single source of
/// every number in <c>report.md</c> and <c>report.html</c>.
/// </summary>
public sealed record EvaluationReport
{
    public const string MetricsFile = "metrics.json";

    public string ToolVersion { get; init; } = Fmri.Core.ToolInfo.Version;
    public DateTimeOffset CreatedUtc { get; init; }
    public required EvaluationSettings Settings { get; init; }
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> InputSha256 { get; init; } = new Dictionary<string, string>();
    public required DataDescription Data { get; init; }
    public required ClassifierSummary Classifier { get; init; }

    /// <summary>How pixel metrics were brought to the stimulus's native geometry.</summary>
    public required NativeGeometry Geometry { get; init; }

    /// <summary>Measured rows: decoding routes first, then baselines, controls and references.</summary>
    public required IReadOnlyList<MetricRow> Rows { get; init; }

    /// <summary>The route chosen on validation (<see cref="Evaluation.RouteChoice"/>); null when no evaluated route recorded a validation score.</summary>
    public RouteChoice? RouteChoice { get; init; }

    /// <summary>Chance levels and MinD-Vis's reference number (not measured here).</summary>
    public required IReadOnlyList<ReferenceRow> References { get; init; }

    /// <summary>Category name of each test item, in item order.</summary>
    public IReadOnlyList<string> ItemCategories { get; init; } = [];

    /// <summary>Stimulus id of each test item, in item order.</summary>
    public IReadOnlyList<string> ItemStimulusIds { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, RunManifest.JsonOptions) + "\n";

    /// <summary>Writes <c>metrics.json</c> atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());
}
