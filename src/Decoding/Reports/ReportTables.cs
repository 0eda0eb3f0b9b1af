using System.Globalization;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>
/// The report's tables as text cells, built once from an <see cref="EvaluationReport"/> so report.md and report.html
/// show exactly the numbers of metrics.json. Values are fractions printed with 4 decimals; intervals as [lower, upper].
/// A metric that does not apply to a method (null in metrics.json) is printed as <see cref="NotApplicable"/>.
/// </summary>
public static class ReportTables
{
    /// <summary>The cell of a metric that does not apply to a method (null in metrics.json).</summary>
    public const string NotApplicable = "n/a";

    public static string Number(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string WithInterval(Interval i) => $"{Number(i.Value)} [{Number(i.Lower)}, {Number(i.Upper)}]";

    /// <summary>The summary's mean with its interval, or <see cref="NotApplicable"/> when the metric does not apply.</summary>
    public static string WithInterval(ScoreSummary? s) => s is null ? NotApplicable : WithInterval(s.Mean);

    public static string PValue(double? p) => p is null ? "-" : p.Value.ToString("0.###e+0", CultureInfo.InvariantCulture);

    /// <summary>One line per measured row: the headline metrics.</summary>
    public static (string[] Header, List<string[]> Rows) Summary(EvaluationReport report)
    {
        int nMax = report.Settings.Ways.Max();
        var header = new[] { "method", "kind", "items x K", $"{nMax}-way top-1 (mean)", $"{nMax}-way top-1 (max)", "2-way pixels", "2-way features", "PixCorr", "SSIM" };
        var rows = report.Rows.Select(r =>
        {
            var top = r.NWay.Single(s => s.N == nMax);
            return new[]
            {
                r.Name, r.Kind, $"{r.Items} x {r.Samples}", WithInterval(top.MeanOverSamples), WithInterval(top.MaxOverSamples),
                WithInterval(r.TwoWayPixels), WithInterval(r.TwoWayFeatures), WithInterval(r.PixCorr), WithInterval(r.Ssim),
            };
        }).ToList();
        return (header, rows);
    }

    /// <summary>n-way accuracy (mean over samples) of every row at every n, with chance and the binomial p-value.</summary>
    public static (string[] Header, List<string[]> Rows) NWay(EvaluationReport report)
    {
        var header = new[] { "method", "n", "chance", "mean over samples", "max over samples", "p (binomial vs chance)", "chance 95% range", "within chance range" };
        var rows = report.Rows.SelectMany(r => r.NWay.Select(s => new[]
        {
            r.Name, s.N.ToString(CultureInfo.InvariantCulture), Number(s.Chance), WithInterval(s.MeanOverSamples), WithInterval(s.MaxOverSamples),
            PValue(s.BinomialPValue), $"[{Number(s.ChanceInterval.Lower)}, {Number(s.ChanceInterval.Upper)}]", s.WithinChanceInterval ? "yes" : "no",
        })).ToList();
        return (header, rows);
    }

    /// <summary>2-way identification of every row with its test against chance; a space that does not apply to a row
    /// (pixels, for a method that makes no images) is one line of <see cref="NotApplicable"/> cells.</summary>
    public static (string[] Header, List<string[]> Rows) Identification(EvaluationReport report)
    {
        var header = new[] { "method", "space", "score", "p (binomial vs 0.5)", "chance 95% range", "within chance range" };
        var rows = new List<string[]>();
        foreach (var r in report.Rows)
            foreach (var (space, s) in new (string, ScoreSummary?)[] { ("pixels", r.TwoWayPixels), ("classifier features", r.TwoWayFeatures) })
                rows.Add(s is null
                    ? [r.Name, space, NotApplicable, NotApplicable, NotApplicable, NotApplicable]
                    : [r.Name, space, WithInterval(s.Mean), PValue(s.BinomialPValue),
                        s.ChanceInterval is null ? "-" : $"[{Number(s.ChanceInterval.Lower)}, {Number(s.ChanceInterval.Upper)}]",
                        s.WithinChanceInterval == true ? "yes" : "no"]);
        return (header, rows);
    }

    /// <summary>Chance levels and the published reference.</summary>
    public static (string[] Header, List<string[]> Rows) References(EvaluationReport report)
        => (["reference", "metric", "value", "note"], report.References.Select(r => new[] { r.Name, r.Metric, Number(r.Value), r.Note }).ToList());

    /// <summary>Per-category means of the pipeline row.</summary>
    public static (string[] Header, List<string[]> Rows) PerCategory(EvaluationReport report)
    {
        int nMax = report.Settings.Ways.Max();
        var pipeline = report.Rows[0];
        return (["category", "items", $"{nMax}-way top-1 (mean)", "2-way features"],
            pipeline.PerCategory.Select(c => new[] { c.Category, c.Items.ToString(CultureInfo.InvariantCulture), Number(c.NWayMean), Number(c.TwoWayFeatures) }).ToList());
    }
}
