using System.CommandLine;
using System.Diagnostics;
using Decoding.Demo;
using Fmri.Core.IO;
using Fmri.Core.Runs;

using Fmri.Core.Torch;

namespace Decoding.Cli;

/// <summary>`decoding demo`: the README's main job — every stage of the study in order, resumable.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "run folder", DefaultValueFactory = _ => Path.Combine("results", "demo") };
        var preset = new Option<string>("--preset") { Description = "tiny (under a minute; used by CI) or small (the real demo: its image models as the repository ships them, then the brain side, decoding and evaluation)", DefaultValueFactory = _ => "small" };
        preset.AcceptOnlyFromAmong("tiny", "small");
        var seed = CommonOptions.Seed(1);
        var force = new Option<bool>("--force") { Description = "redo every stage even when its outputs exist" };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads for every model stage, run one after the other (default: the model stages run side by side, one thread each, as many at a time as chosen once at the start: one per core, or when the load average reaches the core count one per core that other processes leave free)" };
        var device = new Option<string?>("--device") { Description = "where every model stage runs: cpu or cuda (default: cpu)" };
        device.AcceptOnlyFromAmong([.. Fmri.Core.Torch.TorchDevice.Names]);
        var oneDnn = CommonOptions.OneDnnBackward();
        var design = new Option<string>("--design")
        {
            Description = "the simulated experiment: god-like (one GOD-shaped subject), held-out-categories (test categories never in training, as in GOD) or real-like (2 categories, 90/10 trials, 28x28)",
            DefaultValueFactory = _ => "god-like",
        };
        design.AcceptOnlyFromAmong([.. DemoPlan.Designs.Select(d => d.Name)]);
        var imageModels = new Option<string?>("--image-models")
        {
            Description = "a finished demo folder whose scoring classifier, VAE and LDM to use instead of training them (they do not depend on the fMRI)",
        };
        var trainImageModels = new Option<bool>("--train-image-models")
        {
            Description = $"train the scoring classifier, VAE and LDM here instead of starting from those the repository ships for the preset (data/{PretrainedImageModels.FolderName}/<preset>; used only when trained by the commands this demo would run)",
        };
        var allRoutes = new Option<bool>("--all-routes")
        {
            Description = "decode every route, the stand-alone semantic route too where the design leaves it out for the demo's time (god-like)",
        };
        var command = new Command("demo", "Run the whole study on the shipped data (simulate, preprocess; the shipped or newly trained classifier, VAE and LDM; brain autoencoder, adapter; decode; evaluate; report), stage by stage and resumable")
        {
            output, preset, seed, force, threads, device, oneDnn, design, imageModels, trainImageModels, allRoutes,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string folder = Check.OutputFolder(parse.GetValue(output), "out");
            if (parse.GetValue(threads) is int given) Check.AtLeast(given, 1, "threads");
            string? reuse = parse.GetValue(imageModels) is { } im ? Check.ExistingFolder(im, "image_models", "run the demo there first") : null;
            bool train = parse.GetValue(trainImageModels);
            Check.That(!(train && reuse is not null), "train_image_models", null, "cannot be combined with --image-models; give one of them");
            if (reuse is not null)
                foreach (var model in new[] { "classifier", "vae", "ldm" })   // ldm-1200 only in two-stage runs
                    Check.That(File.Exists(Path.Combine(reuse, "models", model, "run.json")), "image_models", reuse,
                        $"has no finished {model} stage (models/{model}/run.json): name a demo folder that trained its image models (--train-image-models), or leave --image-models out to use the shipped ones");
            int sideBySide = 1;
            int? sideBySideThreads = null;
            if (parse.GetValue(threads) is null)
            {
                // How many model stages (training and decoding) run at once, chosen before any stage adds to the load; each
                // runs one libtorch thread: these small models gain little from a second thread (README, "Performance"),
                // while two stages side by side use both cores. The stages'
                // command lines, and so their results, do not depend on the choice.
                var choice = ThreadDefault.Choose(null, Environment.ProcessorCount, ThreadDefault.ReadLoadAverage(), () => TorchSetup.BusyCoresNow(windows: 8));
                TorchSetup.ProcessDefault = choice with { Reason = $"chosen once by the demo at its start: {choice.Reason}" };
                sideBySide = choice.Threads;
                sideBySideThreads = 1;
                Console.WriteLine($"demo: model stages {(sideBySide > 1 ? $"side by side, {sideBySide} at a time, " : "one after the other, ")}one libtorch thread each "
                    + $"({choice.Reason}; --threads N runs them one after the other with N threads)");
            }
            IReadOnlyList<DemoStage> Plan(string? models) => DemoPlan.Stages(folder, parse.GetValue(preset)!, parse.GetValue(seed), parse.GetValue(threads),
                parse.GetValue(device), parse.GetValue(oneDnn), parse.GetValue(design)!, models, sideBySideThreads, parse.GetValue(allRoutes));
            var imageModelSource = PretrainedImageModels.Choose(parse.GetValue(preset)!, reuse, train, () => Plan(null));
            reuse = imageModelSource.Folder;
            Console.WriteLine(reuse is null
                ? $"demo: scoring classifier, VAE and LDM trained here ({imageModelSource.Reason})"
                : $"demo: scoring classifier, VAE and LDM from {Path.GetFullPath(reuse)} ({imageModelSource.Reason})");
            var stages = Plan(reuse);
            if (reuse is not null)
            {
                // The stages that read the reused models run again when those models change under the same paths.
                string fingerprint = PretrainedImageModels.Fingerprint(reuse);
                string models = Path.GetFullPath(Path.Combine(reuse, "models")) + Path.DirectorySeparatorChar;
                stages = [.. stages.Select(s => s.Arguments.Any(a => Path.GetFullPath(a).StartsWith(models, StringComparison.Ordinal)) ? s with { InputsFingerprint = fingerprint } : s)];
            }
            try
            {
                var settings = new DemoSettings(parse.GetValue(preset)!, parse.GetValue(seed), parse.GetValue(design)!, parse.GetValue(force), train,
                    parse.GetValue(threads), parse.GetValue(device), parse.GetValue(oneDnn), parse.GetValue(allRoutes));
                return Run(folder, stages, parse.GetValue(force), CommandLineApp.Arguments, sideBySide, imageModelSource, settings);
            }
            finally
            {
                TorchSetup.ProcessDefault = null;
            }
        }));
        return command;
    }

    /// <summary>
    /// Runs the stages in the plan's order (side-by-side ones as soon as what they need is done); a failing stage stops
    /// the demo with its exit code. A stage runs again when it has not
    /// finished with its command line, or when a stage whose outputs it reads (<see cref="DemoStage.Needs"/>) runs
    /// again; the others are skipped. With <paramref name="sideBySide"/> above 1, the stages to run in each block of
    /// neighbouring <see cref="DemoStage.SideBySide"/> stages run as child processes, up to that many at a time
    /// (<see cref="StageProcess"/>); otherwise every stage runs in this process.
    /// </summary>
    /// <param name="imageModels">Where the scoring classifier, VAE and LDM come from (recorded in run.json, with the SHA-256
    /// of every file of a reused models folder); null: not said.</param>
    /// <param name="settings">The demo's own options (recorded in run.json, its seed under seeds); null: not said.</param>
    public static int Run(string folder, IReadOnlyList<DemoStage> stages, bool force, IReadOnlyList<string> arguments, int sideBySide = 1,
        ImageModelSource? imageModels = null, DemoSettings? settings = null)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(Path.Combine(folder, "stages"));
        var times = new Dictionary<string, double>();
        var program = sideBySide > 1 ? StageProcess.ThisProgram() : null;
        var needs = stages.Select((s, k) => s.Needs(stages.Take(k))).ToList();
        var redo = new HashSet<string>();
        for (int k = 0; k < stages.Count; k++)
            if (force || !stages[k].IsComplete(folder) || needs[k].Any(redo.Contains)) redo.Add(stages[k].Name);
        var starts = new StageStarts(folder, stages, needs, redo, force);
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            string header = $"[{i + 1}/{stages.Count}] {stage.Name}: {stage.Description}";
            if (!redo.Contains(stage.Name))
            {
                Console.WriteLine($"{header} (done earlier; --force redoes it)");
                continue;
            }
            if (program is { } self && stage.SideBySide)
            {
                int end = i;
                while (end < stages.Count && stages[end].SideBySide) end++;
                var block = Enumerable.Range(i, end - i).Where(k => redo.Contains(stages[k].Name)).ToList();
                foreach (int k in Enumerable.Range(i, end - i).Except(block))
                    Console.WriteLine($"[{k + 1}/{stages.Count}] {stages[k].Name}: {stages[k].Description} (done earlier; --force redoes it)");
                int failed = RunSideBySide(folder, stages, block, needs, sideBySide, self, times, starts);
                if (failed != 0) return failed;
                i = end - 1;
                continue;
            }
            Console.WriteLine(header);
            var run = starts.Arguments(stage, out string? note);
            if (note is not null) Console.WriteLine($"  {note}");
            Console.WriteLine($"  $ {DemoStage.Quote(run)}");
            var stageClock = Stopwatch.StartNew();
            int exit = CommandLineApp.Run([.. run]);
            times[stage.Name] = stageClock.Elapsed.TotalSeconds;
            if (exit != 0)
            {
                starts.Failed(stage);
                Console.Error.WriteLine($"error: demo stage '{stage.Name}' failed (exit {exit}); fix it and rerun: finished stages are kept");
                return exit;
            }
            AtomicFile.WriteAllText(stage.MarkerPath(folder), stage.MarkerText + "\n");
            Console.WriteLine($"  {stage.Name} took {times[stage.Name]:F1} s");
        }
        new RunManifest
        {
            Command = "demo",
            Arguments = arguments,
            Config = new { settings, side_by_side = sideBySide, image_models = imageModels, stages = stages.Select((s, k) => new
            {
                s.Name,
                command = s.CommandLine,
                seconds = times.GetValueOrDefault(s.Name, double.NaN),
                side_by_side = s.SideBySide && sideBySide > 1,
                needs = needs[k],
            }) },
            Seeds = settings is null ? new Dictionary<string, long>() : new Dictionary<string, long> { ["seed"] = settings.Seed },
            InputSha256 = imageModels?.Folder is { } reused
                ? RunManifest.HashInputs([.. PretrainedImageModels.LoadedFiles(reused)])
                : new Dictionary<string, string>(),
            Outputs = stages.SelectMany(s => s.Outputs).ToList(),
            StartedUtc = started,
            WallSeconds = clock.Elapsed.TotalSeconds,
        }.Write(Path.Combine(folder, "run.json"));
        Console.WriteLine($"demo finished in {clock.Elapsed.TotalSeconds:F0} s: {folder}");
        return 0;
    }

    /// <summary>
    /// Runs the stages at <paramref name="indices"/> as child processes, <paramref name="atOnce"/> at a time: each starts,
    /// in list order, once those of them it needs (<paramref name="needs"/>) have finished; each finished stage gets its marker.
    /// After a failure no further stage starts; the running ones finish and are kept. Returns 0, or the first failing
    /// stage's exit code.
    /// </summary>
    private static int RunSideBySide(string folder, IReadOnlyList<DemoStage> stages, IReadOnlyList<int> indices, IReadOnlyList<IReadOnlyList<string>> needs,
        int atOnce, (string FileName, string[] Prefix) program, Dictionary<string, double> times, StageStarts starts)
    {
        var gate = new Lock();
        void Write(string stage, string line, bool error)
        {
            lock (gate) (error ? Console.Error : Console.Out).WriteLine($"  [{stage}] {line}");
        }
        // Only the stages of this block can be unfinished: the others finished earlier, or before the block started.
        var names = indices.Select(k => stages[k].Name).ToHashSet();
        var waitsFor = indices.Select(k => needs[k].Where(names.Contains).ToList()).ToList();
        var pending = Enumerable.Range(0, indices.Count).ToList();
        var finished = new HashSet<string>();
        var running = new List<(StageProcess Child, Task<(int Exit, double Seconds)> Done)>();
        int failure = 0;
        try
        {
            while (running.Count > 0 || (pending.Count > 0 && failure == 0))
            {
                while (failure == 0 && running.Count < atOnce && pending.FirstOrDefault(k => waitsFor[k].All(finished.Contains), -1) is var ready and >= 0)
                {
                    pending.Remove(ready);
                    var stage = stages[indices[ready]];
                    var arguments = starts.Arguments(stage, out string? note);
                    lock (gate)
                    {
                        string after = waitsFor[ready].Count > 0 ? $", after {string.Join(", ", waitsFor[ready])}" : "";
                        Console.WriteLine($"[{indices[ready] + 1}/{stages.Count}] {stage.Name}: {stage.Description} (as its own process, up to {atOnce} at a time{after})");
                        if (note is not null) Console.WriteLine($"  {note}");
                        Console.WriteLine($"  $ {DemoStage.Quote(arguments)}");
                    }
                    var child = StageProcess.Start(stage, arguments, program, (line, error) => Write(stage.Name, line, error));
                    running.Add((child, Task.Run(child.Wait)));
                }
                // Stages need only earlier ones, so the first pending stage is ready once nothing runs.
                if (running.Count == 0) break;
                int index = Task.WaitAny([.. running.Select(r => (Task)r.Done)]);
                var (done, result) = (running[index].Child, running[index].Done.Result);
                running.RemoveAt(index);
                done.Dispose();
                times[done.Stage.Name] = result.Seconds;
                lock (gate)
                {
                    if (result.Exit != 0)
                    {
                        starts.Failed(done.Stage);
                        Console.Error.WriteLine($"error: demo stage '{done.Stage.Name}' failed (exit {result.Exit}); fix it and rerun: finished stages are kept");
                        if (failure == 0) failure = result.Exit;
                        continue;
                    }
                    AtomicFile.WriteAllText(done.Stage.MarkerPath(folder), done.Stage.MarkerText + "\n");
                    finished.Add(done.Stage.Name);
                    Console.WriteLine($"  {done.Stage.Name} took {result.Seconds:F1} s");
                }
            }
            return failure;
        }
        finally
        {
            foreach (var (child, _) in running) child.Dispose();
        }
    }
}

/// <summary>The demo's own options, as run.json records them (each stage's run.json records its own command line).</summary>
public sealed record DemoSettings(string Preset, long Seed, string Design, bool Force, bool TrainImageModels, int? Threads, string? Device, string? OneDnnBackward,
    bool AllRoutes = false);
