using Decoding.Cluster;
using Xunit.Abstractions;

namespace Decoding.Tests.Cluster;

/// <summary>The study's steps and the scripts' bookkeeping (done and failed markers, what a rerun submits), without a cluster.</summary>
public sealed class StudyScriptsTests(ITestOutputHelper output)
{
    [Fact]
    public void The_study_shares_the_image_models_shards_every_decode_and_merges_before_evaluating()
    {
        using var folder = new TempFolder();
        var steps = StudyPlan.Steps(new StudyOptions(folder.Path, Subjects: 3, Preset: "tiny", Seed: 1, Shards: 4, Threads: 2, Device: null,
            new SweepGrid(["img2img", "semantic"], [0.5], [4, 8], [0, 0.2])));
        Assert.Equal(["simulate", "train-image-models", "train-ldm", "preprocess", "pretrain-mbm", "train-adapter", "select", "decode", "merge", "evaluate", "sweep", "sweep-table"],
            steps.Select(s => s.Name));
        var step = steps.ToDictionary(s => s.Name);
        Assert.Equal(3, step["preprocess"].Tasks.Count);
        Assert.Equal(3 * 2, step["select"].Tasks.Count);                                  // img2img and semantic per subject
        int routes = step["merge"].Tasks.Count / 3;
        Assert.Equal(3 * routes * 4, step["decode"].Tasks.Count);
        Assert.Equal((1 + 1) * 2 * 3, step["sweep"].Tasks.Count);                          // (img2img at 1 strength + semantic) x 2 guidances x 3 subjects
        // Each sweep point decodes exactly its own strength and guidance: the demo's own --select grid is replaced, not added to.
        foreach (var task in step["sweep"].Tasks)
        {
            var args = task.Commands.Single();
            foreach (var option in new[] { "--select-strengths", "--select-guidances", "--select-blends" })
                Assert.True(args.Count(a => a == option) <= 1, $"{option} twice in {string.Join(' ', args)}");
            int at = args.ToList().IndexOf("--select-strengths");
            Assert.Equal("--select-guidances", args[at + 2]);                                // one strength per point
            Assert.Contains(args[at + 1], new[] { "0.5", "1" });                                 // img2img's, or the semantic route's none (1)
        }

        // Image models exist once; no subject trains or reads its own.
        string study = Path.GetFullPath(folder.Path);
        foreach (var task in steps.Where(s => s.Name is not ("train-image-models" or "train-ldm")).SelectMany(s => s.Tasks))
            foreach (var word in task.Commands.SelectMany(c => c))
                Assert.DoesNotMatch(@"sub-\d\d/models/(ldm|vae|classifier)|sub-\d\d/data/(sim|stimuli|truth)", word);
        // Every decode task is one shard, with the selection made once when its route selects.
        foreach (var task in step["decode"].Tasks)
        {
            var args = task.Commands.Single();
            Assert.Contains("--shard", args);
            Assert.DoesNotContain("--select", args);
            Assert.DoesNotContain(args, a => a.StartsWith("--select-min", StringComparison.Ordinal));   // the floor goes with --select
            if (args[args.ToList().IndexOf("--route") + 1] is "img2img" or "semantic") Assert.Contains("--selection", args);
            Assert.Equal("2", args[args.ToList().IndexOf("--threads") + 1]);
        }
        Assert.All(step["select"].Tasks, t => Assert.Contains("--select-only", t.Commands.Single()));
        // The img2img choice keeps the design's fidelity floor, in the selection and in every sweep point.
        foreach (var task in step["select"].Tasks.Concat(step["sweep"].Tasks).Select(t => t.Commands.Single()).Where(a => a[a.ToList().IndexOf("--route") + 1] == "img2img"))
            Assert.Equal("0.8", task[task.ToList().IndexOf("--select-min-pixcorr") + 1]);
        // Merge names all 4 shards of each decode; evaluate waits for it.
        Assert.All(step["merge"].Tasks.SelectMany(t => t.Commands), c => Assert.Equal(4, c.Count(w => w.Contains("/shards/shard-", StringComparison.Ordinal))));
        Assert.Contains("merge", step["evaluate"].DependsOn);
        Assert.Contains(Path.Combine(study, "models", "ldm"), step["evaluate"].Tasks[0].Commands.Single());

        var scripts = SlurmScripts.Write(Path.Combine(study, "slurm"), "study", steps, new SlurmResources("gpu", "02:00:00", "8G", 4, 1, null), "/opt/decoding/decoding");
        string decode = File.ReadAllText(scripts[steps.ToList().FindIndex(s => s.Name == "decode")]);
        Assert.Contains("#SBATCH --gres=gpu:1", decode);
        Assert.Contains("#SBATCH --partition=gpu", decode);
        Assert.Contains("#SBATCH --cpus-per-task=4", decode);
        Assert.Contains($"#SBATCH --array=0-{step["decode"].Tasks.Count - 1}", decode);
        Assert.DoesNotContain("--gres", File.ReadAllText(scripts[steps.ToList().FindIndex(s => s.Name == "merge")]));
        output.WriteLine(string.Join("\n", steps.Select(s => $"{s.Name}: {s.Tasks.Count} tasks after {string.Join(", ", s.DependsOn)}")));
    }

    [Fact]
    public void The_small_preset_trains_the_LDM_in_two_stages_once_and_decodes_MinD_Vis_control_as_its_own_array_tasks()
    {
        using var folder = new TempFolder();
        string study = Path.GetFullPath(folder.Path);
        var steps = StudyPlan.Steps(new StudyOptions(folder.Path, Subjects: 2, Preset: "small", Seed: 1, Shards: 2, Threads: 1, Device: null, null));
        var step = steps.ToDictionary(s => s.Name);
        // One task: the first LDM stage (MinD-Vis stage B's start), then carried on into the routes' prior.
        var ldm = step["train-ldm"].Tasks.Single();
        Assert.Equal(2, ldm.Commands.Count);
        string first = Path.Combine(study, "models", "ldm-1200"), second = Path.Combine(study, "models", "ldm");
        Assert.Equal(first, ldm.Commands[0][ldm.Commands[0].ToList().IndexOf("--out") + 1]);
        Assert.Equal(second, ldm.Commands[1][ldm.Commands[1].ToList().IndexOf("--out") + 1]);
        Assert.Equal(first, ldm.Commands[1][ldm.Commands[1].ToList().IndexOf("--continue-from") + 1]);
        Assert.Equal([Path.Combine(first, "run.json"), Path.Combine(second, "run.json")], ldm.Outputs);
        // Every training command's model folder is cleared before it runs, so a task run again trains afresh.
        Assert.Equal([first, second], ldm.FreshFolders);
        foreach (var training in new[] { "train-image-models", "pretrain-mbm", "train-adapter" })
            Assert.All(step[training].Tasks, t => Assert.Equal(
                Path.GetFullPath(t.Commands.Single()[t.Commands.Single().ToList().IndexOf("--out") + 1]), Path.GetFullPath(t.FreshFolders.Single()!)));
        Assert.All(step["decode"].Tasks, t => Assert.Empty(t.FreshFolders));
        string LdmOf(IReadOnlyList<string> args) => args[args.ToList().IndexOf("--ldm") + 1];
        Assert.All(step["train-adapter"].Tasks, t => Assert.Equal(first, LdmOf(t.Commands.Single())));
        // MinD-Vis's control: its own shards (--shuffle-fmri) and its own merge into decoded/mindvis-control.
        foreach (var subject in new[] { "sub-01", "sub-02" })
        {
            var control = step["decode"].Tasks.Where(t => t.Label.StartsWith($"{subject} mindvis-control ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, control.Count);
            Assert.All(control, t => Assert.Contains("--shuffle-fmri", t.Commands.Single()));
            Assert.All(control, t => Assert.Contains("--shard", t.Commands.Single()));
            Assert.Contains(step["merge"].Tasks, t => t.Outputs.Contains(Path.Combine(study, subject, "decoded", "mindvis-control", "decoded.h5")));
        }
        var merged = step["merge"].Tasks.SelectMany(t => t.Outputs).ToList();
        Assert.Equal(merged.Count, merged.Distinct().Count());
    }

    [Fact]
    public void A_failed_task_is_named_with_its_log_and_a_rerun_submits_it_and_everything_after_it()
    {
        using var folder = new TempFolder();
        string slurm = folder.Sub("slurm"), outputs = folder.Sub("out");
        Directory.CreateDirectory(outputs);
        ClusterTask Task(int i) => new($"part {i}", [["write", Path.Combine(outputs, $"{i}.txt")]], [Path.Combine(outputs, $"{i}.txt")]);
        var steps = new List<ClusterStep>
        {
            new("first", "three parts", [Task(0), Task(1), Task(2)], [], UsesModels: false),
            new("second", "after the parts", [Task(3)], ["first"], UsesModels: false),
            new("other", "independent", [Task(4)], [], UsesModels: false),
        };
        // The "program": writes the file it is given, except part 1, which fails with exit 3.
        string program = folder.Sub("fake-decoding");
        File.WriteAllText(program, "#!/usr/bin/env bash\ncase \"$2\" in *1.txt) echo 'part 1 broke' >&2; exit 3 ;; esac\necho done > \"$2\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var scripts = SlurmScripts.Write(slurm, "t", steps, new SlurmResources(), program);

        (int Exit, string Output) RunTask(int script, int task) => LocalSlurm.Run("bash", [scripts[script]], environment: new Dictionary<string, string>
            { ["SLURM_ARRAY_TASK_ID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SLURM_ARRAY_JOB_ID"] = "77" });
        for (int t = 0; t < 3; t++) RunTask(0, t);
        RunTask(1, 0);
        RunTask(2, 0);
        var (exit, text) = RunTask(0, 1);
        Assert.Equal(3, exit);
        Assert.Contains($"first task 1 (part 1) failed with exit 3; log: {slurm}/logs/first-77_1.log", text);
        Assert.True(File.Exists(Path.Combine(slurm, "failed", "first.1")));

        var (_, plan) = LocalSlurm.Run("bash", [scripts[^1], "--dry-run"]);
        output.WriteLine(plan);
        Assert.Contains("failed earlier: first task 1 (part 1) failed with exit 3; log:", plan);
        Assert.Contains("first: would submit tasks 1 ", plan);
        Assert.Contains("second: would submit tasks 0 --dependency=afterok:<first>", plan);     // its input is redone
        Assert.Contains("other: done", plan);

        // Outputs gone or commands changed: not done any more.
        File.Delete(Path.Combine(outputs, "4.txt"));
        Assert.Contains("other: would submit tasks 0", LocalSlurm.Run("bash", [scripts[^1], "--dry-run"]).Output);
        var changed = SlurmScripts.Write(slurm, "t", [steps[0] with { Tasks = [Task(0), Task(1), Task(2) with { Commands = [["write", Path.Combine(outputs, "2.txt"), "--more"]] }] }],
            new SlurmResources(), program);
        Assert.Contains("first: would submit tasks 1-2", LocalSlurm.Run("bash", [changed[^1], "--dry-run"]).Output);
    }

    [Fact]
    public void A_training_task_run_again_starts_afresh_instead_of_refusing_its_earlier_checkpoint()
    {
        using var folder = new TempFolder();
        string slurm = folder.Sub("slurm"), model = folder.Sub("my models/mbm");
        // The "program" behaves as the training commands do: it refuses a folder that already holds a checkpoint.
        string program = folder.Sub("fake-decoding");
        File.WriteAllText(program, "#!/usr/bin/env bash\nif [ -e \"$2/mbm.checkpoint.json\" ]; then echo \"--out $2: already holds a 'mbm' checkpoint\" >&2; exit 2; fi\n"
            + "mkdir -p \"$2\" && echo trained > \"$2/mbm.checkpoint.json\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var task = new ClusterTask("sub-01", [["pretrain-mbm", model]], [Path.Combine(model, "mbm.checkpoint.json")]) { FreshFolders = [model] };
        var scripts = SlurmScripts.Write(slurm, "t", [new ClusterStep("pretrain-mbm", "stage A", [task], [], UsesModels: true)], new SlurmResources(), program);
        (int Exit, string Output) RunTask() => LocalSlurm.Run("bash", [scripts[0]], environment: new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "0" });

        Assert.Equal(0, RunTask().Exit);
        // A timeout or cancel after the checkpoint was saved, or a changed setting: the task runs again and succeeds.
        File.Delete(Path.Combine(slurm, "done", "pretrain-mbm.0"));
        var (exit, text) = RunTask();
        Assert.True(exit == 0, text);
        Assert.True(File.Exists(Path.Combine(slurm, "done", "pretrain-mbm.0")));
        // The log shows each command quoted as bash reads it, so a line can be pasted to rerun it.
        Assert.Contains($"+ 'rm' '-rf' '--' '{model}'", text);
        Assert.Contains($"'pretrain-mbm' '{model}'", text);
    }

    [Fact]
    public void A_submitted_task_loses_its_done_marker_so_a_job_cancelled_before_it_ran_is_submitted_again()
    {
        using var folder = new TempFolder();
        string slurm = folder.Sub("slurm"), outputs = folder.Sub("out"), bin = folder.Sub("bin");
        Directory.CreateDirectory(outputs);
        Directory.CreateDirectory(bin);
        ClusterTask Task(int i) => new($"part {i}", [["write", Path.Combine(outputs, $"{i}.txt")]], [Path.Combine(outputs, $"{i}.txt")]);
        var steps = new List<ClusterStep>
        {
            new("first", "two parts", [Task(0), Task(1)], [], UsesModels: false),
            new("second", "after the parts", [Task(2)], ["first"], UsesModels: false),
        };
        string program = Path.Combine(bin, "fake-decoding");
        // A cluster that accepts every job and runs none (sbatch prints a job id and records its arguments; nothing is queued).
        string sbatchLog = Path.Combine(folder.Path, "sbatch.log");
        var scriptsOfBin = new Dictionary<string, string>
        {
            [program] = "#!/usr/bin/env bash\necho done > \"$2\"\n",
            [Path.Combine(bin, "sbatch")] = $"#!/usr/bin/env bash\necho \"$*\" >> '{sbatchLog}'\necho 4242\n",
            [Path.Combine(bin, "squeue")] = "#!/usr/bin/env bash\nexit 0\n",
        };
        foreach (var (path, text) in scriptsOfBin)
        {
            File.WriteAllText(path, text);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var scripts = SlurmScripts.Write(slurm, "t", steps, new SlurmResources(), program);
        var environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        void RunTask(int script, int task) => LocalSlurm.Run("bash", [scripts[script]], environment: new Dictionary<string, string>
            { ["SLURM_ARRAY_TASK_ID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SLURM_ARRAY_JOB_ID"] = "7" });
        RunTask(0, 0);
        RunTask(0, 1);
        RunTask(1, 0);
        Assert.Contains("second: done", LocalSlurm.Run("bash", [scripts[^1], "--dry-run"], environment: environment).Output);

        // Part 0 is redone: submitting resubmits it and the step after it; the "cluster" then runs part 0, and the second
        // step's job is cancelled before it starts. Its old marker must not make it count as done.
        File.Delete(Path.Combine(outputs, "0.txt"));
        var (exit, submitted) = LocalSlurm.Run("bash", [scripts[^1]], environment: environment);
        output.WriteLine(submitted);
        Assert.Equal(0, exit);
        Assert.Contains("first: submitted tasks 0 as job 4242", submitted);
        Assert.Contains("second: submitted tasks 0 as job 4242 after 4242", submitted);
        Assert.Contains($"--output={slurm}/logs/first-%A_%a.log", File.ReadAllText(sbatchLog));
        RunTask(0, 0);
        var plan = LocalSlurm.Run("bash", [scripts[^1], "--dry-run"], environment: environment).Output;
        Assert.Contains("first: done", plan);
        Assert.Contains("second: would submit tasks 0", plan);
    }

    [Fact]
    public async Task A_task_stopped_by_SIGTERM_as_Slurm_cancels_is_named_in_failed_and_submitted_again()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/setsid")) return;
        using var folder = new TempFolder();
        string slurm = folder.Sub("slurm"), bin = folder.Sub("bin"), started = Path.Combine(folder.Path, "started");
        Directory.CreateDirectory(bin);
        string result = Path.Combine(folder.Path, "out.txt");
        var steps = new List<ClusterStep> { new("long", "one long part", [new ClusterTask("part 0", [["wait"]], [result])], [], UsesModels: false) };
        // The task's program says it has started, then works until it is stopped.
        string program = Path.Combine(bin, "fake-decoding");
        File.WriteAllText(program, $"#!/usr/bin/env bash\ntouch '{started}'\nsleep 60\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var scripts = SlurmScripts.Write(slurm, "t", steps, new SlurmResources(), program);

        // The batch script in its own process group, as Slurm runs a job; Slurm's scancel sends SIGTERM to all of it.
        var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/setsid", ["bash", scripts[0]]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["SLURM_ARRAY_TASK_ID"] = "0";
        info.Environment["SLURM_ARRAY_JOB_ID"] = "9";
        using var job = System.Diagnostics.Process.Start(info)!;
        var errors = job.StandardError.ReadToEndAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(started) && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(50);
        Assert.True(File.Exists(started), "the task's command did not start");
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", "--", "-" + job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) kill.WaitForExit();
        Assert.True(job.WaitForExit(20_000), "the batch script did not end after SIGTERM");
        output.WriteLine(await errors);
        Assert.Equal(143, job.ExitCode);
        string marker = Path.Combine(slurm, "failed", "long.0");
        Assert.True(File.Exists(marker), "no failed/ marker after SIGTERM");
        Assert.Equal($"long task 0 (part 0) was stopped by SIGTERM (scancel, or the time limit reached); log: {slurm}/logs/long-9_0.log", File.ReadAllText(marker).Trim());
        Assert.False(File.Exists(Path.Combine(slurm, "done", "long.0")));

        // submit.sh names it and plans it again.
        var plan = LocalSlurm.Run("bash", [scripts[^1], "--dry-run"]).Output;
        output.WriteLine(plan);
        Assert.Contains("failed earlier: long task 0 (part 0) was stopped by SIGTERM", plan);
        Assert.Contains("long: would submit tasks 0", plan);
    }

    [Theory]
    [InlineData(2, false)]   // indices 0-2 need MaxArraySize 3 or more
    [InlineData(3, true)]
    public void A_step_with_more_tasks_than_the_cluster_s_MaxArraySize_is_refused_before_anything_is_submitted(int maxArraySize, bool accepted)
    {
        using var folder = new TempFolder();
        string slurm = folder.Sub("slurm"), bin = folder.Sub("bin");
        Directory.CreateDirectory(bin);
        ClusterTask Task(int i) => new($"part {i}", [["write", Path.Combine(folder.Path, $"{i}.txt")]], [Path.Combine(folder.Path, $"{i}.txt")]);
        var steps = new List<ClusterStep>
        {
            new("first", "one part", [Task(0)], [], UsesModels: false),
            new("wide", "three parts", [Task(1), Task(2), Task(3)], ["first"], UsesModels: false),
        };
        string sbatchLog = Path.Combine(folder.Path, "sbatch.log");
        // scontrol prints the controller's configuration as "Name = value" lines, MaxArraySize among them.
        var scriptsOfBin = new Dictionary<string, string>
        {
            [Path.Combine(bin, "sbatch")] = $"#!/usr/bin/env bash\necho \"$*\" >> '{sbatchLog}'\necho 4242\n",
            [Path.Combine(bin, "squeue")] = "#!/usr/bin/env bash\nexit 0\n",
            [Path.Combine(bin, "scontrol")] = $"#!/usr/bin/env bash\n[ \"$*\" = 'show config' ] || exit 1\necho 'MaxArraySize            = {maxArraySize}'\necho 'MaxJobCount             = 10000'\n",
        };
        foreach (var (path, script) in scriptsOfBin)
        {
            File.WriteAllText(path, script);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var scripts = SlurmScripts.Write(slurm, "t", steps, new SlurmResources(), "/opt/decoding");
        var environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var (exit, text) = LocalSlurm.Run("bash", [scripts[^1]], environment: environment);
        output.WriteLine(text);
        if (accepted)
        {
            Assert.Equal(0, exit);
            Assert.Contains("wide: submitted tasks 0-2 as job 4242 after 4242", text);
            return;
        }
        Assert.Equal(2, exit);
        Assert.Contains($"submit: step wide has 3 tasks (array indices 0-2), but this cluster's MaxArraySize is {maxArraySize}", text);
        Assert.False(File.Exists(sbatchLog), "nothing may be submitted when a step cannot be");
    }

    [Fact]
    public void A_study_folder_with_a_space_gets_its_log_path_from_submit_not_from_a_directive()
    {
        using var folder = new TempFolder();
        string slurm = Path.Combine(folder.Path, "my study", "slurm");
        var steps = new List<ClusterStep> { new("only", "one part", [new ClusterTask("part", [["inspect", "x.h5"]], [])], [], UsesModels: false) };
        var scripts = SlurmScripts.Write(slurm, "t", steps, new SlurmResources(), "/opt/decoding");
        Assert.DoesNotContain("#SBATCH --output", File.ReadAllText(scripts[0]));
        Assert.Contains("--output=\"$SLURM_DIR/logs/$step-%A_%a.log\"", File.ReadAllText(scripts[^1]));
        var plain = SlurmScripts.Write(folder.Sub("slurm"), "t", steps, new SlurmResources(), "/opt/decoding");
        Assert.Contains($"#SBATCH --output={folder.Sub("slurm")}/logs/only-%A_%a.log", File.ReadAllText(plain[0]));
    }
}
