using System.Text;
using Decoding.Evaluation;
using Fmri.Core.IO;

namespace Decoding.Reports;

/// <summary>Writes report.md (with its PNG figures) and the self-contained report.html into the evaluate output folder.</summary>
public static class ReportWriter
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";

    public static void WriteAll(EvaluationReport report, EvaluationInputs inputs)
    {
        var figures = new List<(string Caption, string File, byte[] Png)>
        {
            ("stimulus | decoded samples", "grid.png", ReportFigures.ImageGrid(inputs.Decoded, inputs.Stimuli)),
            ("n-way top-1 accuracy versus n, with chance 1/n", "accuracy_vs_n.png", ReportFigures.AccuracyVersusN(report)),
            ("per-category accuracy (pipeline)", "per_category.png", ReportFigures.PerCategoryBars(report)),
        };
        int index = 0;
        foreach (var (caption, png) in ReportFigures.LossCurves(inputs.LossCurveFolders ?? []))
            figures.Add(($"training loss: {caption}", $"loss_curve_{index++}.png", png));
        foreach (var figure in figures)
            AtomicFile.WriteAllBytes(Path.Combine(inputs.Output, figure.File), figure.Png, inputs.Decoded, inputs.Stimuli);
        AtomicFile.WriteAllText(Path.Combine(inputs.Output, MarkdownFile), MarkdownReport.Render(report, figures.Select(f => (f.Caption, f.File)).ToList()));
        AtomicFile.WriteAllText(Path.Combine(inputs.Output, HtmlFile), HtmlReport.Render(report, figures.Select(f => (f.Caption, f.Png)).ToList()));
    }

    /// <summary>A few console lines: the headline numbers of each row.</summary>
    public static string Summary(EvaluationReport report)
    {
        var (header, rows) = ReportTables.Summary(report);
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("; ", header.Zip(row, (h, c) => $"{h}: {c}")));
        return text.ToString();
    }
}
