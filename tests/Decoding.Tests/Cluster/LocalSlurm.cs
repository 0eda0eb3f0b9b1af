using System.Diagnostics;

namespace Decoding.Tests.Cluster;

/// <summary>
/// The single-node Slurm cluster of <c>.ci/local-slurm.sh</c>: started for the tests that need it when no cluster answers
/// (and stopped again when they are done, only if they started it), or the reason it could not start.
/// </summary>
public sealed class LocalSlurm : IDisposable
{
    private readonly bool started;

    public LocalSlurm()
    {
        if (Script("status").Exit == 0)
        {
            Available = true;
            return;
        }
        var (exit, output) = Script("start");
        Available = exit == 0;
        started = Available && output.Contains("started:", StringComparison.Ordinal);
        Reason = Available ? null : $"the local Slurm cluster could not start (.ci/local-slurm.sh start, exit {exit}): {output.Trim()}";
    }

    public bool Available { get; }

    /// <summary>Why the cluster is not available (null when it is).</summary>
    public string? Reason { get; }

    public static string ScriptPath => Path.Combine(RepositoryPaths.Root, ".ci", "local-slurm.sh");

    /// <summary>Runs a command to its end; exit code and everything it printed (both streams).</summary>
    public static (int Exit, string Output) Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static (int Exit, string Output) Script(string verb)
    {
        try
        {
            return Run("bash", [ScriptPath, verb], TimeSpan.FromMinutes(5));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose()
    {
        if (started) Script("stop");
    }
}
