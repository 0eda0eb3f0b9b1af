using System.Globalization;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>Sentences shared by report.md and report.html.</summary>
public static class ReportText
{
    public static IEnumerable<string> DataLines(EvaluationReport report)
    {
        var pipeline = report.Rows[0];
        yield return $"Data: {report.Data.Origin}" + (string.IsNullOrEmpty(report.Data.Subject) ? "" : $", subject {report.Data.Subject}")
            + (report.Data.Rois.Count > 0 ? $", ROIs {string.Join(", ", report.Data.Rois)}" : "");
        if (report.Data.ProvenanceSteps.Count > 0) yield return $"Preprocessing: {string.Join("; ", report.Data.ProvenanceSteps)}";
        yield return string.Create(CultureInfo.InvariantCulture, $"Test items: {pipeline.Items}, decoded samples per item (K): {pipeline.Samples}");
        foreach (var key in new[] { "sampler", "steps", "guidance", "seed", "split", "model" })
            if (report.Data.DecodedAttributes.TryGetValue(key, out var value)) yield return $"Decoding {key}: {value}";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Scoring classifier: {report.Classifier.ClassCount} classes, held-out accuracy {ReportTables.Number(report.Classifier.TestAccuracy)} ({report.Classifier.TrainingData})");
        foreach (var control in report.Rows.Where(r => r.Kind == "control"))
        {
            bool nWay = control.NWay.All(s => s.WithinChanceInterval);
            bool twoWay = control.TwoWayPixels?.WithinChanceInterval != false && control.TwoWayFeatures.WithinChanceInterval == true;
            yield return $"{control.Name}: n-way accuracy within the chance range at every n: {(nWay ? "yes" : "no")}; "
                + $"2-way identification (pixels and features) within the chance range: {(twoWay ? "yes" : "no")}"
                + (nWay && twoWay ? "" : " (a control above chance points to leakage or a bug)");
        }
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Seed {report.Settings.Seed}; {report.Settings.BootstrapResamples} bootstrap resamples; tool {report.ToolVersion}");
    }
}
