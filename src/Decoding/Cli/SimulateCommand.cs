using System.CommandLine;
using System.Diagnostics;
using Fmri.Core.Runs;
using Fmri.Data.Layouts;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>`decoding simulate`: a simulated visual cortex viewing real images, written in a real lab layout (GOD BData or NSD).</summary>
public static class SimulateCommand
{
    /// <summary>Side of the Fashion-MNIST images, and of folder images when --image-size is not given.</summary>
    public const int NativeImageSize = 28;

    public static Command Create()
    {
        var defaults = new VisualCortexConfig();
        var output = new Option<string>("--out", "-o") { Description = "folder to write the simulated data set into", Required = true };
        var images = new Option<string>("--images") { Description = "stimulus images: 'fashion-mnist' (its experiment pool, t10k images 0-4,999) or a folder with one sub-folder of PNG/JPEG per category (in the bdata layout its images are numbered image_1, image_2, ... by category folder, then file name)", DefaultValueFactory = _ => StimulusSources.FashionMnistName };
        var layout = new Option<string>("--layout") { Description = "layout to write: bdata (as Generic Object Decoding files) or nsd (betas + mask + design; one subject, no pretraining pool)", DefaultValueFactory = _ => "bdata" };
        layout.AcceptOnlyFromAmong("bdata", "nsd");
        var seed = new Option<int>("--seed") { Description = "seed of the simulation", DefaultValueFactory = _ => 1 };
        var snr = new Option<double>("--snr") { Description = "single-trial signal-to-noise ratio (signal SD / noise SD) of a typical voxel", DefaultValueFactory = _ => defaults.SignalToNoise };
        var categories = new Option<int?>("--categories") { Description = "use only the first N categories of the pool, in label order (N >= 2; default: all)" };
        var train = new Option<int?>("--train") { Description = "training images in all, spread as evenly as possible over the training categories (instead of --train-per-category)" };
        var test = new Option<int?>("--test") { Description = "test images in all, spread as evenly as possible over the test categories (instead of --test-per-category)" };
        var trainPer = new Option<int?>("--train-per-category") { Description = $"training images per training category, each shown once (default {VisualCortexConfig.DefaultTrainImagesPerCategory}; GOD: 1,200 in all)" };
        var testPer = new Option<int?>("--test-per-category") { Description = $"test images per test category (default {VisualCortexConfig.DefaultTestImagesPerCategory}; GOD: 50 in all)" };
        var heldOut = new Option<int>("--held-out-test-categories") { Description = "out-of-category test: the test images come from K categories (a seeded choice) that contribute no training image; recorded in stimuli.h5", DefaultValueFactory = _ => 0 };
        var repeats = new Option<int>("--test-repeats") { Description = "presentations of each test image (GOD: 35)", DefaultValueFactory = _ => defaults.TestRepeats };
        var runs = new Option<int>("--train-runs") { Description = "runs the training images are spread over (GOD: 24)", DefaultValueFactory = _ => defaults.TrainRuns };
        var imageSize = new Option<int?>("--image-size") { Description = $"side of the stimulus images written to stimuli.h5, resampled without padding (default: the native size, {NativeImageSize} for Fashion-MNIST and for folders)" };
        var subjects = new Option<int>("--subjects") { Description = "subjects to simulate (sim-01.h5 ... with truth-01.h5 ...): the same stimuli and design, each its own voxel counts, maps, gains and noise", DefaultValueFactory = _ => 1 };
        var pretrainingPool = new Option<int>("--pretraining-pool") { Description = "also write pretraining-pool.h5: each subject's single-trial responses to M Fashion-MNIST images outside the experiment pool, all training samples (for pretrain-mbm)", DefaultValueFactory = _ => 0 };
        var subject = new Option<string>("--subject") { Description = "subject id written into the data (one subject only)", DefaultValueFactory = _ => defaults.Subject };

        var command = new Command("simulate", "Simulate a GOD-like fMRI session: pRF voxels in V1-V4 and category-tuned LOC voxels viewing real images, with noise and run effects")
        {
            output, images, layout, seed, snr, categories, train, test, trainPer, testPer, heldOut, repeats, runs, imageSize, subjects, pretrainingPool, subject,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "simulate");
            string source = parse.GetValue(images)!;
            bool nsd = parse.GetValue(layout) == "nsd";
            bool fashionMnist = string.Equals(source, StimulusSources.FashionMnistName, StringComparison.OrdinalIgnoreCase);
            var config = new VisualCortexConfig
            {
                Seed = parse.GetValue(seed),
                SignalToNoise = parse.GetValue(snr),
                Categories = parse.GetValue(categories),
                TrainImages = parse.GetValue(train),
                TestImages = parse.GetValue(test),
                TrainImagesPerCategory = parse.GetValue(trainPer),
                TestImagesPerCategory = parse.GetValue(testPer),
                HeldOutTestCategories = parse.GetValue(heldOut),
                TestRepeats = parse.GetValue(repeats),
                TrainRuns = parse.GetValue(runs),
                Subjects = parse.GetValue(subjects),
                PretrainingPoolSize = parse.GetValue(pretrainingPool),
                Subject = parse.GetValue(subject)!,
            };
            config.Validate();
            int? size = parse.GetValue(imageSize);
            Check.That(size is null or >= 8, "image_size", size, "must be >= 8");
            Check.That(config.Subjects == 1 || parse.GetResult(subject) is null or { Implicit: true }, "subject", config.Subject,
                "is for one subject; with several {subjects} they are named sim-01, sim-02, ...");
            Check.That(!nsd || config.Subjects == 1, "subjects", config.Subjects, "the nsd layout holds one subject; use --layout bdata for several");
            Check.That(!nsd || config.PretrainingPoolSize == 0, "pretraining_pool_size", config.PretrainingPoolSize, "is written in the bdata layout only");
            Check.That(fashionMnist || config.PretrainingPoolSize == 0, "pretraining_pool_size", config.PretrainingPoolSize,
                "needs {images} fashion-mnist: its pool comes from the Fashion-MNIST images outside the experiment pool");

            // Stimuli keep their native geometry unless --image-size asks for another side (resampled, never padded).
            var pool = StimulusSources.Load(source, size ?? NativeImageSize);
            if (size is int side) pool = pool.ResizeTo(side, side);
            if (!nsd && !fashionMnist) pool = NumberFolderImages(pool);
            var inputs = StimulusSources.InputFiles(source).ToList();
            StimulusImageSet? pretrainingImages = null;
            if (config.PretrainingPoolSize > 0)
            {
                var (modelImages, files, description) = FashionMnist.LoadModelImages(FashionMnist.DefaultFolder());
                pretrainingImages = size is int s ? modelImages.ResizeTo(s, s) : modelImages;
                inputs.AddRange(files.Except(inputs));
                Console.WriteLine($"pretraining pool drawn from {description}");
            }
            var sessions = ConsoleProgress.Run("simulate visual cortex", 1.0,
                p => new VisualCortexSimulator(config).SimulateSubjects(pool, pretrainingImages, new Progress<double>(f => p.Report(new ProgressUpdate(f)))));

            // Every file is written into a staging folder first and moved into place only when all of them are written,
            // run.json last, so an interrupted run never leaves a folder whose files come from two runs. Files an
            // earlier simulate run recorded and this one does not write (a subject fewer) are removed.
            var earlier = RunManifest.EarlierOutputs(folder, "simulate");
            string staging = Path.Combine(folder, StagingFolder);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            var outputs = new List<string>();
            try
            {
                var first = sessions[0];
                if (nsd)
                {
                    var files = SimulatedNsdExport.Write(first, staging, config.VoxelSizeMm);
                    outputs.AddRange([files.Betas, files.Mask, files.Design, files.Stimuli]);
                }
                else
                {
                    string stimuli = Path.Combine(staging, SimulatedFiles.Stimuli);
                    StimulusImageFile.Write(first.Stimuli, stimuli, first.HeldOutTestCategories);
                    outputs.Add(stimuli);
                    foreach (var session in sessions)
                    {
                        string bdata = Path.Combine(staging, SimulatedFiles.BDataFileName(session.Dataset.Subject));
                        BDataFile.Write(bdata, session.Dataset);
                        outputs.Add(bdata);
                        if (session.PretrainingPool is { } poolSession)
                        {
                            string poolFile = Path.Combine(staging, SimulatedFiles.PretrainingPoolFileName(session.Truth.SubjectIndex, sessions.Count));
                            BDataFile.Write(poolFile, poolSession.Dataset);
                            outputs.Add(poolFile);
                        }
                    }
                }
                foreach (var session in sessions)
                {
                    string truth = Path.Combine(staging, SimulatedFiles.TruthFileName(session.Truth.SubjectIndex, sessions.Count));
                    // In the NSD layout the stimuli are renamed nsd_00001, ...; the truth follows, so the ceiling finds them.
                    SimulationTruthFile.Write(nsd ? SimulatedNsdExport.TruthWithNsdIds(session) : session.Truth, truth);
                    outputs.Add(truth);
                }
                File.Delete(Path.Combine(folder, "run.json"));
                for (int i = 0; i < outputs.Count; i++)
                {
                    string final = Path.Combine(folder, Path.GetFileName(outputs[i]));
                    File.Move(outputs[i], final, overwrite: true);
                    outputs[i] = final;
                }
            }
            finally
            {
                Directory.Delete(staging, recursive: true);
            }
            RunManifest.RemoveStale(earlier, outputs);
            var seeds = new Dictionary<string, long> { ["simulation"] = config.Seed };
            foreach (var session in sessions.Skip(1)) seeds[$"subject_{session.Truth.SubjectIndex:D2}"] = session.Truth.Config.Seed;
            new RunManifest
            {
                Command = "simulate",
                Arguments = CommandLineApp.Arguments,
                Config = new { simulation = config, images = source, image_size = size, layout = parse.GetValue(layout) },
                Seeds = seeds,
                InputSha256 = RunManifest.HashInputs([.. inputs]),
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));
            foreach (var session in sessions)
            {
                var d = session.Dataset;
                string poolNote = session.PretrainingPool is { } p ? $", pretraining pool {p.Dataset.SampleCount} samples" : "";
                Console.WriteLine($"simulated {d.SampleCount} samples x {d.VoxelCount} voxels ({string.Join(", ", d.Rois.Where(r => r.Key is "V1" or "V2" or "V3" or "V4" or "LOC").Select(r => $"{r.Key} {r.Value.Length}"))}), subject {d.Subject}{poolNote}, in {clock.Elapsed.TotalSeconds:F1} s");
            }
            var stimulusSet = sessions[0].Stimuli;
            Console.WriteLine($"stimuli: {stimulusSet.Count} images of {stimulusSet.Height}x{stimulusSet.Width}");
            if (sessions[0].HeldOutTestCategories.Count > 0)
                Console.WriteLine($"held-out test categories (no training image): {string.Join(", ", sessions[0].HeldOutTestCategories)}");
            foreach (var f in outputs) Console.WriteLine($"wrote {f} ({new FileInfo(f).Length / 1024.0:F0} KiB)");
            return 0;
        }, new Dictionary<string, string>
        {
            ["train_images_per_category"] = "--train-per-category",
            ["test_images_per_category"] = "--test-per-category",
            ["train_images"] = "--train",
            ["test_images"] = "--test",
            ["signal_to_noise"] = "--snr",
            ["pretraining_pool_size"] = "--pretraining-pool",
        }));
        return command;
    }

    /// <summary>The folder inside --out that a run writes its files into before moving them into place.</summary>
    public const string StagingFolder = ".simulate-staging";

    /// <summary>
    /// Folder images carry path ids (<c>category/file.png</c>), which a BData file cannot store (its stimulus ids are
    /// numbers); in the bdata layout they are numbered <c>image_1</c>, <c>image_2</c>, ... in the order the folder is
    /// read: category sub-folders, then file names, both in ordinal order.
    /// </summary>
    public static StimulusImageSet NumberFolderImages(StimulusImageSet pool)
    {
        var ids = Enumerable.Range(1, pool.Count).Select(n => new Fmri.Data.StimulusId(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"image_{n}"))).ToArray();
        return new StimulusImageSet(pool.Pixels, pool.Count, pool.Height, pool.Width, pool.Channels, ids, pool.CategoryLabels, pool.CategoryNames);
    }
}
