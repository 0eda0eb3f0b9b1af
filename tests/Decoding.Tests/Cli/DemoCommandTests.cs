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
                     "models/mbm/run.json", "models/adapter/run.json", "decoded/img2img/decoded.h5", "decoded/img2img-control/decoded.h5",
                     "decoded/mindvis/decoded.h5", "decoded/mindvis-control/decoded.h5", "decoded/ridge-pixels/decoded.h5", "decoded/class-mean/decoded.h5",
                     "report/metrics.json", "report/report.md", "report/report.html" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing after the tiny demo");
        // The report holds every route with its control, the baseline, every reference and the simulator's ceiling.
        using (var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report", "metrics.json"))))
        {
            var rows = metrics.RootElement.GetProperty("rows").EnumerateArray().Select(r => (Route: r.GetProperty("route").GetString(), Kind: r.GetProperty("kind").GetString())).ToList();
            foreach (var route in new[] { "img2img", "lowlevel", "semantic", "mindvis" })
            {
                Assert.Contains((route, "route"), rows);
                Assert.Contains((route, "control"), rows);
            }
            foreach (var (route, kind) in new[] { ("ridge-pixels", "baseline"), ("mean-image", "reference"), ("class-mean", "reference"), ("ldm-class", "reference"),
                         ("ceiling", "reference"), ("feature-ridge", "reference") })
                Assert.Contains((route, kind), rows);
        }
        Assert.Contains("Data: simulated", File.ReadAllText(Path.Combine(dir, "report", "report.md")));
        var stages = DemoPlan.Stages(dir, "tiny", 1);
        foreach (var stage in stages) Assert.Contains($"$ {stage.CommandLine}", first);

        var (exit2, second, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit2);
        Assert.Equal(stages.Count, second.Split('\n').Count(l => l.Contains("(done earlier; --force redoes it)")));

        // A stage whose output disappeared is redone, and so is every stage after it; the ones before are kept.
        File.Delete(Path.Combine(dir, "decoded", "mindvis-control", "run.json"));
        var (exit3, third, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit3);
        Assert.Contains("$ decoding decode --route mindvis", third);
        Assert.Contains("--control-out", third);
        Assert.DoesNotContain("$ decoding decode --route img2img", third);
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
