using System.Globalization;
using System.Text;
using System.Text.Json;
using Decoding.Decode;
using Fmri.Core.IO;
using Fmri.Core.Plots;
using Fmri.Core.Runs;

namespace Decoding.Cluster;

/// <summary>One scored setting of a sweep: the route, its settings and its validation scores (<see cref="ValidationScore"/>).</summary>
public sealed record SweepRow(string Point, string Route, string Target, double Strength, double Guidance, double Blend,
    double PixCorr, double Ssim, double PixelIdentification, double CategoryConsistency, double Objective);

/// <summary>
/// The points of a sweep (each the <c>selection.json</c> of <c>decode --select --select-only</c> on a one-point grid) in one
/// table: every candidate with its validation scores, the best per route written as a selection.json that
/// <c>decode --selection</c> takes, <c>sweep.csv</c>, <c>sweep.md</c> and <c>sweep.png</c> (the best validation objective
/// of each point). All scores are on the validation split of the training trials; no test stimulus is involved.
/// </summary>
public static class SweepTable
{
    public const string CsvFile = "sweep.csv", MarkdownFile = "sweep.md", PlotFile = "sweep.png";

    /// <summary>The file with the best setting of <paramref name="route"/>.</summary>
    public static string BestFile(string route) => $"best-{route}.json";

    /// <summary>Reads the points' selection files; they must share seed, sampler, image size and inputs per route.</summary>
    public static (IReadOnlyList<SweepRow> Rows, IReadOnlyDictionary<string, SelectionFile> Best) Read(IReadOnlyList<string> pointFolders)
    {
        ArgumentNullException.ThrowIfNull(pointFolders);
        Check.That(pointFolders.Count > 0, "points", null, "is required: the folders of the sweep's points");
        var rows = new List<SweepRow>();
        var files = new List<(string Folder, SelectionFile File)>();
        foreach (var folder in pointFolders)
        {
            string path = Path.Combine(folder, SelectionFile.FileName);
            Check.That(File.Exists(path), "points", folder, $"has no {SelectionFile.FileName} (decode --select --select-only writes one; has this point run?)");
            var file = SelectionFile.Read(path, "points");
            files.Add((folder, file));
            string point = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
            try
            {
                foreach (var candidate in file.Result.GetProperty("candidates").EnumerateArray())
                {
                    var score = candidate.GetProperty("score");
                    rows.Add(new SweepRow(point, file.Route, TargetName(candidate.GetProperty("target")), candidate.GetProperty("strength").GetDouble(),
                        candidate.GetProperty("guidance").GetDouble(), candidate.GetProperty("blend").GetDouble(), score.GetProperty("pix_corr").GetDouble(),
                        score.GetProperty("ssim").GetDouble(), score.GetProperty("pixel_identification").GetDouble(),
                        score.GetProperty("category_consistency").GetDouble(), score.GetProperty("objective").GetDouble()));
                }
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidSettingException("points", path, $"holds no readable candidate scores: {e.Message}");
            }
        }
        var best = new Dictionary<string, SelectionFile>();
        foreach (var route in files.GroupBy(f => f.File.Route))
        {
            var first = route.First();
            foreach (var (folder, file) in route)
                Check.That(file.Seed == first.File.Seed && file.Sampler == first.File.Sampler && file.ImageSize == first.File.ImageSize
                           && file.Inputs.Count == first.File.Inputs.Count && file.Inputs.All(i => first.File.Inputs.GetValueOrDefault(i.Key) == i.Value),
                    "points", folder, $"was scored with another seed, sampler, image size or inputs than {first.Folder}: one sweep compares settings on one validation split");
            var top = rows.Where(r => r.Route == route.Key).OrderByDescending(r => r.Objective).First();
            best[route.Key] = first.File with
            {
                SemanticTarget = top.Target,
                Strength = top.Strength,
                Guidance = top.Guidance,
                Blend = top.Blend,
                Result = JsonSerializer.SerializeToElement(new
                {
                    Rule = "the sweep's candidate with the highest validation objective (mean of PixCorr, SSIM, pixel 2-way identification and category consistency)",
                    Chosen = top,
                    Points = route.Select(r => Path.GetFullPath(r.Folder)).ToList(),
                }, RunManifest.JsonOptions),
            };
        }
        return (rows, best);
    }

    /// <summary>A candidate's semantic target as its name (run.json records the enum by number).</summary>
    private static string TargetName(JsonElement target) => (target.ValueKind == JsonValueKind.Number
        ? ((Decode.Routes.SemanticTarget)target.GetInt32()).ToString()
        : target.GetString() ?? "").ToLowerInvariant();

    /// <summary>Writes sweep.csv, sweep.md, sweep.png and best-ROUTE.json into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<SweepRow> rows, IReadOnlyDictionary<string, SelectionFile> best)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(best);
        Directory.CreateDirectory(folder);
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var csv = new StringBuilder("point,route,target,strength,guidance,blend,pixcorr,ssim,pixel_2way,category_consistency,objective\n");
        foreach (var r in rows)
            csv.AppendLine(string.Join(",", r.Point, r.Route, r.Target, F(r.Strength), F(r.Guidance), F(r.Blend), F(r.PixCorr), F(r.Ssim), F(r.PixelIdentification), F(r.CategoryConsistency), F(r.Objective)));
        AtomicFile.WriteAllText(Path.Combine(folder, CsvFile), csv.ToString());

        var md = new StringBuilder("# Sweep on the validation split\n\nEvery candidate, best first. Scores on the validation split of the training trials (no test stimulus); "
            + "the objective is the mean of PixCorr, SSIM, pixel 2-way identification and category consistency.\n\n"
            + "| route | target | strength | guidance | blend | PixCorr | SSIM | 2-way pixels | category consistency | objective |\n|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows.OrderByDescending(r => r.Objective))
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Route} | {r.Target} | {(r.Route == "img2img" ? F(r.Strength) : "")} | {F(r.Guidance)} | {(r.Route == "img2img" ? F(r.Blend) : "")} | {r.PixCorr:F3} | {r.Ssim:F3} | {r.PixelIdentification:F3} | {r.CategoryConsistency:F3} | **{r.Objective:F3}** |"));
        md.AppendLine();
        foreach (var (route, file) in best.OrderBy(b => b.Key))
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Best {route}: target {file.SemanticTarget}, guidance {F(file.Guidance)}{(route == "img2img" ? $", strength {F(file.Strength)}, blend {F(file.Blend)}" : "")} ({BestFile(route)}; decode --selection takes it)."));
        AtomicFile.WriteAllText(Path.Combine(folder, MarkdownFile), md.ToString());

        var points = rows.GroupBy(r => r.Point).Select(g => (Point: g.Key, Best: g.Max(r => r.Objective))).ToList();
        BarPlot.Save(Path.Combine(folder, PlotFile), points.Select(p => p.Point).ToList(), points.Select(p => p.Best).ToList(),
            new PlotLabels("Sweep: best validation objective per point", "point (route, strength, guidance)", "validation objective"));
        foreach (var (route, file) in best) file.Write(Path.Combine(folder, BestFile(route)));
    }
}
