using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Decoding.Tests.Cli;

/// <summary>
/// Runs the real `decoding` program (decoding.dll, copied next to the test assembly by the project reference) as a
/// child process, so that it can be killed the way a crash or an out-of-memory killer would end it.
/// </summary>
internal static class DecodingProcess
{
    /// <summary>The program's entry assembly: next to the tests, else in src/Decoding/bin of the same configuration.</summary>
    public static string DllPath
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "decoding.dll");
            if (File.Exists(beside)) return beside;
            // tests/Decoding.Tests/bin/<Config>/net10.0/linux-x64/ -> src/Decoding/bin/<Config>/net10.0/linux-x64/
            var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string rid = dir.Name, framework = dir.Parent!.Name, configuration = dir.Parent.Parent!.Name;
            string built = Path.Combine(RepositoryPaths.Root, "src/Decoding/bin", configuration, framework, rid, "decoding.dll");
            if (File.Exists(built)) return built;
            throw new FileNotFoundException($"decoding.dll is neither in {AppContext.BaseDirectory} nor at {built}; build Decoding.sln first");
        }
    }

    /// <summary>Runs the program to its end; returns its exit code and what it printed.</summary>
    public static (int Exit, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        using var process = Start(args, out var stdout, out var stderr);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"decoding {string.Join(' ', args)} did not finish within {timeout}; stderr: {stderr}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Starts the program and sends it SIGKILL (<see cref="Process.Kill(bool)"/> on Linux) as soon as the checkpoint
    /// manifest <paramref name="manifestPath"/> holds a training state that <paramref name="killAt"/> accepts.
    /// Returns the training state read when the kill was sent and the process's exit code. Throws when the program
    /// ends by itself or the state never comes.
    /// </summary>
    public static (JsonElement Training, int Exit) RunAndKill(string manifestPath, Func<JsonElement, bool> killAt, TimeSpan timeout,
        params string[] args)
    {
        using var process = Start(args, out var stdout, out var stderr);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                throw new InvalidOperationException(
                    $"decoding {args[0]} ended by itself (exit {process.ExitCode}) before a checkpoint to kill after was seen; " +
                    $"give it more steps. stdout: {stdout} stderr: {stderr}");
            }
            if (ReadTraining(manifestPath) is JsonElement training && killAt(training))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return (training, process.ExitCode);
            }
            Thread.Sleep(2);
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        throw new TimeoutException($"no checkpoint to kill after within {timeout}; stderr: {stderr}");
    }

    /// <summary>The manifest's "training" object, or null while there is no (complete) manifest.</summary>
    public static JsonElement? ReadTraining(string manifestPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(manifestPath);
        }
        catch (IOException)
        {
            return null; // not there yet (FileNotFoundException) or replaced while opened
        }
        try
        {
            using var manifest = JsonDocument.Parse(text);
            return manifest.RootElement.GetProperty("training").Clone();
        }
        catch (JsonException)
        {
            return null; // cannot happen with an atomic rename; tolerated so that a wrong guess fails below, not here
        }
    }

    private static Process Start(string[] args, out StringBuilder stdout, out StringBuilder stderr)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var (outText, errText) = (new StringBuilder(), new StringBuilder());
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (outText) outText.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errText) errText.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        (stdout, stderr) = (outText, errText);
        return process;
    }
}
