using Decoding.Cli;

namespace Decoding.Tests.Cli;

/// <summary><c>decoding slurm --program</c>: the program the nodes run must be the decoding program.</summary>
public class SlurmCommandTests
{
    private static string WriteScript(TempFolder folder, string name, string text)
    {
        string path = Path.Combine(folder.Path, name);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void A_program_that_does_not_answer_version_as_the_decoding_program_is_refused_before_anything_is_written()
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = new TempFolder();
        // GNU true prints its own version line, a failing program prints nothing useful.
        var (exit, _, err) = CliTestHarness.Run("slurm", "--program", "/bin/true", "--out", temp.Sub("study"));
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --program /bin/true: answered --version with 'true (GNU coreutils)", err);
        string failing = WriteScript(temp, "broken", "#!/bin/sh\necho 'no such option' >&2\nexit 3\n");
        (exit, _, err) = CliTestHarness.Run("slurm", "--program", failing, "--out", temp.Sub("study"));
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.StartsWith($"error: --program {failing}: answered --version with 'no such option' (exit 3)", err);
        Assert.False(Directory.Exists(temp.Sub("study")));
    }

    [Fact]
    public void The_decoding_program_itself_is_taken_and_another_version_of_it_with_a_warning()
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = new TempFolder();
        // The decoding apphost built beside the tests: the same version as the command writing the scripts.
        string same = Path.Combine(AppContext.BaseDirectory, "decoding");
        Assert.True(File.Exists(same), $"no decoding apphost at {same}");
        var (exit, output, err) = CliTestHarness.Run("slurm", "--program", same, "--out", temp.Sub("a"));
        Assert.True(exit == 0, err);
        Assert.Equal("", err);
        Assert.Contains("steps written to", output);
        Assert.Contains($"DECODING=${{DECODING:-{same}}}", File.ReadAllText(Directory.GetFiles(Path.Combine(temp.Sub("a"), "slurm"), "01-*.sbatch").Single()));

        // A wrapper that answers with another version is taken, with one warning line.
        string older = WriteScript(temp, "older", "#!/bin/sh\necho 0.0.9+0123abc\n");
        (exit, _, err) = CliTestHarness.Run("slurm", "--program", older, "--out", temp.Sub("b"));
        Assert.Equal(0, exit);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"warning: --program {older} is version 0.0.9+0123abc, this program ", err);
    }
}
