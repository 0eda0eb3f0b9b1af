using Decoding.Cli;

namespace Decoding.Tests.Cli;

/// <summary>Runs the `decoding` program in-process and captures what it prints.</summary>
public static class CliTestHarness
{
    private static readonly Lock ConsoleGate = new();

    public static string Fixture(string name) => Path.Combine(RepositoryPaths.Root, "tests/Fmri.Tests/Data/Fixtures", name);

    public static (int Exit, string Out, string Err) Run(params string[] args) => Capture(() => CommandLineApp.Run(args));

    /// <summary>
    /// Runs a command that must refuse: exit code 2, one line on stderr containing <paramref name="expected"/>, and no
    /// <paramref name="written"/> file left behind.
    /// </summary>
    public static void AssertRefused(string[] args, string expected, string written)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(written), $"{written} was written");
    }

    /// <summary>Runs <paramref name="action"/> with the console captured; returns its exit code and what it printed.</summary>
    public static (int Exit, string Out, string Err) Capture(Func<int> action)
    {
        // Console redirection is process-wide: one CLI run at a time.
        lock (ConsoleGate)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                int exit = action();
                return (exit, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
