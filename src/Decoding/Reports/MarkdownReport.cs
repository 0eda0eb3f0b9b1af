using System.Globalization;
using System.Text;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>report.md: the evaluation in Markdown, every number from <see cref="ReportTables"/> (hence metrics.json);
/// figures are referenced as PNG files written next to it.</summary>
public static class MarkdownReport
{
    public static string Render(EvaluationReport report, IReadOnlyList<(string Caption, string File)> figures)
    {
        var md = new StringBuilder();
        md.AppendLine("# Decoding evaluation").AppendLine();
        foreach (var line in ReportText.DataLines(report)) md.AppendLine($"- {line}");
        md.AppendLine().AppendLine("## Caveats").AppendLine();
        foreach (var caveat in report.Data.Caveats) md.AppendLine($"- {caveat}");
        md.AppendLine().AppendLine("## Summary: pipeline vs controls vs baselines").AppendLine();
        md.AppendLine("Means over test items with bootstrap 95% intervals over items in brackets.").AppendLine();
        Table(md, ReportTables.Summary(report));
        md.AppendLine("## Chance and published reference").AppendLine();
        Table(md, ReportTables.References(report));
        md.AppendLine("## n-way top-1 accuracy (MinD-Vis protocol)").AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"True class = the classifier's top-1 class on the stimulus; {report.Settings.TrialsPerItem} trials per item; binomial tests count (item, sample) pairs as trials.")).AppendLine();
        Table(md, ReportTables.NWay(report));
        md.AppendLine("## 2-way identification").AppendLine();
        Table(md, ReportTables.Identification(report));
        md.AppendLine("## Per category (pipeline)").AppendLine();
        Table(md, ReportTables.PerCategory(report));
        md.AppendLine("## Figures").AppendLine();
        foreach (var (caption, file) in figures) md.AppendLine($"![{caption}]({file})").AppendLine();
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
