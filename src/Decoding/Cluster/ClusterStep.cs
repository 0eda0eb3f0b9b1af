using System.Security.Cryptography;
using System.Text;

namespace Decoding.Cluster;

/// <summary>
/// One task of a cluster step: the <c>decoding</c> command lines it runs in order (each an argument list without the
/// program) and the files that exist when it has finished.
/// </summary>
/// <param name="Label">What the task is, e.g. "sub-02" or "sub-01 img2img shard 2/4" (comments and failure messages).</param>
public sealed record ClusterTask(string Label, IReadOnlyList<IReadOnlyList<string>> Commands, IReadOnlyList<string> Outputs)
{
    /// <summary>
    /// Per command (or empty: none): the model folder a training command writes its checkpoint into, removed before the
    /// command runs. A training command refuses to start over an existing checkpoint, so a task run again (after a
    /// failure, a cancel or a time limit, or with changed settings) trains afresh instead of failing for good.
    /// </summary>
    public IReadOnlyList<string?> FreshFolders { get; init; } = [];

    /// <summary>
    /// The task's fingerprint, written to its done marker when it succeeds: a task is done only when its marker holds the
    /// fingerprint of the same commands, so changed settings run it again.
    /// </summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join("\n", Commands.Select(c => string.Join("\u001f", c))))))[..16];
}

/// <summary>
/// One step of a study on a cluster: a job array whose task i runs <see cref="Tasks"/>[i], after every task of the steps
/// it depends on has succeeded.
/// </summary>
/// <param name="Name">The step's name: in file, job and marker names (letters, digits and '-').</param>
/// <param name="Description">One line saying what the step does (the script's header).</param>
/// <param name="DependsOn">Names of the steps whose outputs it reads.</param>
/// <param name="UsesModels">Whether its commands run libtorch (they get the GPUs and the CPU threads asked for).</param>
public sealed record ClusterStep(string Name, string Description, IReadOnlyList<ClusterTask> Tasks, IReadOnlyList<string> DependsOn, bool UsesModels);

/// <summary>What each job asks the scheduler for (<c>sbatch</c> options).</summary>
/// <param name="Partition">--partition; null: the cluster's default.</param>
/// <param name="Time">--time, e.g. "04:00:00".</param>
/// <param name="Memory">--mem, e.g. "16G".</param>
/// <param name="CpusPerTask">--cpus-per-task; the model commands run with as many libtorch threads.</param>
/// <param name="Gpus">--gres=gpu:N for the steps that run models (0: none, CPU only).</param>
/// <param name="Account">--account; null: the user's default.</param>
public sealed record SlurmResources(string? Partition = null, string Time = "04:00:00", string Memory = "16G", int CpusPerTask = 2, int Gpus = 0, string? Account = null)
{
    public SlurmResources Validate()
    {
        Check.That(System.Text.RegularExpressions.Regex.IsMatch(Time, @"^(\d+-)?\d+(:\d{2}){0,2}$"), "time", Time, "must be a Slurm time such as 30, 04:00:00 or 1-12:00:00");
        Check.That(System.Text.RegularExpressions.Regex.IsMatch(Memory, @"^\d+[KMGT]?$"), "mem", Memory, "must be a Slurm memory size such as 16G or 16000");
        Check.AtLeast(CpusPerTask, 1, "cpus");
        Check.AtLeast(Gpus, 0, "gpus");
        foreach (var (name, value) in new[] { ("partition", Partition), ("account", Account) })
            Check.That(value is null || System.Text.RegularExpressions.Regex.IsMatch(value, "^[A-Za-z0-9_.,-]+$"), name, value, "must be a Slurm name (letters, digits, '_', '.', '-')");
        return this;
    }
}
