using System.Globalization;
using Decoding.Evaluation;
using Decoding.Metrics;

namespace Decoding.Reports;

/// <summary>
/// The report's tables as text cells, built once from an <see cref="EvaluationReport"/> so report.md and report.html
/// show exactly the numbers of metrics.json. Values are fractions printed with 3 decimals; intervals as [lower, upper].
/// A metric that does not apply to a method (null in metrics.json) is printed as <see cref="NotApplicable"/>.
/// </summary>
public static class ReportTables
{
    /// <summary>The cell of a metric that does not apply to a method (null in metrics.json).</summary>
    public const string NotApplicable = "n/a";

    public static string Number(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    public static string WithInterval(Interval i) => $"{Number(i.Value)} [{Number(i.Lower)}, {Number(i.Upper)}]";

    /// <summary>The summary's mean with its interval, or <see cref="NotApplicable"/> when the metric does not apply.</summary>
    public static string WithInterval(ScoreSummary? s) => s is null ? NotApplicable : WithInterval(s.Mean);

    public static string PValue(double? p) => p is null ? "-" : p.Value.ToString(p.Value < 0.001 ? "0.0e+0" : "0.000", CultureInfo.InvariantCulture);

    /// <summary>What the method uses, in a few words; privileged inputs are named as such.</summary>
    public static string Uses(MetricRow r) => r.Route switch
    {
        Decoding.Decode.Routes.NoiseFreeCeiling.Name => "the simulator's noise-free responses (privileged)",
        MethodScoring.FeatureRidgeRoute => "fMRI + the scoring classifier's features (privileged)",
        _ => r.UsesTrueLabel ? "true label (oracle)" : r.UsesFmri ? r.Kind == "control" ? "another item's fMRI" : "fMRI" : "no fMRI",
    };

    /// <summary>One line per measured row: the headline metrics at the largest n.</summary>
    public static (string[] Header, List<string[]> Rows) Summary(EvaluationReport report)
    {
        int nMax = report.Settings.Ways.Max();
        var header = new[] { "method", "kind", "uses", "items x K", $"{nMax}-way top-1 (mean)", $"{nMax}-way top-1 (max)", "2-way pixels", "2-way features", "2-way features within category", "PixCorr", "SSIM" };
        var rows = report.Rows.Select(r =>
        {
            var top = r.NWay.Single(s => s.N == nMax);
            return new[]
            {
                r.Name, r.Kind, Uses(r), $"{r.Items} x {r.Samples}", WithInterval(top.MeanOverSamples), WithInterval(top.MaxOverSamples),
                WithInterval(r.TwoWayPixels?.ReconstructionFixed), WithInterval(r.TwoWayFeatures.ReconstructionFixed), WithInterval(r.TwoWayFeatures.WithinCategory),
                WithInterval(r.PixCorr), WithInterval(r.Ssim),
            };
        }).ToList();
        return (header, rows);
    }

    /// <summary>n-way accuracy of every row at every n with its stimulus-level test.</summary>
    public static (string[] Header, List<string[]> Rows) NWay(EvaluationReport report)
    {
        var header = new[] { "method", "n", "chance", "mean over samples", "max over samples", "stimuli above their median", "p (sign test over stimuli)", "null 95% range (random pairing)", "inside null range" };
        var rows = report.Rows.SelectMany(r => r.NWay.Select(s => (string[])
        [
            r.Name, s.N.ToString(CultureInfo.InvariantCulture), Number(s.Chance), WithInterval(s.MeanOverSamples.Mean), WithInterval(s.MaxOverSamples),
            .. TestCells(s.MeanOverSamples),
        ])).ToList();
        return (header, rows);
    }

    /// <summary>2-way identification of every row in both directions and both spaces, with the stimulus-level test.</summary>
    public static (string[] Header, List<string[]> Rows) Identification(EvaluationReport report)
    {
        var header = new[] { "method", "space", "direction", "score", "stimuli above their median", "p (sign test over stimuli)", "null 95% range (random pairing)", "inside null range" };
        var rows = new List<string[]>();
        foreach (var r in report.Rows)
            foreach (var (space, scores) in new (string, TwoWayScores?)[] { ("pixels (native)", r.TwoWayPixels), ("classifier features", r.TwoWayFeatures) })
                foreach (var (direction, s) in new (string, ScoreSummary?)[]
                         {
                             ("reconstruction fixed vs other stimuli (MindEye, Brain-Diffuser)", scores?.ReconstructionFixed),
                             ("stimulus fixed vs other reconstructions (Takagi & Nishimoto)", scores?.GroundTruthFixed),
                             ("within category: reconstruction fixed vs the other stimuli of its category", scores?.WithinCategory),
                         })
                    rows.Add(s is null
                        ? [r.Name, space, direction, NotApplicable, NotApplicable, NotApplicable, NotApplicable, NotApplicable]
                        : [r.Name, space, direction, WithInterval(s.Mean), .. TestCells(s)]);
        return (header, rows);
    }

    /// <summary>Pixel metrics at the native geometry and on the decoder's canvas, and the SSIM of MindEye's and
    /// Brain-Diffuser's evaluation code (column-wise) at the native geometry.</summary>
    public static (string[] Header, List<string[]> Rows) PixelMetrics(EvaluationReport report)
        => (["method", "PixCorr (native)", "SSIM (native)", $"PixCorr ({report.Geometry.Canvas}x{report.Geometry.Canvas} canvas)", $"SSIM ({report.Geometry.Canvas}x{report.Geometry.Canvas} canvas)",
                "SSIM as MindEye's code computes it (column-wise, native)"],
            report.Rows.Select(r => new[] { r.Name, WithInterval(r.PixCorr), WithInterval(r.Ssim), WithInterval(r.PixCorrCanvas), WithInterval(r.SsimCanvas), WithInterval(r.SsimColumnWise) }).ToList());

    /// <summary>Chance levels, the test's floor and MinD-Vis's reference number.</summary>
    public static (string[] Header, List<string[]> Rows) References(EvaluationReport report)
        => (["reference", "metric", "value", "note"], report.References.Select(r => new[] { r.Name, r.Metric, r.Value < 0.001 ? PValue(r.Value) : Number(r.Value), r.Note }).ToList());

    /// <summary>Per-category means of one row.</summary>
    public static (string[] Header, List<string[]> Rows) PerCategory(EvaluationReport report, MetricRow row)
    {
        int nMax = report.Settings.Ways.Max();
        return (["category", "items", $"{nMax}-way top-1 (mean)", "2-way features"],
            row.PerCategory.Select(c => new[] { c.Category, c.Items.ToString(CultureInfo.InvariantCulture), Number(c.NWayMean), Number(c.TwoWayFeatures) }).ToList());
    }

    /// <summary>What each row is: its description (a control's says how many items got a same-category donor).</summary>
    public static (string[] Header, List<string[]> Rows) Methods(EvaluationReport report)
        => (["method", "kind", "what it is"], report.Rows.Select(r => new[] { r.Name, r.Kind, r.Description }).ToList());

    private static string[] TestCells(ScoreSummary s) => s.Test is null
        ? ["-", "-", "-", "-"]
        : [$"{s.Test.Successes}/{s.Test.Stimuli}", PValue(s.Test.PValue), $"[{Number(s.Test.NullRange.Lower)}, {Number(s.Test.NullRange.Upper)}]",
            s.Test.Within(s.Mean.Value) ? "yes" : "no"];
}
