namespace Decoding.Demo;

/// <summary>
/// Ends a child stage whose demo has gone: when the environment variable <see cref="Variable"/> names a process id and
/// this process's parent is no longer that process (the demo was killed and the child was handed to another parent),
/// the child exits with <see cref="ExitCode"/> instead of writing outputs no demo will mark as finished.
/// </summary>
public static class ParentWatch
{
    public const string Variable = "DECODING_DEMO_PID";

    /// <summary>The exit code of a child that stopped because its demo had gone (128 + SIGTERM, as if it had been terminated).</summary>
    public const int ExitCode = 143;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getppid")]
    private static extern int GetParentProcessId();

    /// <summary>Starts the watch when <see cref="Variable"/> is set (checked every half second on a background thread).</summary>
    public static void StartIfAsked()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), out int demo) || demo <= 0) return;
        var thread = new Thread(() =>
        {
            while (true)
            {
                if (GetParentProcessId() != demo)
                {
                    Console.Error.WriteLine($"error: the demo (process {demo}) that started this stage has ended; stopping");
                    Environment.Exit(ExitCode);
                }
                Thread.Sleep(500);
            }
        })
        { IsBackground = true, Name = "demo parent watch" };
        thread.Start();
    }
}
