using System.Diagnostics;

namespace Decoding.Demo;

/// <summary>
/// A demo stage run as a child `decoding` process, so that stages marked <see cref="DemoStage.SideBySide"/> can run at
/// the same time without sharing a process's console, thread setting or libtorch state. The child runs exactly the
/// stage's command line; what it prints is forwarded line by line with the stage's name in front. The child is told
/// this process's id (<see cref="ParentWatch"/>), so it stops when the demo is killed instead of writing on alone.
/// </summary>
public sealed class StageProcess : IDisposable
{
    private readonly Process process;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private StageProcess(Process process, DemoStage stage)
    {
        this.process = process;
        Stage = stage;
    }

    public DemoStage Stage { get; }

    /// <summary>How to start this program again: the decoding executable itself, or the dotnet host with decoding.dll
    /// (under `dotnet decoding.dll` and under a test host). Null when neither can be found (then stages run in this
    /// process, one after the other).</summary>
    public static (string FileName, string[] Prefix)? ThisProgram()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "decoding") return (process, []);
        string assembly = typeof(StageProcess).Assembly.Location;                 // empty in a single-file or native build
        if (assembly.Length == 0 || !File.Exists(assembly)) return null;
        string? dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator).Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        return dotnet is null ? null : (dotnet, [assembly]);
    }

    /// <summary>Starts <paramref name="stage"/>'s command, with <paramref name="arguments"/> (its own, or with `--resume`),
    /// as a child of this process; <paramref name="write"/> receives each line it prints (standard error flagged).</summary>
    public static StageProcess Start(DemoStage stage, IReadOnlyList<string> arguments, (string FileName, string[] Prefix) program, Action<string, bool> write)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(write);
        var info = new ProcessStartInfo(program.FileName, [.. program.Prefix, .. arguments])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment[ParentWatch.Variable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) write(e.Data, false); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) write(e.Data, true); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {program.FileName} for demo stage '{stage.Name}'");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new StageProcess(process, stage);
    }

    /// <summary>Waits for the child to end (and its output to be forwarded); returns its exit code and wall time in seconds.</summary>
    public (int Exit, double Seconds) Wait()
    {
        process.WaitForExit();
        return (process.ExitCode, clock.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
