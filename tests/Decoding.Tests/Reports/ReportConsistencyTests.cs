using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Decoding.Reports;
using Decoding.Tests.Cli;

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
        var curve = new Decoding.Training.LossCurve();
        for (int step = 1; step <= 5; step++) curve.Add(step, 1, 1.0 / step);
        curve.Save(Path.Combine(stage, "loss.csv"));
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", Path.GetDirectoryName(data.PerfectFile)!, "--stimuli", data.StimuliFile,
            "--classifier", data.ClassifierFolder, "--out", output, "--control", data.ShuffledFile, "--trials", "100", "--ways", "2..4",
            "--loss-curves", stage, "--threads", "1");
        Assert.True(exit == 0, err);
        return output;
    });

    [Fact]
    public void EveryNumberOfTheMarkdownTablesIsTheMetricsJsonNumber()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output.Value, EvaluationReport.MetricsFile)));
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        string md = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.MarkdownFile));
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
            checkedCells += Compare(summary[5], row.GetProperty("two_way_pixels").GetProperty("mean"));
            checkedCells += Compare(summary[6], row.GetProperty("two_way_features").GetProperty("mean"));
            checkedCells += Compare(summary[7], row.GetProperty("pix_corr").GetProperty("mean"));
            checkedCells += Compare(summary[8], row.GetProperty("ssim").GetProperty("mean"));
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
        }
        Assert.True(checkedCells >= 2 * 6 + 2 * 3 * 2, $"only {checkedCells} cells compared");
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
