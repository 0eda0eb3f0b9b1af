using Fmri.Core.Checkpoints;

namespace Decoding.Demo;

/// <summary>
/// One stage of the demo study: the `decoding` command line it runs (exactly what a user would type) and the
/// files that prove it finished. A stage is skipped when all its outputs exist, its `stages/NAME.done` marker
/// records the same command line (so changed arguments redo it) and the same <see cref="InputsFingerprint"/>, and no
/// stage it reads from (<see cref="Needs"/>) is redone in this run (that changes its inputs).
/// </summary>
/// <param name="SideBySide">The stage writes only its own outputs, and every file of the run it reads is named in its
/// arguments (see <see cref="Needs"/>; other inputs, such as Fashion-MNIST, no stage writes), so it may run at the same
/// time as its neighbours once the stages it needs have finished (the model stages: training and decoding).</param>
/// <param name="Checkpoint">The checkpoint a training stage's command saves in its output folder, continued with
/// `--resume`; null for other stages.</param>
/// <param name="InputsFingerprint">What the stage reads from outside the run that no stage makes and that may change
/// under the same command line (the image models of another folder: <see cref="PretrainedImageModels.Fingerprint"/>),
/// kept in its markers beside the command line, so that the stage runs again when it changes; null: nothing such.</param>
public sealed record DemoStage(string Name, string Description, IReadOnlyList<string> Arguments, IReadOnlyList<string> Outputs, bool SideBySide = false,
    ModelCheckpoint? Checkpoint = null, string? InputsFingerprint = null)
{
    public string CommandLine => Quote(Arguments);

    /// <summary>What the stage's markers hold: its command line, and on a second line <see cref="InputsFingerprint"/> when there is one.</summary>
    public string MarkerText => InputsFingerprint is null ? CommandLine : CommandLine + "\n" + InputsFingerprint;

    /// <summary>`decoding` and <paramref name="arguments"/> as one line, arguments with spaces in quotes.</summary>
    public static string Quote(IEnumerable<string> arguments) => "decoding " + string.Join(" ", arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

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

    /// <summary>Written when the stage starts: the command line it started with, so an interrupted attempt can be told apart from a different one.</summary>
    public string StartedPath(string runFolder) => Path.Combine(runFolder, "stages", $"{Name}.started");

    /// <summary>
    /// A training stage that started with this command line and was interrupted (killed) before it finished: its
    /// checkpoint can be continued with `--resume`, which ends with the uninterrupted run's weights.
    /// </summary>
    public bool WasInterrupted(string runFolder)
    {
        if (Checkpoint is not { } checkpoint || !Directory.Exists(checkpoint.Folder)) return false;
        checkpoint.RecoverInterruptedSave();
        return checkpoint.Exists && !IsComplete(runFolder)
               && File.Exists(StartedPath(runFolder)) && File.ReadAllText(StartedPath(runFolder)).Trim() == MarkerText;
    }

    /// <summary>
    /// Removes the output folder of a training stage that is to start from scratch (after a different or finished run,
    /// or `--force`): its command refuses to start over an existing checkpoint.
    /// </summary>
    public void ClearCheckpoint()
    {
        if (Checkpoint is { } checkpoint && Directory.Exists(checkpoint.Folder)) Directory.Delete(checkpoint.Folder, recursive: true);
    }

    public bool IsComplete(string runFolder)
        => File.Exists(MarkerPath(runFolder))
           && File.ReadAllText(MarkerPath(runFolder)).Trim() == MarkerText
           && Outputs.All(o => File.Exists(o) || Directory.Exists(o));
}
