namespace Decoding.Demo;

/// <summary>
/// One stage of the demo study: the `decoding` command line it runs (exactly what a user would type) and the
/// files that prove it finished. A stage is skipped when all its outputs exist and its `stage.done` marker
/// records the same command line (so changed arguments redo it), and no earlier stage was redone in this run
/// (a redone stage changes the inputs of everything after it).
/// </summary>
/// <param name="SideBySide">The stage writes only its own outputs and reads only files that earlier stages wrote, all of
/// them named in its arguments (see <see cref="Needs"/>), so it may run at the same time as its neighbours once the
/// stages it needs have finished (the model stages: training and decoding).</param>
public sealed record DemoStage(string Name, string Description, IReadOnlyList<string> Arguments, IReadOnlyList<string> Outputs, bool SideBySide = false)
{
    public string CommandLine => "decoding " + string.Join(" ", Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    /// <summary>
    /// The stages among <paramref name="earlier"/> whose outputs this stage reads: one of its arguments names an output
    /// file of theirs or the folder that holds it (a model folder such as `models/ldm`). Derived from the command lines,
    /// so the order the demo may run stages in cannot drift from what they read.
    /// </summary>
    public IReadOnlyList<string> Needs(IEnumerable<DemoStage> earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var named = Arguments.Select(Path.GetFullPath).ToHashSet();
        return [.. earlier.Where(e => e.Outputs.Any(o => named.Contains(Path.GetFullPath(o))
                                                        || (Path.GetDirectoryName(Path.GetFullPath(o)) is { } folder && named.Contains(folder))))
                          .Select(e => e.Name)];
    }

    public string MarkerPath(string runFolder) => Path.Combine(runFolder, "stages", $"{Name}.done");

    public bool IsComplete(string runFolder)
        => File.Exists(MarkerPath(runFolder))
           && File.ReadAllText(MarkerPath(runFolder)).Trim() == CommandLine
           && Outputs.All(o => File.Exists(o) || Directory.Exists(o));
}
