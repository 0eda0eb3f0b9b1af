using Decoding.Cli;
using Decoding.Demo;

namespace Decoding.Tests.Cli;

public class DemoCommandTests
{
    [Fact]
    public void Tiny_demo_runs_every_stage_to_a_report_and_a_second_run_skips_finished_stages()
    {
        string dir = Directory.CreateTempSubdirectory("demo").FullName;
        var (exit, first, err) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.True(exit == 0, err + first);
        Assert.DoesNotContain("done earlier", first);
        Assert.True(File.Exists(Path.Combine(dir, "run.json")));
        foreach (var file in new[] { "data/preprocessed.h5", "models/classifier/classifier.safetensors", "models/vae/run.json", "models/ldm/run.json",
                     "models/mbm/run.json", "models/adapter/run.json", "decoded/decoded.h5", "decoded-shuffled/decoded.h5",
                     "report/metrics.json", "report/report.md", "report/report.html" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing after the tiny demo");
        // The report holds every row the issue names: pipeline, shuffled control, three ridge baselines, the simulator's ceiling.
        string metrics = File.ReadAllText(Path.Combine(dir, "report", "metrics.json")).Replace("\\u003E", ">"); // System.Text.Json escapes '>'

        foreach (var row in new[] { "\"pipeline\"", "shuffled-fMRI control", "ridge: voxels -> pixels", "ridge: voxels -> VAE latent",
                     "ridge: voxels -> classifier features", "ceiling: ridge voxels -> pixels on noise-free responses" })
            Assert.Contains(row, metrics);
        Assert.Contains("Data: simulated", File.ReadAllText(Path.Combine(dir, "report", "report.md")));
        var stages = DemoPlan.Stages(dir, "tiny", 1);
        foreach (var stage in stages) Assert.Contains($"$ {stage.CommandLine}", first);

        var (exit2, second, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit2);
        Assert.Equal(stages.Count, second.Split('\n').Count(l => l.Contains("(done earlier; --force redoes it)")));

        // A stage whose output disappeared is redone, and so is every stage after it; the ones before are kept.
        File.Delete(Path.Combine(dir, "decoded-shuffled", "run.json"));
        var (exit3, third, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit3);
        Assert.Contains("$ decoding decode --model", third);
        Assert.Contains("--shuffle-fmri", third);
        Assert.Contains("$ decoding evaluate", third);
        Assert.DoesNotContain("$ decoding train-adapter", third);
    }

    [Fact]
    public void Force_redoes_finished_stages_and_a_failing_stage_stops_the_run_with_its_exit_code()
    {
        string dir = Directory.CreateTempSubdirectory("demo-stages").FullName;
        string fixture = Path.Combine(dir, "data.h5");
        Assert.Equal(0, CliTestHarness.Run("simulate", "--out", Path.Combine(dir, "sim"), "--train-per-category", "2", "--test-per-category", "1",
            "--test-repeats", "2", "--train-runs", "2").Exit);
        string bdata = Path.Combine(dir, "sim", "sim-01.h5");
        var inspect = new DemoStage("inspect", "describe", ["inspect", bdata], []);
        var (exit, first, _) = CliTestHarness.Capture(() => DemoCommand.Run(dir, [inspect], force: false, ["demo"]));
        Assert.Equal(0, exit);
        Assert.Contains("$ decoding inspect", first);
        Assert.Contains("done earlier", CliTestHarness.Capture(() => DemoCommand.Run(dir, [inspect], force: false, ["demo"])).Out);
        Assert.Contains("$ decoding inspect", CliTestHarness.Capture(() => DemoCommand.Run(dir, [inspect], force: true, ["demo"])).Out);

        var broken = new DemoStage("broken", "reads a file that does not exist", ["inspect", fixture], []);
        var (failed, output, error) = CliTestHarness.Capture(() => DemoCommand.Run(dir, [broken, inspect], force: false, ["demo"]));
        Assert.NotEqual(0, failed);
        Assert.Contains("demo stage 'broken' failed", error);
        Assert.DoesNotContain("[2/2]", output);
    }
}
