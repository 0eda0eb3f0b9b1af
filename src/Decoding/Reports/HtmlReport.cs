using System.Net;
using System.Text;
using Decoding.Evaluation;

namespace Decoding.Reports;

/// <summary>
/// report.html: the content of report.md in one self-contained file, read top-down: the verdict, the summary table,
/// the image grid and the plots are open; the detailed tables and the provenance are folded (&lt;details&gt;). Every
/// figure is embedded as a <c>data:image/png;base64</c> URI; inline CSS, no scripts, no external links.
/// </summary>
public static class HtmlReport
{
    public static string Render(EvaluationReport report, IReadOnlyList<ReportFigure> figures)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Decoding evaluation</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
            + "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}"
            + "th{background:#eee}img{max-width:100%}.verdict{background:#f4f7fb;border-left:4px solid #3b6ea8;padding:.5em 1em}"
            + "details{margin:.5em 0}summary{cursor:pointer;font-weight:bold;font-size:1.1em;margin:.5em 0}figure{margin:1em 0}"
            + "figcaption{font-size:13px;color:#555}</style></head><body>");
        html.AppendLine("<h1>Decoding evaluation</h1><div class=\"verdict\"><ul>");
        foreach (var line in ReportText.Verdict(report)) html.AppendLine($"<li>{E(line)}</li>");
        html.AppendLine("</ul></div>");
        html.AppendLine("<h2>Summary</h2><p>Means over the test stimuli with bootstrap 95% intervals over stimuli; 2-way identification with each "
            + "reconstruction fixed against the other stimuli; pixel metrics at the stimuli's native geometry.</p>");
        Table(html, ReportTables.Summary(report));
        foreach (var figure in figures)
            html.AppendLine(figure.Png is null
                ? $"<p><em>{E(figure.Caption)}</em></p>"
                : $"<figure><img alt=\"{E(figure.Caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(figure.Png)}\"><figcaption>{E(figure.Caption)}</figcaption></figure>");
        html.AppendLine("<h2>Caveats</h2><ul>");
        foreach (var caveat in report.Data.Caveats) html.AppendLine($"<li>{E(caveat)}</li>");
        html.AppendLine("</ul>");
        Folded(html, "The methods", ReportTables.Methods(report));
        Folded(html, "n-way top-1 accuracy (MinD-Vis protocol) at every n, with stimulus-level tests", ReportTables.NWay(report));
        Folded(html, "2-way identification, both directions", ReportTables.Identification(report));
        Folded(html, "Pixel metrics: native geometry and canvas", ReportTables.PixelMetrics(report));
        if (ReportText.BestRoute(report) is { } best) Folded(html, $"Per category ({best.Name})", ReportTables.PerCategory(report, best));
        Folded(html, "Chance, the test's floor and MinD-Vis's reference number", ReportTables.References(report));
        html.AppendLine("<details><summary>Provenance</summary><ul>");
        foreach (var line in ReportText.Provenance(report)) html.AppendLine($"<li>{E(line)}</li>");
        html.AppendLine("</ul></details></body></html>");
        return html.ToString();
    }

    private static void Folded(StringBuilder html, string title, (string[] Header, List<string[]> Rows) table)
    {
        html.AppendLine($"<details><summary>{E(title)}</summary>");
        Table(html, table);
        html.AppendLine("</details>");
    }

    private static void Table(StringBuilder html, (string[] Header, List<string[]> Rows) table)
    {
        html.AppendLine($"<table><tr>{string.Concat(table.Header.Select(h => $"<th>{E(h)}</th>"))}</tr>");
        foreach (var row in table.Rows) html.AppendLine($"<tr>{string.Concat(row.Select(c => $"<td>{E(c)}</td>"))}</tr>");
        html.AppendLine("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
