namespace Decoding.Demo;

/// <summary>
/// One stage of the demo study: the `decoding` command line it runs (exactly what a user would type) and the
/// files that prove it finished. A stage is skipped when all its outputs exist and its `stage.done` marker
/// records the same command line (so changed arguments redo it), and no earlier stage was redone in this run
/// (a redone stage changes the inputs of everything after it).
/// </summary>
/// <param name="SideBySide">The stage reads only what the stages before the first side-by-side stage of its run of
/// neighbours wrote, and writes only its own outputs, so it may run at the same time as those neighbours (the decode
/// stages: each reads the trained models and the data, and writes its own folder).</param>
public sealed record DemoStage(string Name, string Description, IReadOnlyList<string> Arguments, IReadOnlyList<string> Outputs, bool SideBySide = false)
{
    public string CommandLine => "decoding " + string.Join(" ", Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    public string MarkerPath(string runFolder) => Path.Combine(runFolder, "stages", $"{Name}.done");

    public bool IsComplete(string runFolder)
        => File.Exists(MarkerPath(runFolder))
           && File.ReadAllText(MarkerPath(runFolder)).Trim() == CommandLine
           && Outputs.All(o => File.Exists(o) || Directory.Exists(o));
}
