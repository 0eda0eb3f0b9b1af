using System.Text;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>report.md: the evaluation in Markdown, read top-down: the verdict, the summary table, the image grid and the
/// plots first, then the detailed tables and the provenance. Every number comes from <see cref="ReportTables"/> (hence
/// metrics.json); figures are PNG files next to it.</summary>
public static class MarkdownReport
{
    public static string Render(EvaluationReport report, IReadOnlyList<ReportFigure> figures)
    {
        var md = new StringBuilder();
        md.AppendLine("# Decoding evaluation").AppendLine();
        foreach (var line in ReportText.Verdict(report)) md.AppendLine($"- {line}");
        md.AppendLine().AppendLine("## Summary").AppendLine();
        md.AppendLine("Means over the test stimuli with bootstrap 95% intervals over stimuli; 2-way identification with each reconstruction "
            + "fixed against the other stimuli; pixel metrics at the stimuli's native geometry.").AppendLine();
        Table(md, ReportTables.Summary(report));
        foreach (var figure in figures.Where(f => f.Png is not null)) md.AppendLine($"![{figure.Caption}]({figure.File})").AppendLine();
        foreach (var figure in figures.Where(f => f.Png is null)) md.AppendLine($"- {figure.Caption}");
        md.AppendLine().AppendLine("## Caveats").AppendLine();
        foreach (var caveat in report.Data.Caveats) md.AppendLine($"- {caveat}");
        md.AppendLine().AppendLine("## The methods").AppendLine();
        Table(md, ReportTables.Methods(report));
        md.AppendLine("## n-way top-1 accuracy (MinD-Vis protocol) at every n").AppendLine();
        md.AppendLine("True class = the classifier's top-1 class on the stimulus; accuracy = the exact expectation over the draws of the n - 1 other "
            + "classes (MinD-Vis estimates it with 1,000 draws). The test counts stimuli, never samples or draws.").AppendLine();
        Table(md, ReportTables.NWay(report));
        md.AppendLine("## 2-way identification, both directions").AppendLine();
        Table(md, ReportTables.Identification(report));
        md.AppendLine("## Pixel metrics: native geometry and canvas").AppendLine();
        Table(md, ReportTables.PixelMetrics(report));
        var best = ReportText.BestRoute(report);
        if (best is not null)
        {
            md.AppendLine($"## Per category ({best.Name})").AppendLine();
            Table(md, ReportTables.PerCategory(report, best));
        }
        md.AppendLine("## Chance, the test's floor and MinD-Vis's reference number").AppendLine();
        Table(md, ReportTables.References(report));
        md.AppendLine("## Provenance").AppendLine();
        foreach (var line in ReportText.Provenance(report)) md.AppendLine($"- {line}");
        return md.ToString();
    }

    private static void Table(StringBuilder md, (string[] Header, List<string[]> Rows) table)
    {
        md.AppendLine("| " + string.Join(" | ", table.Header.Select(Escape)) + " |");
        md.AppendLine("|" + string.Concat(table.Header.Select(_ => " --- |")));
        foreach (var row in table.Rows) md.AppendLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
        md.AppendLine();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|");
}
