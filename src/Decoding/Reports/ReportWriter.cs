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
        var figures = new List<ReportFigure>
        {
            ReportFigures.ImageGrid(report, inputs.Decoded, inputs.Stimuli),
            ReportFigures.AccuracyVersusN(report),
        };
        if (ReportFigures.PerCategoryBars(report) is { } bars) figures.Add(bars);
        figures.AddRange(ReportFigures.LossCurves(inputs.LossCurveFolders ?? []));
        // An earlier report in this folder may have drawn more loss curves than this one: its numbered figures go.
        foreach (string old in Directory.Exists(inputs.Output) ? Directory.GetFiles(inputs.Output, "loss_curve_*.png") : [])
            if (figures.All(f => f.Png is null || f.File != Path.GetFileName(old))) File.Delete(old);
        foreach (var figure in figures.Where(f => f.Png is not null))
            AtomicFile.WriteAllBytes(Path.Combine(inputs.Output, figure.File), figure.Png!);
        AtomicFile.WriteAllText(Path.Combine(inputs.Output, MarkdownFile), MarkdownReport.Render(report, figures));
        AtomicFile.WriteAllText(Path.Combine(inputs.Output, HtmlFile), HtmlReport.Render(report, figures));
    }

    /// <summary>A few console lines: the verdict, then the headline numbers of each row.</summary>
    public static string Summary(EvaluationReport report)
    {
        var text = new StringBuilder();
        foreach (var line in ReportText.Verdict(report)) text.AppendLine(line);
        var (header, rows) = ReportTables.Summary(report);
        foreach (var row in rows)
            text.AppendLine(string.Join("; ", header.Zip(row, (h, c) => $"{h}: {c}")));
        return text.ToString();
    }
}
