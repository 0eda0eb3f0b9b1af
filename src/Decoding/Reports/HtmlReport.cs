using System.Net;
using System.Text;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>
/// report.html: the same content as report.md in one self-contained file: every figure embedded as a
/// <c>data:image/png;base64</c> URI, inline CSS, no scripts and no external links.
/// </summary>
public static class HtmlReport
{
    public static string Render(EvaluationReport report, IReadOnlyList<(string Caption, byte[] Png)> figures)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Decoding evaluation</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#eee}img{max-width:100%}</style></head><body>");
        html.AppendLine("<h1>Decoding evaluation</h1><ul>");
        foreach (var line in ReportText.DataLines(report)) html.AppendLine($"<li>{E(line)}</li>");
        html.AppendLine("</ul><h2>Caveats</h2><ul>");
        foreach (var caveat in report.Data.Caveats) html.AppendLine($"<li>{E(caveat)}</li>");
        html.AppendLine("</ul>");
        Section(html, "Summary: pipeline vs controls vs baselines", ReportTables.Summary(report));
        Section(html, "Chance and published reference", ReportTables.References(report));
        Section(html, "n-way top-1 accuracy (MinD-Vis protocol)", ReportTables.NWay(report));
        Section(html, "2-way identification", ReportTables.Identification(report));
        Section(html, "Per category (pipeline)", ReportTables.PerCategory(report));
        html.AppendLine("<h2>Figures</h2>");
        foreach (var (caption, png) in figures)
            html.AppendLine($"<figure><img alt=\"{E(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{E(caption)}</figcaption></figure>");
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string title, (string[] Header, List<string[]> Rows) table)
    {
        html.AppendLine($"<h2>{E(title)}</h2><table><tr>{string.Concat(table.Header.Select(h => $"<th>{E(h)}</th>"))}</tr>");
        foreach (var row in table.Rows) html.AppendLine($"<tr>{string.Concat(row.Select(c => $"<td>{E(c)}</td>"))}</tr>");
        html.AppendLine("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
