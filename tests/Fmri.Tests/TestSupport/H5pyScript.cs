using System.Diagnostics;
using System.Text.Json;

namespace Fmri.Tests;

/// <summary>Runs a Python script with Debian's h5py (/usr/bin/python3; CI installs python3-h5py) and parses the JSON it prints.</summary>
internal static class H5pyScript
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> (<c>python3 -c</c>) with <paramref name="arguments"/> as sys.argv[1:]; fails the test when it fails.</summary>
    public static JsonElement Run(string script, params string[] arguments)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing; install Debian's python3-h5py (CI does)");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"h5py failed: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
