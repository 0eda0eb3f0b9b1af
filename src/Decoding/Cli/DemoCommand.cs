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
        var preset = new Option<string>("--preset") { Description = "tiny (under a minute; used by CI) or small (the real demo, about 14 minutes on 2 cores)", DefaultValueFactory = _ => "small" };
        preset.AcceptOnlyFromAmong("tiny", "small");
        var seed = CommonOptions.Seed(1);
        var force = new Option<bool>("--force") { Description = "redo every stage even when its outputs exist" };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads for every model stage (default: chosen once at the start: one per core, or when the load average reaches the core count one per core that other processes leave free)" };
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
        var command = new Command("demo", "Run the whole study on the shipped data (simulate, preprocess, train classifier, VAE, LDM, brain autoencoder, adapter; decode; evaluate; report), stage by stage and resumable")
        {
            output, preset, seed, force, threads, device, oneDnn, design, imageModels,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string folder = Check.OutputFolder(parse.GetValue(output), "out");
            string? reuse = parse.GetValue(imageModels) is { } im ? Check.ExistingFolder(im, "image_models", "run the demo there first") : null;
            if (reuse is not null)
                foreach (var model in new[] { "classifier", "vae", "ldm" })
                    Check.That(File.Exists(Path.Combine(reuse, "models", model, "run.json")), "image_models", reuse,
                        $"has no finished {model} stage (models/{model}/run.json); run the demo there first");
            if (parse.GetValue(threads) is null)
            {
                // One thread count for every stage of this run, chosen before any stage adds to the load.
                var choice = ThreadDefault.Choose(null, Environment.ProcessorCount, ThreadDefault.ReadLoadAverage(), () => TorchSetup.BusyCoresNow(windows: 8));
                TorchSetup.ProcessDefault = choice with { Reason = $"chosen once by the demo at its start: {choice.Reason}" };
                Console.WriteLine($"demo: {choice.Threads} libtorch thread(s) for every stage ({choice.Reason}; --threads sets it)");
            }
            var stages = DemoPlan.Stages(folder, parse.GetValue(preset)!, parse.GetValue(seed), parse.GetValue(threads),
                parse.GetValue(device), parse.GetValue(oneDnn), parse.GetValue(design)!, reuse);
            try
            {
                return Run(folder, stages, parse.GetValue(force), Environment.GetCommandLineArgs().Skip(1).ToList());
            }
            finally
            {
                TorchSetup.ProcessDefault = null;
            }
        }));
        return command;
    }

    /// <summary>Runs the stages in order; a failing stage stops the demo with its exit code.</summary>
    public static int Run(string folder, IReadOnlyList<DemoStage> stages, bool force, IReadOnlyList<string> arguments)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(Path.Combine(folder, "stages"));
        var times = new Dictionary<string, double>();
        bool upstreamRedone = false; // a redone stage changes the inputs of every later stage, so they are redone too
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            string header = $"[{i + 1}/{stages.Count}] {stage.Name}: {stage.Description}";
            if (!force && !upstreamRedone && stage.IsComplete(folder))
            {
                Console.WriteLine($"{header} (done earlier; --force redoes it)");
                continue;
            }
            Console.WriteLine(header);
            Console.WriteLine($"  $ {stage.CommandLine}");
            upstreamRedone = true;
            var stageClock = Stopwatch.StartNew();
            int exit = CommandLineApp.Run([.. stage.Arguments]);
            times[stage.Name] = stageClock.Elapsed.TotalSeconds;
            if (exit != 0)
            {
                Console.Error.WriteLine($"error: demo stage '{stage.Name}' failed (exit {exit}); fix it and rerun: finished stages are kept");
                return exit;
            }
            AtomicFile.WriteAllText(stage.MarkerPath(folder), stage.CommandLine + "\n");
            Console.WriteLine($"  {stage.Name} took {times[stage.Name]:F1} s");
        }
        new RunManifest
        {
            Command = "demo",
            Arguments = arguments,
            Config = new { stages = stages.Select(s => new { s.Name, command = s.CommandLine, seconds = times.GetValueOrDefault(s.Name, double.NaN) }) },
            Outputs = stages.SelectMany(s => s.Outputs).ToList(),
            StartedUtc = started,
            WallSeconds = clock.Elapsed.TotalSeconds,
        }.Write(Path.Combine(folder, "run.json"));
        Console.WriteLine($"demo finished in {clock.Elapsed.TotalSeconds:F0} s: {folder}");
        return 0;
    }
}
