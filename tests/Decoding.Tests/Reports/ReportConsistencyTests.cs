using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Decoding.Evaluation;
using Decoding.Reports;
using Decoding.Tests.Cli;
using Decoding.Tests.Evaluation;
using Decoding.Tests.Evaluation.Baselines;

namespace Decoding.Tests.Reports;

/// <summary>report.md and report.html against metrics.json, after a full `decoding evaluate` run.</summary>
[Collection(EvaluateCommandCollection.Name)]
public sealed partial class ReportConsistencyTests
{
    private static readonly Lazy<string> Output = new(() =>
    {
        var data = EvaluationTestData.Instance;
        string output = Path.Combine(data.Folder, "report-" + Guid.NewGuid().ToString("N"));
        // A stage folder with a loss curve in the project's CSV format (no PNG): the report plots it.
        string stage = Path.Combine(data.Folder, "stage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stage);
        var curve = new Fmri.Core.Training.LossCurve();
        for (int step = 1; step <= 5; step++) curve.Add(step, 1, 1.0 / step);
        curve.Save(Path.Combine(stage, "loss.csv"));
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", Path.GetDirectoryName(data.PerfectFile)!, "--stimuli", data.StimuliFile,
            "--classifier", data.ClassifierFolder, "--out", output, "--control", data.ShuffledFile, "--trials", "100", "--ways", "2..4",
            "--loss-curves", stage, "--threads", "1");
        Assert.True(exit == 0, err);
        return output;
    });

    /// <summary>A run with the three ridge rows (--ridge and --ridge-vae, <see cref="RidgeTestData"/>): the feature row has
    /// no pixel metrics (null in metrics.json, "n/a" in the reports).</summary>
    private static readonly Lazy<string> RidgeOutput = new(() =>
    {
        var data = RidgeTestData.Instance;
        string output = Path.Combine(data.Folder, "report-" + Guid.NewGuid().ToString("N"));
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", data.DecodedFile, "--stimuli", data.StimuliFile,
            "--classifier", EvaluationTestData.Instance.ClassifierFolder, "--out", output, "--ridge", data.DataFile, "--ridge-vae", data.VaeModelFolder,
            "--trials", "100", "--ways", "2..4", "--threads", "1");
        Assert.True(exit == 0, err);
        return output;
    });

    [Fact]
    public void EveryNumberOfTheMarkdownTablesIsTheMetricsJsonNumber()
        => Assert.True(CompareMarkdownWithJson(Output.Value) >= 2 * 6 + 2 * 3 * 2, "too few cells compared");

    [Fact]
    public void WithTheRidgeRowsEveryCellIsTheMetricsJsonNumberOrNotApplicableWhereJsonHoldsNull()
    {
        // pipeline, pixel ridge, VAE ridge, feature ridge.
        Assert.True(CompareMarkdownWithJson(RidgeOutput.Value) >= 4 * (6 + 3 * 2 + 2), "too few cells compared");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RidgeOutput.Value, EvaluationReport.MetricsFile)));
        var names = json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(["pipeline", RidgeBaselineRowTests.PixelRow, RidgeBaselineRowTests.VaeRow, RidgeBaselineRowTests.FeatureRow], names);
        var features = json.RootElement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("name").GetString() == RidgeBaselineRowTests.FeatureRow);
        foreach (var key in new[] { "two_way_pixels", "pix_corr", "ssim" })
            Assert.Equal(JsonValueKind.Null, features.GetProperty(key).ValueKind);
        Assert.Equal(JsonValueKind.Object, features.GetProperty("two_way_features").ValueKind);

        // report.html: the same n/a cells as report.md (summary: 2-way pixels, PixCorr, SSIM; identification: 4 cells of the pixel line).
        string html = File.ReadAllText(Path.Combine(RidgeOutput.Value, ReportWriter.HtmlFile));
        string name = System.Net.WebUtility.HtmlEncode(RidgeBaselineRowTests.FeatureRow);
        var htmlRows = html.Split('\n').Where(l => l.StartsWith($"<tr><td>{name}</td>", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(htmlRows, l => l.StartsWith($"<tr><td>{name}</td><td>baseline</td>", StringComparison.Ordinal));
        Assert.Equal(3, CountOf(summary, $"<td>{ReportTables.NotApplicable}</td>"));
        var pixels = Assert.Single(htmlRows, l => l.StartsWith($"<tr><td>{name}</td><td>pixels</td>", StringComparison.Ordinal));
        Assert.Equal(4, CountOf(pixels, $"<td>{ReportTables.NotApplicable}</td>"));
        Assert.Equal(0, htmlRows.Where(l => l != summary && l != pixels).Sum(l => CountOf(l, ReportTables.NotApplicable)));
        string md = File.ReadAllText(Path.Combine(RidgeOutput.Value, ReportWriter.MarkdownFile));
        Assert.Equal(3 + 4, CountOf(md, $"| {ReportTables.NotApplicable} "));
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
        var tableLines = md.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        int checkedCells = 0;
        foreach (var row in rows)
        {
            string name = row.GetProperty("name").GetString()!;
            // Summary table: headline metrics, value and bootstrap interval each.
            var summary = Cells(tableLines.First(l => Cells(l)[0] == name && Cells(l)[1] == row.GetProperty("kind").GetString()));
            var top = row.GetProperty("n_way").EnumerateArray().Single(s => s.GetProperty("n").GetInt32() == 4);
            checkedCells += Compare(summary[3], top.GetProperty("mean_over_samples"));
            checkedCells += Compare(summary[4], top.GetProperty("max_over_samples"));
            checkedCells += CompareSummary(summary[5], row.GetProperty("two_way_pixels"));
            checkedCells += CompareSummary(summary[6], row.GetProperty("two_way_features"));
            checkedCells += CompareSummary(summary[7], row.GetProperty("pix_corr"));
            checkedCells += CompareSummary(summary[8], row.GetProperty("ssim"));
            // n-way table: one line per (method, n).
            foreach (var s in row.GetProperty("n_way").EnumerateArray())
            {
                string n = s.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture);
                var line = Cells(tableLines.Single(l => Cells(l).Length == 8 && Cells(l)[0] == name && Cells(l)[1] == n));
                Assert.Equal(s.GetProperty("chance").GetDouble(), Parse(line[2]), 4);
                checkedCells += Compare(line[3], s.GetProperty("mean_over_samples"));
                checkedCells += Compare(line[4], s.GetProperty("max_over_samples"));
                Assert.Equal(s.GetProperty("binomial_p_value").GetDouble(), double.Parse(line[5], CultureInfo.InvariantCulture), s.GetProperty("binomial_p_value").GetDouble() * 1e-2 + 1e-300);
            }
            // Identification table: one line per (method, space), 6 cells.
            foreach (var (space, key) in new[] { ("pixels", "two_way_pixels"), ("classifier features", "two_way_features") })
            {
                var line = Cells(tableLines.Single(l => Cells(l).Length == 6 && Cells(l)[0] == name && Cells(l)[1] == space));
                var summaryJson = row.GetProperty(key);
                if (summaryJson.ValueKind == JsonValueKind.Null)
                {
                    Assert.All(line.Skip(2), cell => Assert.Equal(ReportTables.NotApplicable, cell));
                    checkedCells++;
                    continue;
                }
                checkedCells += Compare(line[2], summaryJson.GetProperty("mean"));
                Assert.Equal(summaryJson.GetProperty("binomial_p_value").GetDouble(), Parse(line[3]), summaryJson.GetProperty("binomial_p_value").GetDouble() * 1e-2 + 1e-300);
            }
        }
        return checkedCells;
    }

    [Fact]
    public void TheHtmlIsSelfContained()
    {
        string html = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.HtmlFile));
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        var links = LinkAttribute().Matches(html).Select(m => m.Groups[2].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.StartsWith("data:image/png;base64,", link));
        // grid, accuracy-vs-n, per-category and the classifier's loss curve.
        Assert.True(links.Count >= 4, $"{links.Count} embedded images");
    }

    [Fact]
    public void MetricsJsonRecordsConfigSeedsHashesAndVersion()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output.Value, EvaluationReport.MetricsFile)));
        var root = json.RootElement;
        Assert.Equal(2022, root.GetProperty("settings").GetProperty("seed").GetInt64());
        Assert.Equal(100, root.GetProperty("settings").GetProperty("trials_per_item").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("tool_version").GetString()));
        Assert.True(root.GetProperty("input_sha256").EnumerateObject().Count() >= 3);
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

    /// <summary>"v [lo, hi]" against {value, lower, upper}, to the 4 decimals the report prints.</summary>
    private static int Compare(string cell, JsonElement interval)
    {
        var m = IntervalCell().Match(cell);
        Assert.True(m.Success, $"'{cell}' is not 'value [lower, upper]'");
        Assert.Equal(Math.Round(interval.GetProperty("value").GetDouble(), 4), Parse(m.Groups[1].Value), 10);
        Assert.Equal(Math.Round(interval.GetProperty("lower").GetDouble(), 4), Parse(m.Groups[2].Value), 10);
        Assert.Equal(Math.Round(interval.GetProperty("upper").GetDouble(), 4), Parse(m.Groups[3].Value), 10);
        return 1;
    }

    [GeneratedRegex(@"^(-?\d+\.\d{4}) \[(-?\d+\.\d{4}), (-?\d+\.\d{4})\]$")]
    private static partial Regex IntervalCell();

    [GeneratedRegex("(src|href)\\s*=\\s*\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex LinkAttribute();
}
