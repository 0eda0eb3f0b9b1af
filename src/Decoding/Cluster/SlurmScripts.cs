using System.Globalization;
using System.Text;
using Fmri.Core.IO;

namespace Decoding.Cluster;

/// <summary>
/// Writes a study's steps as Slurm batch scripts, one job array per step (<c>NN-step.sbatch</c>), and <c>submit.sh</c>, which
/// submits what is not done yet in dependency order (<c>sbatch --array=&lt;missing tasks&gt; --dependency=afterok:&lt;jobs&gt;</c>).
/// <para>
/// Every task writes <c>done/STEP.TASK</c> (its commands' fingerprint) when all its commands succeed; a failing task writes
/// <c>failed/STEP.TASK</c> naming itself, its exit code and its log, and prints the same line; so does a running task that
/// Slurm stops with SIGTERM (scancel, or its time limit). <c>submit.sh</c> run again
/// names the failed tasks with their logs and submits only the tasks without a current marker or outputs, and every task of
/// the steps after a resubmitted step (their inputs change). Dependent jobs are cancelled when a job they wait for fails
/// (<c>--kill-on-invalid-dep=yes</c>) instead of waiting forever. It refuses to submit while a job of the study is queued or
/// running, so a task is never submitted twice.
/// </para>
/// </summary>
public static class SlurmScripts
{
    public const string SubmitScript = "submit.sh";

    /// <summary>The script file of step <paramref name="index"/> (0-based).</summary>
    public static string ScriptName(int index, ClusterStep step) => $"{index + 1:D2}-{step.Name}.sbatch";

    /// <summary>
    /// Writes the scripts into <paramref name="slurmFolder"/> and returns their paths (submit.sh last).
    /// </summary>
    /// <param name="jobPrefix">Prefix of every job name (the study's name), so the study's jobs can be found in the queue.</param>
    /// <param name="program">The <c>decoding</c> program the nodes run (a self-contained publish needs no SDK there).</param>
    public static IReadOnlyList<string> Write(string slurmFolder, string jobPrefix, IReadOnlyList<ClusterStep> steps, SlurmResources resources, string program)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(resources);
        var names = new HashSet<string>();
        foreach (var step in steps)
        {
            if (!names.Add(step.Name)) throw new ArgumentException($"cluster steps: '{step.Name}' appears twice");
            if (step.Tasks.Count == 0) throw new ArgumentException($"cluster step '{step.Name}' has no tasks");
            foreach (var dependency in step.DependsOn)
                if (!names.Contains(dependency)) throw new ArgumentException($"cluster step '{step.Name}' depends on '{dependency}', which does not come before it");
        }
        string folder = Path.GetFullPath(slurmFolder);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        for (int i = 0; i < steps.Count; i++)
        {
            string path = Path.Combine(folder, ScriptName(i, steps[i]));
            WriteExecutable(path, Script(steps[i], i, steps.Count, folder, jobPrefix, resources, program));
            written.Add(path);
        }
        string submit = Path.Combine(folder, SubmitScript);
        WriteExecutable(submit, Submit(steps, jobPrefix));
        written.Add(submit);
        return written;
    }

    /// <summary>The batch script of one step: its resources, then a case over the array task id.</summary>
    public static string Script(ClusterStep step, int index, int stepCount, string slurmFolder, string jobPrefix, SlurmResources resources, string program)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(resources);
        var s = new StringBuilder();
        s.AppendLine("#!/usr/bin/env bash");
        s.AppendLine(CultureInfo.InvariantCulture, $"# Step {index + 1}/{stepCount}, {step.Name}: {step.Description}");
        s.AppendLine(CultureInfo.InvariantCulture, $"# A job array of {step.Tasks.Count} task{(step.Tasks.Count == 1 ? "" : "s")}; submit.sh submits it with --array=<the tasks not done> after {(step.DependsOn.Count == 0 ? "nothing" : string.Join(", ", step.DependsOn))}.");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --job-name={jobPrefix}-{step.Name}");
        // sbatch splits a directive at whitespace, so a log path with a space cannot be written here; submit.sh passes
        // --output on sbatch's command line (which overrides this line) in every case.
        string logPath = $"{slurmFolder}/logs/{step.Name}-%A_%a.log";
        if (!logPath.Any(char.IsWhiteSpace)) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --output={logPath}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{step.Tasks.Count - 1}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={(step.UsesModels ? resources.CpusPerTask : 1)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --mem={resources.Memory}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --time={resources.Time}");
        if (resources.Partition is { } partition) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --partition={partition}");
        if (resources.Account is { } account) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --account={account}");
        if (step.UsesModels && resources.Gpus > 0) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --gres=gpu:{resources.Gpus}");
        s.AppendLine("set -uo pipefail");
        s.AppendLine(CultureInfo.InvariantCulture, $"DECODING=${{DECODING:-{Quote(program)}}}");
        s.AppendLine(CultureInfo.InvariantCulture, $"SLURM_DIR={Quote(slurmFolder)}");
        s.AppendLine("task=${SLURM_ARRAY_TASK_ID:-0}");
        s.AppendLine(CultureInfo.InvariantCulture, $"marker=\"$SLURM_DIR/done/{step.Name}.$task\" failed=\"$SLURM_DIR/failed/{step.Name}.$task\"");
        s.AppendLine(CultureInfo.InvariantCulture, $"log=\"$SLURM_DIR/logs/{step.Name}-${{SLURM_ARRAY_JOB_ID:-${{SLURM_JOB_ID:-local}}}}_$task.log\"");
        s.AppendLine("mkdir -p \"$SLURM_DIR/done\" \"$SLURM_DIR/failed\"");
        s.AppendLine("rm -f \"$marker\" \"$failed\"");
        // The command as it was run, each argument quoted for bash, so a logged line can be pasted to rerun the task.
        s.AppendLine("run() { echo \"+ ${*@Q}\"; \"$@\"; }");
        // Slurm stops a cancelled job, or one at its time limit, with SIGTERM to every process of the job and SIGKILL
        // KillWait seconds later. Without a handler bash dies of the SIGTERM at once and leaves no marker; with one it
        // waits for the running command to end (which got the signal too), then names the task in failed/.
        s.AppendLine("label=\"\"");
        s.AppendLine(CultureInfo.InvariantCulture,
            $"trap 'echo \"{step.Name} task $task ($label) was stopped by SIGTERM (scancel, or the time limit reached); log: $log\" | tee \"$failed\" >&2; exit 143' TERM");
        s.AppendLine("status=0");
        s.AppendLine("case \"$task\" in");
        for (int t = 0; t < step.Tasks.Count; t++)
        {
            var task = step.Tasks[t];
            s.AppendLine(CultureInfo.InvariantCulture, $"  {t})  # {task.Label}");
            s.AppendLine(CultureInfo.InvariantCulture, $"    label={Quote(task.Label)} fingerprint={task.Fingerprint}");
            // One command per line, chained with &&: the first failure stops the task with its exit code.
            for (int c = 0; c < task.Commands.Count; c++)
            {
                // A training command starts afresh: its folder's checkpoint from an earlier attempt would make it refuse.
                if (c < task.FreshFolders.Count && task.FreshFolders[c] is { } fresh)
                    s.AppendLine(CultureInfo.InvariantCulture, $"    run rm -rf -- {Quote(fresh)} &&");
                string line = "run \"$DECODING\" " + string.Join(" ", task.Commands[c].Select(Quote));
                s.AppendLine(c == task.Commands.Count - 1 ? $"    {line} || status=$? ;;" : $"    {line} &&");
            }
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"  *) echo \"{step.Name}: no task $task (0-{step.Tasks.Count - 1})\" >&2; exit 2 ;;");
        s.AppendLine("esac");
        s.AppendLine("if [ \"$status\" -eq 0 ]; then");
        s.AppendLine("  echo \"$fingerprint\" > \"$marker\"");
        s.AppendLine("else");
        s.AppendLine(CultureInfo.InvariantCulture, $"  echo \"{step.Name} task $task ($label) failed with exit $status; log: $log\" | tee \"$failed\" >&2");
        s.AppendLine("fi");
        s.AppendLine("exit \"$status\"");
        return s.ToString();
    }

    /// <summary>submit.sh: per step, the tasks that are not done, submitted after the jobs submitted for its dependencies.</summary>
    public static string Submit(IReadOnlyList<ClusterStep> steps, string jobPrefix)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var s = new StringBuilder();
        s.AppendLine("#!/usr/bin/env bash");
        s.AppendLine("# Submits the study's tasks that are not done, step by step, each step after the jobs it needs (--dependency=afterok).");
        s.AppendLine("# Run it again after a failure: it names the failed tasks with their logs and submits only the tasks without a done");
        s.AppendLine("# marker (holding the same commands' fingerprint) and outputs, plus every task of the steps after a resubmitted one.");
        s.AppendLine("# A submitted task loses its done marker at once, so a job cancelled before it ran is submitted again next time.");
        s.AppendLine("# --dry-run prints what it would submit.");
        s.AppendLine("set -euo pipefail");
        s.AppendLine("SLURM_DIR=$(cd \"$(dirname \"$0\")\" && pwd)");
        s.AppendLine("dry=0; [ \"${1:-}\" = --dry-run ] && dry=1");
        s.AppendLine("mkdir -p \"$SLURM_DIR/logs\" \"$SLURM_DIR/done\" \"$SLURM_DIR/failed\"");
        // This user's jobs whose names are exactly this study's (another study may share the prefix).
        string names = string.Join("|", steps.Select(step => System.Text.RegularExpressions.Regex.Escape($"{jobPrefix}-{step.Name}")));
        s.AppendLine(CultureInfo.InvariantCulture, $"queued=$(squeue -h -u \"$(id -un)\" -o '%j' 2>/dev/null | grep -E '^({names})$' | sort -u | tr '\\n' ' ' || true)");
        s.AppendLine("if [ -n \"$queued\" ] && [ \"$dry\" = 0 ]; then");
        s.AppendLine("  echo \"submit: jobs of this study are still queued or running ($queued); wait for them or scancel them, then run this again\" >&2");
        s.AppendLine("  exit 1");
        s.AppendLine("fi");
        // Slurm refuses array indices at or above its MaxArraySize (1001 unless the administrators set it): refuse before
        // anything is submitted, naming the step, instead of failing halfway with some steps submitted. Without a
        // reachable controller (scontrol fails) sbatch will say so itself.
        var largest = steps.Count == 0 ? null : steps.MaxBy(step => step.Tasks.Count);
        if (largest is not null && largest.Tasks.Count > 1)
        {
            s.AppendLine("max_array=$(scontrol show config 2>/dev/null | sed -n 's/^MaxArraySize *= *\\([0-9][0-9]*\\).*/\\1/p' || true)");
            s.AppendLine(CultureInfo.InvariantCulture, $"if [ -n \"$max_array\" ] && [ {largest.Tasks.Count - 1} -ge \"$max_array\" ]; then");
            s.AppendLine(CultureInfo.InvariantCulture, $"  echo \"submit: step {largest.Name} has {largest.Tasks.Count} tasks (array indices 0-{largest.Tasks.Count - 1}), but this cluster's MaxArraySize is $max_array (indices up to $((max_array - 1))); nothing submitted. Write the study again with fewer tasks per step (fewer --subjects, --shards or --sweep-* values), or ask the administrators to raise MaxArraySize\" >&2");
            s.AppendLine("  exit 2");
            s.AppendLine("fi");
        }
        s.AppendLine("declare -A job");
        s.AppendLine("# done STEP TASK FINGERPRINT OUTPUT...: the task finished with these commands and its outputs exist.");
        s.AppendLine("done_task() {");
        s.AppendLine("  local step=$1 task=$2 fingerprint=$3; shift 3");
        s.AppendLine("  if [ -s \"$SLURM_DIR/failed/$step.$task\" ]; then echo \"  failed earlier: $(cat \"$SLURM_DIR/failed/$step.$task\")\"; return 1; fi");
        s.AppendLine("  [ \"$(cat \"$SLURM_DIR/done/$step.$task\" 2>/dev/null)\" = \"$fingerprint\" ] || return 1");
        s.AppendLine("  local output; for output in \"$@\"; do [ -e \"$output\" ] || return 1; done");
        s.AppendLine("}");
        s.AppendLine("# ranges 0,1,2,5 -> 0-2,5 (sbatch --array syntax)");
        s.AppendLine("ranges() { local out=\"\" start=\"\" prev=\"\" t; for t in ${1//,/ }; do");
        s.AppendLine("    if [ -n \"$prev\" ] && [ \"$t\" -eq $((prev + 1)) ]; then prev=$t; continue; fi");
        s.AppendLine("    [ -n \"$start\" ] && out=\"${out:+$out,}$start$([ \"$prev\" != \"$start\" ] && echo \"-$prev\")\"");
        s.AppendLine("    start=$t prev=$t; done");
        s.AppendLine("  [ -n \"$start\" ] && out=\"${out:+$out,}$start$([ \"$prev\" != \"$start\" ] && echo \"-$prev\")\"; echo \"$out\"; }");
        s.AppendLine("# submit STEP SCRIPT TASKS: submits the listed tasks of STEP after the jobs in $after (if any).");
        s.AppendLine("submit() {");
        s.AppendLine("  local step=$1 script=$2 tasks=$3 list=$3 dependency=()");
        s.AppendLine("  if [ -z \"$tasks\" ]; then echo \"$step: done\"; return; fi");
        s.AppendLine("  tasks=$(ranges \"$tasks\")");
        s.AppendLine("  [ -n \"$after\" ] && dependency=(\"--dependency=afterok:$after\" --kill-on-invalid-dep=yes)");
        s.AppendLine("  if [ \"$dry\" = 1 ]; then job[$step]=\"<$step>\"; echo \"$step: would submit tasks $tasks ${dependency[*]}\"; return; fi");
        s.AppendLine("  rm -f \"$SLURM_DIR\"/failed/\"$step\".*");
        s.AppendLine("  local t; for t in ${list//,/ }; do rm -f \"$SLURM_DIR/done/$step.$t\"; done");
        s.AppendLine("  job[$step]=$(sbatch --parsable --array=\"$tasks\" --output=\"$SLURM_DIR/logs/$step-%A_%a.log\" \"${dependency[@]}\" \"$SLURM_DIR/$script\" | cut -d';' -f1)");
        s.AppendLine("  echo \"$step: submitted tasks $tasks as job ${job[$step]}${after:+ after $after}\"");
        s.AppendLine("}");
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"# {step.Name}: {step.Description}");
            s.AppendLine("after=\"\" rerun=0 tasks=\"\"");
            foreach (var dependency in step.DependsOn)
                s.AppendLine(CultureInfo.InvariantCulture, $"if [ -n \"${{job[{dependency}]:-}}\" ]; then after=\"${{after:+$after:}}${{job[{dependency}]}}\"; rerun=1; fi");
            for (int t = 0; t < step.Tasks.Count; t++)
            {
                var task = step.Tasks[t];
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"if [ $rerun = 1 ] || ! done_task {step.Name} {t} {task.Fingerprint}{string.Concat(task.Outputs.Select(o => " " + Quote(o)))}; then tasks=\"${{tasks:+$tasks,}}{t}\"; fi");
            }
            s.AppendLine(CultureInfo.InvariantCulture, $"submit {step.Name} {ScriptName(i, step)} \"$tasks\"");
        }
        return s.ToString();
    }

    /// <summary>A word for bash: as is when it is plain, else in single quotes.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
    }

    private static void WriteExecutable(string path, string text)
    {
        AtomicFile.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
