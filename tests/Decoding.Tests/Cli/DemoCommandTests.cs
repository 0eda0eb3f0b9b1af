namespace Decoding.Tests.Cli;

public class DemoCommandTests
{
    [Fact]
    public void Tiny_demo_runs_end_to_end_and_a_second_run_skips_finished_stages()
    {
        string dir = Directory.CreateTempSubdirectory("demo").FullName;
        var (exit, first, err) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.True(exit == 0, err + first);
        Assert.True(File.Exists(Path.Combine(dir, "run.json")));
        Assert.True(File.Exists(Path.Combine(dir, "data", "preprocessed.h5")));
        Assert.DoesNotContain("done earlier", first);

        var (exit2, second, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit2);
        Assert.Contains("simulate: simulated visual cortex viewing Fashion-MNIST (GOD-like design) (done earlier", second);

        // A stage whose output disappeared is redone, and so is everything with --force.
        File.Delete(Path.Combine(dir, "data", "preprocessed.h5"));
        var (_, third, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Contains("$ decoding preprocess", third);
        Assert.DoesNotContain("$ decoding simulate", third);
        var (_, forced, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir, "--force");
        Assert.Contains("$ decoding simulate", forced);
    }
}
