using System.CommandLine;
using System.Diagnostics;
using Fmri.Core.Runs;
using Fmri.Data.Layouts;
using Fmri.Data.Simulation;

namespace Decoding.Cli;

/// <summary>`decoding simulate`: a simulated visual cortex viewing real images, written in a real lab layout (GOD BData or NSD).</summary>
public static class SimulateCommand
{
    /// <summary>The BData file is named after the subject, as GOD's files are (Subject3.h5), so readers recover the subject from it.</summary>
    public static string BDataFileName(string subject) => $"{subject}.h5";

    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "folder to write the simulated data set into", Required = true };
        var images = new Option<string>("--images") { Description = "stimulus images: 'fashion-mnist' or a folder with one sub-folder of PNG/JPEG per category", DefaultValueFactory = _ => StimulusSources.FashionMnistName };
        var layout = new Option<string>("--layout") { Description = "layout to write: bdata (as Generic Object Decoding files) or nsd (betas + mask + design)", DefaultValueFactory = _ => "bdata" };
        layout.AcceptOnlyFromAmong("bdata", "nsd");
        var seed = new Option<int>("--seed") { Description = "seed of the simulation", DefaultValueFactory = _ => 1 };
        var snr = new Option<double>("--snr") { Description = "single-trial signal-to-noise ratio (signal SD / noise SD) of a typical voxel", DefaultValueFactory = _ => new VisualCortexConfig().SignalToNoise };
        var train = new Option<int>("--train-per-category") { Description = "training images per category, each shown once (GOD: 1,200 in all)", DefaultValueFactory = _ => new VisualCortexConfig().TrainImagesPerCategory };
        var test = new Option<int>("--test-per-category") { Description = "test images per category (GOD: 50 in all)", DefaultValueFactory = _ => new VisualCortexConfig().TestImagesPerCategory };
        var repeats = new Option<int>("--test-repeats") { Description = "presentations of each test image (GOD: 35)", DefaultValueFactory = _ => new VisualCortexConfig().TestRepeats };
        var runs = new Option<int>("--train-runs") { Description = "runs the training images are spread over (GOD: 24)", DefaultValueFactory = _ => new VisualCortexConfig().TrainRuns };
        var subject = new Option<string>("--subject") { Description = "subject id written into the data", DefaultValueFactory = _ => new VisualCortexConfig().Subject };

        var command = new Command("simulate", "Simulate a GOD-like fMRI session: pRF voxels in V1-V4 and category-tuned LOC voxels viewing real images, with noise and run effects")
        {
            output, images, layout, seed, snr, train, test, repeats, runs, subject,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string folder = Check.OutputFolder(parse.GetValue(output), "out");
            string source = parse.GetValue(images)!;
            var config = new VisualCortexConfig
            {
                Seed = parse.GetValue(seed),
                SignalToNoise = parse.GetValue(snr),
                TrainImagesPerCategory = parse.GetValue(train),
                TestImagesPerCategory = parse.GetValue(test),
                TestRepeats = parse.GetValue(repeats),
                TrainRuns = parse.GetValue(runs),
                Subject = parse.GetValue(subject)!,
            };
            config.Validate();
            var pool = StimulusSources.Load(source);
            var session = ConsoleProgress.Run("simulate visual cortex", 1.0,
                p => new VisualCortexSimulator(config).Simulate(pool, new Progress<double>(f => p.Report(new ProgressUpdate(f)))));

            Directory.CreateDirectory(folder);
            var outputs = new List<string>();
            if (parse.GetValue(layout) == "nsd")
            {
                var files = SimulatedNsdExport.Write(session, folder, config.VoxelSizeMm);
                outputs.AddRange([files.Betas, files.Mask, files.Design, files.Stimuli]);
            }
            else
            {
                string bdata = Path.Combine(folder, BDataFileName(config.Subject));
                BDataFile.Write(bdata, session.Dataset);
                string stimuli = Path.Combine(folder, "stimuli.h5");
                session.Stimuli.Write(stimuli);
                outputs.AddRange([bdata, stimuli]);
            }
            string truth = Path.Combine(folder, "truth.h5");
            SimulationTruthFile.Write(session.Truth, truth);
            outputs.Add(truth);
            new RunManifest
            {
                Command = "simulate",
                Arguments = Environment.GetCommandLineArgs().Skip(1).ToList(),
                Config = config,
                Seeds = new Dictionary<string, long> { ["simulation"] = config.Seed },
                InputSha256 = RunManifest.HashInputs(StimulusSources.InputFiles(source)),
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));
            var d = session.Dataset;
            Console.WriteLine($"simulated {d.SampleCount} samples x {d.VoxelCount} voxels ({string.Join(", ", d.Rois.Where(r => r.Key is "V1" or "V2" or "V3" or "V4" or "LOC").Select(r => $"{r.Key} {r.Value.Length}"))}), subject {d.Subject}, in {clock.Elapsed.TotalSeconds:F1} s");
            foreach (var f in outputs) Console.WriteLine($"wrote {f} ({new FileInfo(f).Length / 1024.0:F0} KiB)");
            return 0;
        }, new Dictionary<string, string>
        {
            ["train_images_per_category"] = "--train-per-category",
            ["test_images_per_category"] = "--test-per-category",
            ["signal_to_noise"] = "--snr",
        }));
        return command;
    }
}
