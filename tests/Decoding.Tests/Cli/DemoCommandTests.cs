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
        // Every model stage runs one libtorch thread whatever the demo chose at its start (its side-by-side count), so the
        // results do not depend on the machine's load.
        var threadChoices = new[] { "classifier", "vae", "ldm", "mbm", "adapter" }.Select(model =>
        {
            using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "models", model, "run.json")));
            var threads = run.RootElement.GetProperty("torch").GetProperty("threads");
            return (Count: threads.GetProperty("threads").GetInt32(), Reason: threads.GetProperty("reason").GetString()!);
        }).ToList();
        Assert.All(threadChoices, choice => Assert.Equal((1, "given by --threads"), choice));
        Assert.Matches(@"demo: model stages (side by side, \d+ at a time|one after the other), one libtorch thread each \((load average|one per core)", first);
        // The report holds every route with its control, the baseline, every reference and the simulator's ceiling.
        using (var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report", "metrics.json"))))
        {
            var rows = metrics.RootElement.GetProperty("rows").EnumerateArray().Select(r => (Route: r.GetProperty("route").GetString(), Kind: r.GetProperty("kind").GetString())).ToList();
            foreach (var route in new[] { "img2img", "encoding", "lowlevel", "mindvis" })
            {
                Assert.Contains((route, "route"), rows);
                Assert.Contains((route, "control"), rows);
            }
            // The GOD-like design leaves the stand-alone semantic route out (DemoPlan.Design.SemanticRoute).
            Assert.DoesNotContain(rows, r => r.Route == "semantic");
            foreach (var (route, kind) in new[] { ("ridge-pixels", "baseline"), ("mean-image", "reference"), ("class-mean", "reference"), ("ldm-class", "reference"),
                         ("ceiling", "reference"), ("feature-ridge", "reference") })
                Assert.Contains((route, kind), rows);
        }
        Assert.Contains("Data: simulated", File.ReadAllText(Path.Combine(dir, "report", "report.md")));
        // Without --threads the model stages run one thread each (side by side when the demo chose more than one at a time).
        var stages = DemoPlan.Stages(dir, "tiny", 1, sideBySideThreads: 1);
        foreach (var stage in stages) Assert.Contains($"$ {stage.CommandLine}", first);
        static bool IsModelStage(DemoStage s) => s.Name.StartsWith("decode-", StringComparison.Ordinal) || s.Name.StartsWith("train-", StringComparison.Ordinal) || s.Name == "pretrain-mbm";
        Assert.Equal(15, stages.Count(IsModelStage));
        Assert.All(stages.Where(IsModelStage), s => Assert.True(s.SideBySide && s.CommandLine.Contains("--threads 1"), s.CommandLine));
        Assert.All(stages.Where(s => !IsModelStage(s)), s => Assert.False(s.SideBySide || s.CommandLine.Contains("--threads"), s.CommandLine));

        var (exit2, second, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit2);
        Assert.Equal(stages.Count, second.Split('\n').Count(l => l.Contains("(done earlier; --force redoes it)")));

        // A stage whose output disappeared is redone, and so is every stage that reads its outputs; the others are kept.
        File.Delete(Path.Combine(dir, "decoded", "mindvis-control", "run.json"));
        var (exit3, third, _) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", dir);
        Assert.Equal(0, exit3);
        // MinD-Vis's control is a stage of its own: it runs again, the route's decode beside it does not.
        Assert.Contains($"$ {stages.Single(s => s.Name == "decode-mindvis-control").CommandLine}", third);
        Assert.Contains("--shuffle-fmri", stages.Single(s => s.Name == "decode-mindvis-control").CommandLine);
        Assert.DoesNotContain($"$ {stages.Single(s => s.Name == "decode-mindvis").CommandLine}", third);
        Assert.DoesNotContain("$ decoding decode --route img2img", third);
        Assert.Contains("$ decoding evaluate", third);
        Assert.DoesNotContain("$ decoding train-adapter", third);
        Assert.DoesNotContain("$ decoding decode --route ridge-pixels", third);   // after it in the plan, but reads nothing it writes
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

    [Fact]
    public void Side_by_side_stages_run_as_child_processes_with_their_output_named_and_a_failure_stops_the_rest()
    {
        string dir = Directory.CreateTempSubdirectory("demo-side-by-side").FullName;
        Assert.Equal(0, CliTestHarness.Run("simulate", "--out", Path.Combine(dir, "sim"), "--train-per-category", "2", "--test-per-category", "1",
            "--test-repeats", "2", "--train-runs", "2").Exit);
        string bdata = Path.Combine(dir, "sim", "sim-01.h5");
        Assert.NotNull(StageProcess.ThisProgram());
        DemoStage Inspect(string name, string file) => new(name, "describe", ["inspect", file], [], SideBySide: true);
        var first = Inspect("inspect-a", bdata);
        var second = Inspect("inspect-b", bdata);
        var (exit, output, error) = CliTestHarness.Capture(() => DemoCommand.Run(dir, [first, second], force: false, ["demo"], sideBySide: 2));
        Assert.True(exit == 0, error + output);
        // Each child's lines carry its stage's name; the parent writes each marker.
        Assert.Contains("  [inspect-a] ", output);
        Assert.Contains("  [inspect-b] ", output);
        Assert.Contains("as its own process", output);
        Assert.True(first.IsComplete(dir) && second.IsComplete(dir));
        Assert.Equal(2, CliTestHarness.Capture(() => DemoCommand.Run(dir, [first, second], force: false, ["demo"], sideBySide: 2)).Out
            .Split('\n').Count(l => l.Contains("done earlier")));

        // A failing child: its one-line error is forwarded and the demo returns its exit code; the stage running beside it
        // finishes and keeps its marker.
        var broken = Inspect("broken", Path.Combine(dir, "missing.h5"));
        var third = Inspect("inspect-c", bdata);
        var (failed, failedOutput, failedError) = CliTestHarness.Capture(() => DemoCommand.Run(dir, [broken, third], force: true, ["demo"], sideBySide: 2));
        Assert.Equal(2, failed);
        Assert.Contains("demo stage 'broken' failed (exit 2)", failedError);
        Assert.Contains("[broken] ", failedError);
        Assert.Contains("missing.h5", failedError);
        Assert.False(broken.IsComplete(dir));
        Assert.True(third.IsComplete(dir), failedOutput);
    }

    [Fact]
    public void A_side_by_side_stage_starts_only_after_the_stage_whose_output_it_reads()
    {
        string dir = Directory.CreateTempSubdirectory("demo-needs").FullName;
        string sim = Path.Combine(dir, "sim"), bdata = Path.Combine(sim, "sim-01.h5");
        var simulate = new DemoStage("simulate-a", "writes the file", ["simulate", "--out", sim, "--train-per-category", "2", "--test-per-category", "1",
            "--test-repeats", "2", "--train-runs", "2"], [bdata], SideBySide: true);
        var reader = new DemoStage("inspect-a", "reads it", ["inspect", bdata], [], SideBySide: true);
        Assert.Equal(["simulate-a"], reader.Needs([simulate]));
        Assert.Empty(simulate.Needs([reader]));

        // Two slots, but the reader waits: started at once it would find no file and fail with exit 2.
        var (exit, output, error) = CliTestHarness.Capture(() => DemoCommand.Run(dir, [simulate, reader], force: false, ["demo"], sideBySide: 2));
        Assert.True(exit == 0, error + output);
        Assert.Contains("(as its own process, up to 2 at a time, after simulate-a)", output);
        Assert.True(output.IndexOf("simulate-a took", StringComparison.Ordinal) < output.IndexOf("$ decoding inspect", StringComparison.Ordinal), output);
        Assert.True(reader.IsComplete(dir));
    }

    [Fact]
    public void A_training_stage_a_killed_demo_left_continues_its_checkpoint_and_force_or_a_new_command_starts_afresh()
    {
        string root = Directory.CreateTempSubdirectory("demo-resume").FullName;
        string images = Path.Combine(root, "images");
        KillAndResumeTests.WriteImageFolder(images);
        const int Steps = 60;
        DemoStage Vae(string run, int seed = 7)
        {
            string folder = Path.Combine(run, "vae");
            return new("train-vae", "the autoencoder", ["train-vae", "--preset", "tiny", "--images", images, "--steps", $"{Steps}", "--checkpoint-every", "5",
                "--seed", $"{seed}", "--threads", "1", "--out", folder], [Path.Combine(folder, "run.json")], SideBySide: true,
                new Fmri.Core.Checkpoints.ModelCheckpoint(folder, Decoding.LatentDiffusion.VaeTrainer.CheckpointName));
        }
        // As the demo runs it when it runs stages side by side: a child process, as the killed run was.
        byte[] Weights(string run) => File.ReadAllBytes(Path.Combine(run, "vae", "vae.safetensors"));

        string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
        var (exitA, outA, errA) = CliTestHarness.Capture(() => DemoCommand.Run(a, [Vae(a)], force: false, ["demo"], sideBySide: 2));
        Assert.True(exitA == 0, errA + outA);
        Assert.DoesNotContain("--resume", outA);

        // What a demo killed during the stage leaves: its started marker, then a checkpoint between steps.
        Directory.CreateDirectory(Path.Combine(b, "stages"));
        File.WriteAllText(Vae(b).StartedPath(b), Vae(b).CommandLine + "\n");
        var (killed, killExit) = DecodingProcess.RunAndKill(Path.Combine(b, "vae", "vae.checkpoint.json"),
            training => training.GetProperty("step").GetInt64() is >= 5 and < Steps, TimeSpan.FromMinutes(5), [.. Vae(b).Arguments]);
        Assert.NotEqual(0, killExit);
        Assert.False(Vae(b).IsComplete(b));

        var (exitB, outB, errB) = CliTestHarness.Capture(() => DemoCommand.Run(b, [Vae(b)], force: false, ["demo"], sideBySide: 2));
        Assert.True(exitB == 0, errB + outB);
        Assert.Contains("continues the checkpoint its interrupted run left", outB);
        Assert.Contains($"$ {Vae(b).CommandLine} --resume", outB);
        Assert.InRange(killed.GetProperty("step").GetInt64(), 5, Steps - 1);
        Assert.Equal(Weights(a), Weights(b));   // as if it had never been killed
        Assert.True(Vae(b).IsComplete(b));      // its marker holds the command line without --resume
        Assert.Contains("done earlier", CliTestHarness.Capture(() => DemoCommand.Run(b, [Vae(b)], force: false, ["demo"], sideBySide: 2)).Out);

        // --force and a changed command line start from scratch (the command itself refuses an existing checkpoint).
        var (exitF, outF, errF) = CliTestHarness.Capture(() => DemoCommand.Run(b, [Vae(b)], force: true, ["demo"], sideBySide: 2));
        Assert.True(exitF == 0, errF + outF);
        Assert.DoesNotContain("--resume", outF);
        Assert.Equal(Weights(a), Weights(b));
        var (exitS, outS, errS) = CliTestHarness.Capture(() => DemoCommand.Run(b, [Vae(b, seed: 8)], force: false, ["demo"], sideBySide: 2));
        Assert.True(exitS == 0, errS + outS);
        Assert.DoesNotContain("--resume", outS);
        Assert.NotEqual(Weights(a), Weights(b));
    }

    [Fact]
    public void An_interrupted_training_stage_resumes_only_when_nothing_it_reads_starts_afresh_and_the_decision_outlives_a_kill()
    {
        string run = Directory.CreateTempSubdirectory("demo-starts").FullName;
        Directory.CreateDirectory(Path.Combine(run, "stages"));
        string data = Path.Combine(run, "data"), model = Path.Combine(run, "models", "vae");
        var upstream = new DemoStage("simulate", "writes the data", ["simulate", "--out", data], [Path.Combine(data, "sim-01.h5")]);
        var training = new DemoStage("train-vae", "reads it", ["train-vae", "--images", data, "--out", model], [Path.Combine(model, "run.json")],
            SideBySide: true, new Fmri.Core.Checkpoints.ModelCheckpoint(model, "vae"));
        IReadOnlyList<DemoStage> stages = [upstream, training];
        var needs = stages.Select((s, k) => s.Needs(stages.Take(k))).ToList();
        Assert.Equal(["simulate"], needs[1]);
        void Leave(DemoStage stage, bool done)   // what a run leaves: markers, and for training a checkpoint
        {
            File.WriteAllText(stage.StartedPath(run), stage.CommandLine + "\n");
            if (done) File.WriteAllText(stage.MarkerPath(run), stage.CommandLine + "\n");
            foreach (var output in stage.Outputs.Where(_ => done)) { Directory.CreateDirectory(Path.GetDirectoryName(output)!); File.WriteAllText(output, ""); }
            if (stage.Checkpoint is { } checkpoint) { Directory.CreateDirectory(checkpoint.Folder); File.WriteAllText(checkpoint.ManifestPath, "{}"); }
        }

        // The data finished; training was killed: it resumes.
        Leave(upstream, done: true);
        Leave(training, done: false);
        Assert.True(new StageStarts(run, stages, needs, new HashSet<string> { "train-vae" }, force: false).Resumes(training));
        // --force: from scratch.
        Assert.False(new StageStarts(run, stages, needs, new HashSet<string> { "train-vae" }, force: true).Resumes(training));
        Leave(training, done: false);

        // The data is redone in this run: the interrupted training must not continue on the old data, and that holds
        // for a later run even if this one is killed before training starts (its started marker is gone at once).
        var both = new HashSet<string> { "simulate", "train-vae" };
        var starts = new StageStarts(run, stages, needs, both, force: false);
        Assert.False(starts.Resumes(upstream));
        Assert.False(starts.Resumes(training));
        Assert.False(File.Exists(training.StartedPath(run)));
        Assert.False(File.Exists(upstream.MarkerPath(run)));
        Leave(upstream, done: true);   // the killed run got as far as the data
        Assert.False(new StageStarts(run, stages, needs, new HashSet<string> { "train-vae" }, force: false).Resumes(training));

        // A stage that failed (rather than was killed) starts from scratch next time.
        Leave(training, done: false);
        var again = new StageStarts(run, stages, needs, new HashSet<string> { "train-vae" }, force: false);
        Assert.True(again.Resumes(training));
        again.Failed(training);
        Assert.False(new StageStarts(run, stages, needs, new HashSet<string> { "train-vae" }, force: false).Resumes(training));
    }

    [Fact]
    public void The_demo_plans_stages_to_wait_for_exactly_the_models_and_data_they_read()
    {
        string dir = Path.Combine(Path.GetTempPath(), "demo-plan-needs");
        var stages = DemoPlan.Stages(dir, "small", 1, sideBySideThreads: 1);
        var needs = stages.Select((s, k) => (s.Name, Needs: s.Needs(stages.Take(k)).ToHashSet())).ToDictionary(x => x.Name, x => x.Needs);
        // Written from what each command reads (its --data, --stimuli, --vae, --ldm, --mbm, --model, --simulation-truth ...).
        string[] data = ["simulate", "preprocess"];
        var expected = new Dictionary<string, string[]>
        {
            ["simulate"] = [],
            ["preprocess"] = ["simulate"],
            ["preprocess-pool"] = ["simulate"],
            ["inspect"] = ["preprocess"],
            ["train-classifier"] = [],
            ["train-vae"] = [],
            ["train-ldm"] = ["train-vae"],
            ["continue-ldm"] = ["train-vae", "train-ldm"],                  // --vae, --continue-from
            ["pretrain-mbm"] = ["preprocess", "preprocess-pool"],
            ["train-adapter"] = [.. data, "pretrain-mbm", "train-ldm"],      // stage B starts from the first LDM stage's model
            ["decode-img2img"] = [.. data, "continue-ldm"],
            ["decode-lowlevel"] = [.. data, "train-ldm"],                    // the VAE of the first LDM stage's folder
            ["decode-encoding"] = [.. data, "train-ldm"],                    // the same VAE
            ["decode-mindvis"] = [.. data, "train-adapter"],
            ["decode-mindvis-control"] = [.. data, "train-adapter"],
            ["decode-ridge-pixels"] = data,
            ["decode-mean-image"] = data,
            ["decode-class-mean"] = data,
            ["decode-ldm-class"] = [.. data, "continue-ldm"],
            ["decode-ceiling"] = data,
            ["evaluate"] = [.. data, "train-classifier", "train-vae", "continue-ldm", "pretrain-mbm", "train-adapter", .. stages.Where(s => s.Name.StartsWith("decode-", StringComparison.Ordinal)).Select(s => s.Name)],
        };
        Assert.Equal(expected.Keys.Order(), needs.Keys.Order());
        foreach (var (name, want) in expected) Assert.True(needs[name].SetEquals(want), $"{name} needs {string.Join(", ", needs[name])}");

        // The designs that decode the semantic route on its own: it reads the continued LDM.
        var heldOut = DemoPlan.Stages(dir, "small", 1, design: "held-out-categories", sideBySideThreads: 1);
        int semantic = heldOut.ToList().FindIndex(s => s.Name == "decode-semantic");
        Assert.True(heldOut[semantic].Needs(heldOut.Take(semantic)).ToHashSet().SetEquals([.. data, "continue-ldm"]));

        // With the image models of another run, the decode stages wait for nothing but the data, MinD-Vis's for its adapter.
        var reused = DemoPlan.Stages(dir, "small", 1, imageModels: Path.Combine(Path.GetTempPath(), "demo-other"), sideBySideThreads: 1);
        var reusedNeeds = reused.Select((s, k) => (s.Name, Needs: s.Needs(reused.Take(k)))).ToDictionary(x => x.Name, x => x.Needs);
        Assert.Equal(data, reusedNeeds["decode-img2img"]);
        Assert.Equal([.. data, "train-adapter"], reusedNeeds["decode-mindvis"]);
        Assert.Equal([.. data, "train-adapter"], reusedNeeds["decode-mindvis-control"]);
        Assert.Equal([.. data, "pretrain-mbm"], reusedNeeds["train-adapter"]);
    }

    [Fact]
    public async Task A_stage_started_by_a_demo_stops_when_that_demo_is_gone()
    {
        // The watch compares its parent with the demo's id; a child told a demo that is not its parent stops at once.
        var info = new System.Diagnostics.ProcessStartInfo(StageProcess.ThisProgram()!.Value.FileName,
            [.. StageProcess.ThisProgram()!.Value.Prefix, "benchmark", "onednn", "--passes", "1000000"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment[ParentWatch.Variable] = "1";
        using var child = System.Diagnostics.Process.Start(info)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        bool stopped = child.WaitForExit(TimeSpan.FromSeconds(60));
        if (!stopped) child.Kill(entireProcessTree: true);
        Assert.True(stopped, "the child kept running without its demo");
        Assert.Equal(ParentWatch.ExitCode, child.ExitCode);
        Assert.Contains("the demo (process 1) that started this stage has ended", await stderr);
        await stdout;
    }

    [Fact]
    public void Designs_shape_the_simulation_and_image_models_can_come_from_another_run()
    {
        string dir = Path.Combine(Path.GetTempPath(), "demo-plan");
        string Simulate(IReadOnlyList<DemoStage> stages) => stages.Single(s => s.Name == "simulate").CommandLine;

        var godLike = DemoPlan.Stages(dir, "tiny", 1);
        Assert.Contains("--train-per-category 12", Simulate(godLike));
        Assert.Contains("--pretraining-pool 100", Simulate(godLike));
        Assert.Contains(godLike, s => s.Name == "preprocess-pool");
        Assert.Contains("pool-preprocessed.h5", godLike.Single(s => s.Name == "pretrain-mbm").CommandLine);

        // The design's counts win; a preset count the design also sets appears once.
        var heldOutStages = DemoPlan.Stages(dir, "tiny", 1, design: "held-out-categories");
        string heldOut = Simulate(heldOutStages);
        // Held-out test categories have no training images, so no class-mean reference is made or evaluated.
        Assert.DoesNotContain(heldOutStages, s => s.Name == "decode-class-mean");
        Assert.DoesNotContain("class-mean", heldOutStages.Single(s => s.Name == "evaluate").CommandLine);
        Assert.Contains(godLike, s => s.Name == "decode-class-mean");
        Assert.Contains("decoded/class-mean", godLike.Single(s => s.Name == "evaluate").CommandLine);
        Assert.Contains("--held-out-test-categories 2", heldOut);
        Assert.Equal(1, heldOut.Split(' ').Count(a => a == "--test-per-category"));
        Assert.Contains("--test-per-category 25", heldOut);
        Assert.Contains("--train-per-category 12", heldOut);

        // A design with its own totals drops the preset's per-category counts (giving both forms is an error).
        var realLike = DemoPlan.Stages(dir, "small", 1, design: "real-like");
        string real = Simulate(realLike);
        Assert.Contains("--categories 2 --train 90 --test 10 --test-repeats 1 --train-runs 3 --image-size 28", real);
        Assert.DoesNotContain("per-category", real);
        Assert.Contains("--validation-stimuli 18", realLike.Single(s => s.Name == "decode-img2img").CommandLine);
        // Every route that chooses on validation holds out the same stimuli, so evaluate can choose between them.
        Assert.Contains("--validation-stimuli 18", realLike.Single(s => s.Name == "decode-semantic").CommandLine);
        Assert.Contains("--validation-stimuli 18", realLike.Single(s => s.Name == "decode-encoding").CommandLine);
        // The GOD-like design narrows the img2img strengths (time); the others try the demo's grid.
        Assert.Contains("--select-strengths 0.1 0.35 0.5 0.65", realLike.Single(s => s.Name == "decode-img2img").CommandLine);
        var small = DemoPlan.Stages(dir, "small", 1);
        string godImg2Img = small.Single(s => s.Name == "decode-img2img").CommandLine;
        Assert.Contains("--select-strengths 0.1 0.35 0.5", godImg2Img);
        Assert.DoesNotContain("0.65", godImg2Img);
        Assert.Contains("--select-guidances 8 16", godImg2Img);
        // The small preset's encoding route takes 50 Adam steps (its default is 100), in every design.
        Assert.All(new[] { small, realLike, DemoPlan.Stages(dir, "small", 1, design: "held-out-categories") },
            stages => Assert.Contains("--encoding-steps 50", stages.Single(s => s.Name == "decode-encoding").CommandLine));
        Assert.Contains("--encoding-steps 15", godLike.Single(s => s.Name == "decode-encoding").CommandLine);
        Assert.DoesNotContain("--select-guidances", realLike.Single(s => s.Name == "decode-img2img").CommandLine);
        // The GOD-like designs ask the img2img choice for the targets' fidelity; the real-like design keeps the low-level route's.
        Assert.Contains("--select-min-pixcorr 0.8 --select-min-ssim 0.461", godImg2Img);
        Assert.Contains("--select-min-pixcorr 0.8 --select-min-ssim 0.461", heldOutStages.Single(s => s.Name == "decode-img2img").CommandLine);
        Assert.DoesNotContain("--select-min", realLike.Single(s => s.Name == "decode-img2img").CommandLine);
        // evaluate's choice between routes keeps the same floor.
        Assert.Contains("--choose-min-pixcorr 0.8 --choose-min-ssim 0.461", small.Single(s => s.Name == "evaluate").CommandLine);
        Assert.DoesNotContain("--choose-min", realLike.Single(s => s.Name == "evaluate").CommandLine);
        // Only the real-like design lets img2img's selection choose the category mean in the low-level latent.
        Assert.Contains("--low-level-prior choose", realLike.Single(s => s.Name == "decode-img2img").CommandLine);
        Assert.DoesNotContain("--low-level-prior", godImg2Img);
        Assert.DoesNotContain("--low-level-prior", heldOutStages.Single(s => s.Name == "decode-img2img").CommandLine);
        // The held-out design's routes choose on whole training categories held out; the others on held-out stimuli.
        Assert.All(heldOutStages.Where(s => s.Name is "decode-img2img" or "decode-semantic" or "decode-encoding"),
            s => Assert.Contains("--validation-split categories", s.CommandLine));
        Assert.DoesNotContain(small.Concat(realLike), s => s.CommandLine.Contains("--validation-split"));
        // The stand-alone semantic route: left out of the GOD-like design (for the demo's time), kept in the other two.
        Assert.DoesNotContain(small, s => s.Name == "decode-semantic");
        // demo --all-routes (and the cluster study) decode it there too.
        var all = DemoPlan.Stages(dir, "small", 1, allRoutes: true);
        Assert.Contains(all, s => s.Name == "decode-semantic");
        Assert.Contains("decoded/semantic-control", all.Single(s => s.Name == "evaluate").CommandLine);
        Assert.DoesNotContain("decoded/semantic", small.Single(s => s.Name == "evaluate").CommandLine);
        Assert.Contains("decoded/semantic-control", heldOutStages.Single(s => s.Name == "evaluate").CommandLine);
        Assert.Contains("--select-steps 25", realLike.Single(s => s.Name == "decode-semantic").CommandLine);
        Assert.DoesNotContain("--select-steps", heldOutStages.Single(s => s.Name == "decode-semantic").CommandLine);
        Assert.Contains("--steps 600", small.Single(s => s.Name == "train-vae").CommandLine);
        // The small demo's LDM: 1,200 steps in models/ldm-1200 (stage B's), continued to 1,500 in models/ldm (the image routes').
        string ldmFirst = Path.Combine(dir, "models", "ldm-1200"), ldmFinal = Path.Combine(dir, "models", "ldm");
        Assert.Contains($"--out {ldmFirst} --seed 1 --steps 1200", small.Single(s => s.Name == "train-ldm").CommandLine);
        Assert.Contains($"--out {ldmFinal} --seed 1 --steps 1500 --snr-gamma 5 --continue-from {ldmFirst}", small.Single(s => s.Name == "continue-ldm").CommandLine);
        Assert.Contains($"--ldm {ldmFirst}", small.Single(s => s.Name == "train-adapter").CommandLine);
        Assert.All(DemoPlan.Stages(dir, "small", 1, design: "held-out-categories").Where(s => s.Name is "decode-img2img" or "decode-semantic" or "decode-ldm-class"),
            s => Assert.Contains($"--ldm {ldmFinal} ", s.CommandLine + " "));
        Assert.Contains($"--ldm {ldmFirst} ", small.Single(s => s.Name == "decode-lowlevel").CommandLine + " ");   // its VAE only
        // The tiny preset trains one LDM stage.
        Assert.DoesNotContain(godLike, s => s.Name == "continue-ldm");

        string other = Path.Combine(Path.GetTempPath(), "demo-other");
        var reused = DemoPlan.Stages(dir, "tiny", 1, imageModels: other);
        Assert.DoesNotContain(reused, s => s.Name is "train-classifier" or "train-vae" or "train-ldm");
        Assert.Contains($"--ldm {Path.Combine(other, "models", "ldm")}", reused.Single(s => s.Name == "train-adapter").CommandLine);
        Assert.Contains($"--classifier {Path.Combine(other, "models", "classifier")}", reused.Single(s => s.Name == "evaluate").CommandLine);
        // A small run's image models hold stage B's LDM in models/ldm-1200: stage B starts from it; a run made before the
        // two LDM stages has only models/ldm, which stage B then takes.
        string twoStage = Directory.CreateTempSubdirectory("demo-two-ldm").FullName;
        Directory.CreateDirectory(Path.Combine(twoStage, "models", "ldm-1200"));
        Assert.Contains($"--ldm {Path.Combine(twoStage, "models", "ldm-1200")} ", DemoPlan.Stages(dir, "small", 1, imageModels: twoStage).Single(s => s.Name == "train-adapter").CommandLine);
        Assert.Contains($"--ldm {Path.Combine(other, "models", "ldm")} ", DemoPlan.Stages(dir, "small", 1, imageModels: other).Single(s => s.Name == "train-adapter").CommandLine);
        Assert.All(DemoPlan.Stages(dir, "small", 1, imageModels: twoStage).Where(s => s.Name == "decode-img2img"),
            s => Assert.Contains($"--ldm {Path.Combine(twoStage, "models", "ldm")} ", s.CommandLine));
        Directory.Delete(twoStage, recursive: true);

        Assert.Throws<InvalidSettingException>(() => DemoPlan.Stages(dir, "tiny", 1, design: "nsd"));
    }

    [Fact]
    public void Image_models_from_an_unfinished_run_are_refused_before_anything_runs()
    {
        string dir = Directory.CreateTempSubdirectory("demo-reuse").FullName;
        string other = Directory.CreateTempSubdirectory("demo-empty").FullName;
        var (exit, output, error) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", Path.Combine(dir, "run"), "--image-models", other);
        Assert.Equal(2, exit);
        Assert.Contains("--image-models", error);
        Assert.Contains("models/classifier/run.json", error);
        Assert.DoesNotContain("[1/", output);
        Assert.False(Directory.Exists(Path.Combine(dir, "run", "data")));
    }

    [Fact]
    public void The_demo_records_its_settings_seed_and_the_files_of_the_image_models_it_reused()
    {
        using var other = new TempFolder();
        // A finished run's folder: image models under models/, and files the demo never reads beside them.
        foreach (var (file, text) in new[] { ("models/ldm/ldm.checkpoint.json", "{}"), ("models/ldm/ldm.safetensors", "w"), ("models/ldm/ldm.config.json", "c"),
                     ("models/ldm/tokenizer.json", "t"), ("models/ldm/ldm_loss.png", "p"), ("models/ldm/ldm.optimizer.bin", "o"),
                     ("models/vae/vae.checkpoint.json", "{}"), ("models/vae/vae.safetensors", "v"), ("models/mbm/mbm.safetensors", "m"), ("data/sim-01.h5", "d") })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(other.Sub(file))!);
            File.WriteAllText(other.Sub(file), text);
        }
        using var dir = new TempFolder();
        var settings = new DemoSettings("tiny", 7, "god-like", Force: false, TrainImageModels: false, Threads: null, Device: null, OneDnnBackward: null);
        var (exit, _, error) = CliTestHarness.Capture(() => DemoCommand.Run(dir.Path, [], force: false, ["demo"], 1,
            new ImageModelSource(ImageModelSource.Given, other.Path, "given with --image-models"), settings));
        Assert.True(exit == 0, error);
        using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.Sub("run.json")));
        Assert.Equal(7, run.RootElement.GetProperty("seeds").GetProperty("seed").GetInt64());
        Assert.Equal("tiny", run.RootElement.GetProperty("config").GetProperty("settings").GetProperty("preset").GetString());
        var hashed = run.RootElement.GetProperty("input_sha256").EnumerateObject().Select(p => Path.GetRelativePath(other.Path, p.Name)).Order(StringComparer.Ordinal);
        Assert.Equal(["models/ldm/ldm.config.json", "models/ldm/ldm.safetensors", "models/ldm/tokenizer.json", "models/vae/vae.safetensors"], hashed);
    }
}
