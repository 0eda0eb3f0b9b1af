namespace Decoding.Demo;

/// <summary>
/// How each stage the demo runs starts, decided for the whole run before anything starts. A training stage
/// interrupted earlier (its `.started` marker holds its command line, it has a checkpoint, it never finished)
/// continues its checkpoint with `--resume`, which ends with the uninterrupted run's weights, unless `--force` was
/// given or a stage it reads from starts from scratch in this run (then its inputs changed). Every other stage that
/// runs starts from scratch, a training stage in a cleared folder.
/// <para>The decision is written to disk at once, so that a run killed before a stage starts cannot leave a later
/// run a wrong one: every stage that runs loses its `.done` marker, and every stage that starts from scratch its
/// `.started` marker.</para>
/// Used from one thread.
/// </summary>
public sealed class StageStarts
{
    private readonly string runFolder;
    private readonly HashSet<string> resuming = [];

    /// <param name="needs">For each stage, the stages whose outputs it reads (<see cref="DemoStage.Needs"/>).</param>
    /// <param name="runs">The stages this run (re)does.</param>
    public StageStarts(string runFolder, IReadOnlyList<DemoStage> stages, IReadOnlyList<IReadOnlyList<string>> needs, IReadOnlySet<string> runs, bool force)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(needs);
        ArgumentNullException.ThrowIfNull(runs);
        this.runFolder = runFolder;
        var fromScratch = new HashSet<string>();
        for (int k = 0; k < stages.Count; k++)
        {
            var stage = stages[k];
            if (!runs.Contains(stage.Name)) continue;
            if (!force && !needs[k].Any(fromScratch.Contains) && stage.WasInterrupted(runFolder))
                resuming.Add(stage.Name);
            else
            {
                fromScratch.Add(stage.Name);
                File.Delete(stage.StartedPath(runFolder));
            }
            File.Delete(stage.MarkerPath(runFolder));
        }
    }

    /// <summary>Whether <paramref name="stage"/> continues its checkpoint in this run.</summary>
    public bool Resumes(DemoStage stage) => resuming.Contains(stage.Name);

    /// <summary>The arguments to start <paramref name="stage"/> with; <paramref name="note"/> says when it resumes.</summary>
    public IReadOnlyList<string> Arguments(DemoStage stage, out string? note)
    {
        ArgumentNullException.ThrowIfNull(stage);
        bool resume = Resumes(stage);
        note = resume ? $"continues the checkpoint its interrupted run left in {stage.Checkpoint!.Folder} (--resume)" : null;
        if (!resume) stage.ClearCheckpoint();
        Fmri.Core.IO.AtomicFile.WriteAllText(stage.StartedPath(runFolder), stage.MarkerText + "\n");
        return resume ? [.. stage.Arguments, "--resume"] : stage.Arguments;
    }

    /// <summary>After <paramref name="stage"/> failed: the next run starts it from scratch rather than continue what a
    /// failing run (perhaps a since-fixed defect) left.</summary>
    public void Failed(DemoStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        File.Delete(stage.StartedPath(runFolder));
    }
}
