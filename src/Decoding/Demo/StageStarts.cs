namespace Decoding.Demo;

/// <summary>
/// How each stage the demo runs starts. A training stage interrupted earlier with the same command line (the demo
/// killed) continues its checkpoint with `--resume`, which ends with the uninterrupted run's weights, unless a stage
/// whose outputs it reads starts from scratch in this run (then its inputs changed) or `--force` was given. Every
/// other training stage starts from scratch in a cleared folder. Each start is recorded in the stage's `.started`
/// marker. Used from one thread.
/// </summary>
public sealed class StageStarts(string runFolder, bool force)
{
    private readonly HashSet<string> fromScratch = [];

    /// <summary>The arguments to start <paramref name="stage"/> with; <paramref name="note"/> says when it resumes.</summary>
    /// <param name="needs">The stages whose outputs it reads (<see cref="DemoStage.Needs"/>).</param>
    public IReadOnlyList<string> Arguments(DemoStage stage, IReadOnlyList<string> needs, out string? note)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(needs);
        bool resume = !force && !needs.Any(fromScratch.Contains) && stage.WasInterrupted(runFolder);
        note = null;
        if (resume)
            note = $"continues the checkpoint its interrupted run left in {stage.Checkpoint!.Folder} (--resume)";
        else
        {
            stage.ClearCheckpoint();
            fromScratch.Add(stage.Name);
        }
        Fmri.Core.IO.AtomicFile.WriteAllText(stage.StartedPath(runFolder), stage.CommandLine + "\n");
        return resume ? [.. stage.Arguments, "--resume"] : stage.Arguments;
    }
}
