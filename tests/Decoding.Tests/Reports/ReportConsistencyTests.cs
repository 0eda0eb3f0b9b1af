using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Decoding.Evaluation;
using Decoding.Reports;
using Decoding.Tests.Cli;
using Decoding.Tests.Decode.Routes;
using Decoding.Tests.Evaluation;
using Decoding.Tests.Metrics;

namespace Decoding.Tests.Reports;

/// <summary>report.md and report.html against metrics.json, after a full `decoding evaluate` run.</summary>
[Collection(EvaluateCommandCollection.Name)]
public sealed partial class ReportConsistencyTests
{
    private static readonly Lazy<string> Output = new(() =>
    {
        var data = EvaluationTestData.Instance;
        string output = Path.Combine(data.Folder, "report-" + Guid.NewGuid().ToString("N"));
        // A stage folder with a loss curve in the project's CSV format (no PNG): the report plots it; and one of a single
        // point, which the report names instead of drawing an empty frame.
        string stage = Path.Combine(data.Folder, "stage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stage);
        var curve = new Fmri.Core.Training.LossCurve();
        for (int step = 1; step <= 5; step++) curve.Add(step, 1, 1.0 / step);
        curve.Save(Path.Combine(stage, "loss.csv"));
        var single = new Fmri.Core.Training.LossCurve();
        single.Add(1, 0, 0.5);
        single.Save(Path.Combine(stage, "short_loss.csv"));
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", Path.GetDirectoryName(data.PerfectFile)!, data.ShuffledFile, data.FixedFile,
            "--stimuli", data.StimuliFile, "--classifier", data.ClassifierFolder, "--out", output, "--ways", "2..4", "--permutations", "200",
            "--loss-curves", stage, "--threads", "1");
        Assert.True(exit == 0, err);
        return output;
    });

    /// <summary>A run with the feature-ridge reference (--data, <see cref="RouteTestData"/>): that row has no pixel metrics
    /// (null in metrics.json, "n/a" in the reports).</summary>
    private static readonly Lazy<string> FeatureOutput = new(() =>
    {
        var data = RouteTestData.Instance;
        string decoded = data.Decode(new Decoding.Decode.DecodingSettings { Route = "ridge-pixels" });
        string output = Path.Combine(data.Folder, "report-" + Guid.NewGuid().ToString("N"));
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", decoded, "--stimuli", data.StimuliFile,
            "--classifier", EvaluationTestData.Instance.ClassifierFolder, "--out", output, "--data", data.DataFile, "--ways", "2..4",
            "--permutations", "200", "--threads", "1");
        Assert.True(exit == 0, err);
        return output;
    });

    [Fact]
    public void EveryNumberOfTheMarkdownTablesIsTheMetricsJsonNumber()
        => Assert.True(CompareMarkdownWithJson(Output.Value) >= 3 * (6 + 3 * 2 + 4), "too few cells compared");

    [Fact]
    public void TheFeatureReferenceRowIsNotApplicableWhereMetricsJsonHoldsNull()
    {
        Assert.True(CompareMarkdownWithJson(FeatureOutput.Value) >= 2 * 6, "too few cells compared");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(FeatureOutput.Value, EvaluationReport.MetricsFile)));
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["ridge: voxels -> pixels", "reference: ridge voxels -> scoring-classifier features"], rows.Select(r => r.GetProperty("name").GetString()));
        var features = rows[1];
        foreach (var key in new[] { "two_way_pixels", "pix_corr", "ssim", "pix_corr_canvas", "ssim_canvas", "ssim_column_wise" })
            Assert.Equal(JsonValueKind.Null, features.GetProperty(key).ValueKind);
        Assert.Equal(JsonValueKind.Object, features.GetProperty("two_way_features").ValueKind);

        // report.html: the same n/a cells as report.md (summary: 2-way pixels, PixCorr, SSIM; identification: the three pixel
        // lines, 5 cells each; pixel metrics: 5 cells).
        string name = System.Net.WebUtility.HtmlEncode(features.GetProperty("name").GetString()!);
        string html = File.ReadAllText(Path.Combine(FeatureOutput.Value, ReportWriter.HtmlFile));
        var htmlRows = html.Split('\n').Where(l => l.StartsWith($"<tr><td>{name}</td>", StringComparison.Ordinal)).ToList();
        string md = File.ReadAllText(Path.Combine(FeatureOutput.Value, ReportWriter.MarkdownFile));
        int htmlNa = htmlRows.Sum(l => CountOf(l, $"<td>{ReportTables.NotApplicable}</td>"));
        Assert.Equal(3 + 3 * 5 + 5, htmlNa);
        Assert.Equal(htmlNa, CountOf(md, $"| {ReportTables.NotApplicable} "));
    }

    [Fact]
    public void TheReportOpensWithTheVerdictAndFoldsTheDetailsAndProvenance()
    {
        string html = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.HtmlFile));
        int verdict = html.IndexOf("Best decoding route on the test stimuli (a summary that chooses nothing): perfect", StringComparison.Ordinal);
        int summary = html.IndexOf("<h2>Summary</h2>", StringComparison.Ordinal);
        int grid = html.IndexOf("<img", StringComparison.Ordinal);
        int firstDetails = html.IndexOf("<details>", StringComparison.Ordinal);
        Assert.True(verdict > 0 && verdict < summary && summary < grid && grid < firstDetails, $"order: verdict {verdict}, summary {summary}, grid {grid}, details {firstDetails}");
        Assert.Contains("<details><summary>Provenance</summary>", html);
        Assert.Contains("not above chance, as a control should be", html);
        // The one-point loss curve is a sentence, not an empty frame.
        Assert.Contains("short_loss.csv: not drawn, 1 point(s) recorded", html);
        Assert.False(File.Exists(Path.Combine(Output.Value, "loss_curve_1.png")));
    }

    [Fact]
    public void The_caveats_say_which_SSIM_is_reported_and_what_n_way_means_at_the_number_of_classes()
    {
        string md = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.MarkdownFile));
        string caveats = md[md.IndexOf("## Caveats", StringComparison.Ordinal)..];
        Assert.Contains("SSIM is the 2-D SSIM of Wang et al. (2004)", caveats);
        Assert.Contains("averages 1-D SSIMs down the image's columns", caveats);
        int classes = SyntheticShapes.ClassCount;
        Assert.Contains($"At n = {classes}, the number of the classifier's classes, n-way top-1 draws no other classes", caveats);
    }

    [Fact]
    public void A_report_written_again_into_its_folder_keeps_no_loss_curve_the_new_one_does_not_draw()
    {
        var data = EvaluationTestData.Instance;
        string output = Path.Combine(data.Folder, "rewrite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(output);
        File.WriteAllBytes(Path.Combine(output, "loss_curve_0.png"), [1, 2, 3]);   // drawn by an earlier report with --loss-curves
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", data.FixedFile, "--stimuli", data.StimuliFile, "--classifier", data.ClassifierFolder,
            "--out", output, "--ways", "2..4", "--permutations", "200", "--threads", "1");
        Assert.True(exit == 0, err);
        Assert.False(File.Exists(Path.Combine(output, "loss_curve_0.png")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(output, ReportWriter.MarkdownFile)));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Every number of the summary, n-way and identification tables of report.md against metrics.json; a metric
    /// that is null in metrics.json must be "n/a" in every cell of its line. Returns the number of cells compared.</summary>
    private static int CompareMarkdownWithJson(string outputFolder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outputFolder, EvaluationReport.MetricsFile)));
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        string md = File.ReadAllText(Path.Combine(outputFolder, ReportWriter.MarkdownFile));
        var tableLines = md.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Select(Cells).ToList();
        int checkedCells = 0;
        foreach (var row in rows)
        {
            string name = row.GetProperty("name").GetString()!;
            // Summary table: 11 cells, headline metrics at n = 4.
            var summary = tableLines.Single(l => l.Length == 11 && l[0] == name && l[1] == row.GetProperty("kind").GetString());
            var top = row.GetProperty("n_way").EnumerateArray().Single(s => s.GetProperty("n").GetInt32() == 4);
            checkedCells += Compare(summary[4], top.GetProperty("mean_over_samples").GetProperty("mean"));
            checkedCells += Compare(summary[5], top.GetProperty("max_over_samples"));
            checkedCells += CompareSummary(summary[6], Direction(row.GetProperty("two_way_pixels"), "reconstruction_fixed"));
            checkedCells += CompareSummary(summary[7], Direction(row.GetProperty("two_way_features"), "reconstruction_fixed"));
            checkedCells += CompareSummary(summary[8], Direction(row.GetProperty("two_way_features"), "within_category"));
            checkedCells += CompareSummary(summary[9], row.GetProperty("pix_corr"));
            checkedCells += CompareSummary(summary[10], row.GetProperty("ssim"));
            // n-way table: one 9-cell line per (method, n).
            foreach (var s in row.GetProperty("n_way").EnumerateArray())
            {
                string n = s.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture);
                var line = tableLines.Single(l => l.Length == 9 && l[0] == name && l[1] == n);
                Assert.Equal(s.GetProperty("chance").GetDouble(), Parse(line[2]), 3);
                checkedCells += Compare(line[3], s.GetProperty("mean_over_samples").GetProperty("mean"));
                checkedCells += Compare(line[4], s.GetProperty("max_over_samples"));
                checkedCells += CompareTest(line[5..], s.GetProperty("mean_over_samples").GetProperty("test"));
            }
            // Identification table: one 8-cell line per (method, space, direction).
            foreach (var (space, key) in new[] { ("pixels (native)", "two_way_pixels"), ("classifier features", "two_way_features") })
                foreach (var (direction, property) in new[] { ("reconstruction fixed", "reconstruction_fixed"), ("stimulus fixed", "ground_truth_fixed"), ("within category", "within_category") })
                {
                    var line = tableLines.Single(l => l.Length == 8 && l[0] == name && l[1] == space && l[2].StartsWith(direction, StringComparison.Ordinal));
                    var summaryJson = Direction(row.GetProperty(key), property);
                    if (summaryJson.ValueKind == JsonValueKind.Null)
                    {
                        Assert.All(line.Skip(3), cell => Assert.Equal(ReportTables.NotApplicable, cell));
                        checkedCells++;
                        continue;
                    }
                    checkedCells += Compare(line[3], summaryJson.GetProperty("mean"));
                    checkedCells += CompareTest(line[4..], summaryJson.GetProperty("test"));
                }
        }
        return checkedCells;
    }

    private static JsonElement Direction(JsonElement scores, string direction)
        => scores.ValueKind == JsonValueKind.Null ? scores : scores.GetProperty(direction);

    /// <summary>"k/N", p, "[lo, hi]", "yes/no" against the test's JSON.</summary>
    private static int CompareTest(string[] cells, JsonElement test)
    {
        Assert.Equal($"{test.GetProperty("successes").GetInt32()}/{test.GetProperty("stimuli").GetInt32()}", cells[0]);
        double p = test.GetProperty("p_value").GetDouble();
        Assert.Equal(p, Parse(cells[1]), p * 0.05 + 0.0005);
        var range = test.GetProperty("null_range");
        Assert.Equal($"[{range.GetProperty("lower").GetDouble().ToString("0.000", CultureInfo.InvariantCulture)}, {range.GetProperty("upper").GetDouble().ToString("0.000", CultureInfo.InvariantCulture)}]", cells[2]);   // the same formatting as the report
        return 2;
    }

    [Fact]
    public void TheHtmlIsSelfContained()
    {
        string html = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.HtmlFile));
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
        var links = LinkAttribute().Matches(html).Select(m => m.Groups[2].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.StartsWith("data:image/png;base64,", link));
        // grid, accuracy-vs-n, per-category and the five-point loss curve.
        Assert.True(links.Count >= 4, $"{links.Count} embedded images");
    }

    [Fact]
    public void MetricsJsonRecordsConfigSeedsHashesVersionAndGeometry()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output.Value, EvaluationReport.MetricsFile)));
        var root = json.RootElement;
        Assert.Equal(2022, root.GetProperty("settings").GetProperty("seed").GetInt64());
        Assert.Equal(200, root.GetProperty("settings").GetProperty("permutations").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("tool_version").GetString()));
        Assert.True(root.GetProperty("input_sha256").EnumerateObject().Count() >= 5);
        Assert.Contains("none", root.GetProperty("geometry").GetProperty("rule").GetString());
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>A score summary's cell: "n/a" when metrics.json holds null, else its mean as <see cref="Compare"/>.</summary>
    private static int CompareSummary(string cell, JsonElement summary)
    {
        if (summary.ValueKind != JsonValueKind.Null) return Compare(cell, summary.GetProperty("mean"));
        Assert.Equal(ReportTables.NotApplicable, cell);
        return 1;
    }

    /// <summary>"v [lo, hi]" against {value, lower, upper}, to the 3 decimals the report prints.</summary>
    private static int Compare(string cell, JsonElement interval)
    {
        var m = IntervalCell().Match(cell);
        Assert.True(m.Success, $"'{cell}' is not 'value [lower, upper]'");
        // Printed to 3 decimals: within half a unit of the last digit (a midpoint may go either way).
        foreach (var (group, key) in new[] { (1, "value"), (2, "lower"), (3, "upper") })
            Assert.InRange(Parse(m.Groups[group].Value) - interval.GetProperty(key).GetDouble(), -0.0005 - 1e-9, 0.0005 + 1e-9);
        return 1;
    }

    [GeneratedRegex(@"^(-?\d+\.\d{3}) \[(-?\d+\.\d{3}), (-?\d+\.\d{3})\]$")]
    private static partial Regex IntervalCell();

    [GeneratedRegex("(src|href)\\s*=\\s*\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex LinkAttribute();
}
