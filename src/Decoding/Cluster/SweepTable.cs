using System.Globalization;
using System.Text;
using System.Text.Json;
using Decoding.Decode;
using Fmri.Core.IO;
using Fmri.Core.Plots;
using Fmri.Core.Runs;

namespace Decoding.Cluster;

/// <summary>One scored setting of a sweep: the route, its settings, its validation scores (<see cref="ValidationScore"/>)
/// and whether it kept its point's fidelity floor (<see cref="FidelityFloor"/>).</summary>
/// <param name="Start">img2img's start (noised, inverted; points scored before the start was a choice: noised).</param>
/// <param name="BestOf">img2img's candidates per item (points scored before it was a choice: 1).</param>
public sealed record SweepRow(string Point, string Route, string Target, double Strength, double Guidance, double Blend,
    double PixCorr, double Ssim, double PixelIdentification, double CategoryAgreement, bool KeepsFidelity, string Start = "noised", int BestOf = 1)
{
    public ValidationScore Score => new(PixCorr, Ssim, PixelIdentification, CategoryAgreement);
}

/// <summary>
/// The points of a sweep (each the <c>selection.json</c> of <c>decode --select --select-only</c> on a one-point grid) in one
/// table: every candidate with its validation scores, the best per route by <c>decode --select</c>'s own rule
/// (<see cref="RouteSelection.Best{T}"/>: the fidelity floor, then the category agreement) written as a selection.json that
/// <c>decode --selection</c> takes, <c>sweep.csv</c>, <c>sweep.md</c> and <c>sweep.png</c> (the best category agreement
/// among each point's candidates that keep the floor). All scores are on the validation split of the training trials; no
/// test stimulus is involved.
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
                        score.GetProperty("category_agreement").GetDouble(), candidate.GetProperty("keeps_fidelity").GetBoolean(),
                        candidate.TryGetProperty("start", out var start) ? StartName(start) : "noised",
                        candidate.TryGetProperty("best_of", out var bestOf) ? bestOf.GetInt32() : 1));
                }
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidSettingException("points", path, "holds no readable candidate scores: " + (e is InvalidOperationException
                    ? "a field has another JSON type than decode --select writes (candidates: an array of objects with target, strength, guidance, blend and score)"
                    : e.Message));
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
            var top = RouteSelection.Best(rows.Where(r => r.Route == route.Key).ToList(), r => (r.KeepsFidelity, r.Score));
            // The validation split, where the points record it (files written before it was recorded hold none): the
            // same held-out stimuli, scored the same by the category judge, or another split.
            var splits = route.Select(r => (r.Folder, Split: ValidationRecord.SplitOfSelection(r.File.Result))).Where(s => s.Split is not null).ToList();
            var split = splits.Count > 0 ? splits[0].Split : null;
            // The stimuli's own agreement as the first point recording it has it; every other point recording it must agree.
            var agreeing = splits.FirstOrDefault(s => s.Split!.Value.StimuliAgreement is not null);
            double? stimuliAgreement = agreeing.Split?.StimuliAgreement;
            foreach (var (folder, other) in splits)
            {
                Check.That(other!.Value.StimulusIds.SequenceEqual(split!.Value.StimulusIds), "points", folder,
                    $"was scored on other validation stimuli than {splits[0].Folder}: one sweep compares settings on one validation split");
                Check.That(other.Value.StimuliAgreement is null || other.Value.StimuliAgreement == stimuliAgreement,
                    "points", folder, $"was scored on another validation split than {agreeing.Folder} (its validation stimuli score another category agreement): "
                    + "one sweep compares settings on one validation split");
            }
            best[route.Key] = first.File with
            {
                SemanticTarget = top.Target,
                Strength = top.Strength,
                Guidance = top.Guidance,
                Blend = top.Blend,
                Start = top.Start,
                BestOf = top.BestOf,
                Result = JsonSerializer.SerializeToElement(new
                {
                    Rule = "decode --select's rule over every point's candidates: those keeping their point's fidelity floor, then the highest "
                        + "category agreement, ties to the higher PixCorr + SSIM (none keeping it: the highest PixCorr + SSIM)",
                    Chosen = top,
                    Points = route.Select(r => Path.GetFullPath(r.Folder)).ToList(),
                    StimuliAgreement = stimuliAgreement,
                    // What decode --selection records for evaluate's choice between routes (ValidationRecord.FromSelection).
                    ChosenScore = split is null ? null : top.Score,
                    ValidationStimulusIds = split?.StimulusIds,
                    ValidationWholeCategories = split?.WholeCategories ?? false,
                }, RunManifest.JsonOptions),
            };
        }
        return (rows, best);
    }

    /// <summary>A candidate's semantic target as its name (run.json records the enum by number).</summary>
    private static string TargetName(JsonElement target) => (target.ValueKind == JsonValueKind.Number
        ? ((Decode.Routes.SemanticTarget)target.GetInt32()).ToString()
        : target.GetString() ?? "").ToLowerInvariant();

    /// <summary>A candidate's img2img start as its name (run.json records the enum by number).</summary>
    private static string StartName(JsonElement start) => (start.ValueKind == JsonValueKind.Number
        ? ((Decode.Routes.Img2ImgStart)start.GetInt32()).ToString()
        : start.GetString() ?? "").ToLowerInvariant();

    /// <summary>Writes sweep.csv, sweep.md, sweep.png and best-ROUTE.json into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<SweepRow> rows, IReadOnlyDictionary<string, SelectionFile> best)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(best);
        Directory.CreateDirectory(folder);
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var csv = new StringBuilder("point,route,target,strength,guidance,blend,start,best_of,pixcorr,ssim,pixel_2way,category_agreement,keeps_fidelity\n");
        foreach (var r in rows)
            csv.AppendLine(string.Join(",", r.Point, r.Route, r.Target, F(r.Strength), F(r.Guidance), F(r.Blend), r.Start, r.BestOf.ToString(CultureInfo.InvariantCulture), F(r.PixCorr), F(r.Ssim), F(r.PixelIdentification), F(r.CategoryAgreement),
                r.KeepsFidelity ? "true" : "false"));
        AtomicFile.WriteAllText(Path.Combine(folder, CsvFile), csv.ToString());

        var md = new StringBuilder("# Sweep on the validation split\n\nEvery candidate in decode --select's order: those keeping their point's fidelity floor first, by "
            + "category agreement (ties to the higher PixCorr + SSIM), then the rest by PixCorr + SSIM. "
            + "Scores on the validation split of the training trials (no test stimulus); category agreement is the share of each decoded image's 10 nearest "
            + "training images (pixel correlation) in its stimulus's category.\n\n"
            + "| route | target | strength | guidance | blend | start | best of | PixCorr | SSIM | 2-way pixels | category agreement | keeps the floor |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in RouteSelection.Rank(rows, r => (r.KeepsFidelity, r.Score)))
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Route} | {r.Target} | {(r.Route == "img2img" ? F(r.Strength) : "")} | {F(r.Guidance)} | {(r.Route == "img2img" ? F(r.Blend) : "")} | {(r.Route == "img2img" ? r.Start : "")} | {(r.Route == "img2img" ? r.BestOf.ToString(CultureInfo.InvariantCulture) : "")} | {r.PixCorr:F3} | {r.Ssim:F3} | {r.PixelIdentification:F3} | {r.CategoryAgreement:F3} | {(r.KeepsFidelity ? "yes" : "no")} |"));
        md.AppendLine();
        foreach (var (route, file) in best.OrderBy(b => b.Key))
        {
            string stimuli = ValidationRecord.SplitOfSelection(file.Result)?.StimuliAgreement is double own
                ? string.Create(CultureInfo.InvariantCulture, $" The validation stimuli themselves, a perfect reconstruction, score category agreement {own:F3}; "
                    + $"{rows.Count(r => r.Route == route && r.KeepsFidelity && r.CategoryAgreement > own)} of its candidates keeping the floor score above it.")
                : "";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Best {route}: target {file.SemanticTarget}, guidance {F(file.Guidance)}{(route == "img2img" ? $", strength {F(file.Strength)}, blend {F(file.Blend)}, start {file.Start}, best of {file.BestOf}" : "")} ({BestFile(route)}; decode --selection takes it).")
                + stimuli);
        }
        AtomicFile.WriteAllText(Path.Combine(folder, MarkdownFile), md.ToString());

        var points = rows.GroupBy(r => r.Point).Select(g => (Point: g.Key, Best: g.Where(r => r.KeepsFidelity).Select(r => r.CategoryAgreement).DefaultIfEmpty(0).Max())).ToList();
        BarPlot.Save(Path.Combine(folder, PlotFile), points.Select(p => p.Point).ToList(), points.Select(p => p.Best).ToList(),
            new PlotLabels("Sweep: best validation category agreement per point (candidates keeping the floor; 0: none)", "point (route, strength, guidance)", "category agreement"));
        foreach (var (route, file) in best) file.Write(Path.Combine(folder, BestFile(route)));
    }
}
