using System.CommandLine;
using System.Globalization;
using Decoding.Cluster;
using Decoding.Decode;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding sweep-table --points DIR... --out DIR</c>: the points of a sweep (each a <c>decode --select --select-only</c>
/// folder) in one comparison table and plot, with the best setting of each route as a selection.json (<see cref="SweepTable"/>).
/// </summary>
public static class SweepTableCommand
{
    public static Command Create()
    {
        var points = CommonOptions.Files("--points", "The sweep's point folders (each holding the selection.json of decode --select --select-only)", required: true);
        var output = new Option<string?>("--out") { Description = "Output folder: sweep.csv, sweep.md, sweep.png, best-<route>.json", Required = true };
        var command = new Command("sweep-table", "Join the points of a sweep of decoding settings, scored on the validation split, into one table and plot; pick each route's best") { points, output };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var started = DateTimeOffset.UtcNow;
            var folders = parse.GetValue(points) ?? [];
            var twice = folders.GroupBy(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            Check.That(twice is null, "points", twice?.First(), "is named twice; each point counts once");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", "sweep-table", [.. folders.Select(f => ((string?)f, "points"))]);
            var (rows, best) = SweepTable.Read(folders);
            SweepTable.Write(outDir, rows, best);
            new RunManifest
            {
                Command = "sweep-table",
                Arguments = CommandLineApp.Arguments,
                Config = new { Points = folders.Select(Path.GetFullPath).ToList(), Candidates = rows.Count, Best = best.ToDictionary(b => b.Key, b => new { b.Value.SemanticTarget, b.Value.Strength, b.Value.Guidance, b.Value.Blend }) },
                InputSha256 = RunManifest.HashInputs([.. folders.Select(f => Path.Combine(f, SelectionFile.FileName))]),
                Outputs = [SweepTable.CsvFile, SweepTable.MarkdownFile, SweepTable.PlotFile, .. best.Keys.Select(SweepTable.BestFile)],
                StartedUtc = started,
                WallSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            foreach (var (route, file) in best.OrderBy(b => b.Key))
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sweep-table: best {route} on the validation split: target {file.SemanticTarget}, guidance {file.Guidance:G3}, strength {file.Strength:G3}, blend {file.Blend:G3}"));
            Console.Out.WriteLine($"sweep-table: {rows.Count} candidates of {folders.Length} points -> {outDir}");
            return 0;
        }));
        return command;
    }
}
