using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding decode</c>: K images per test item from a trained fMRI-to-image model (<c>train-adapter</c> folder):
/// PNG files, decoded.h5, grid.png and run.json. <c>--shuffle-fmri</c> is the shuffled-fMRI control.
/// </summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var modelDir = new Option<string?>("--model") { Description = "train-adapter output folder" };
        var data = new Option<string?>("--data") { Description = "Preprocessed canonical fMRI file" };
        var stimuli = new Option<string?>("--stimuli") { Description = "Stimulus image set (HDF5) with the ground-truth images" };
        var output = new Option<string?>("--out") { Description = "Output folder" };
        var samples = new Option<int>("--samples") { Description = "Images per item (MinD-Vis: 5)", DefaultValueFactory = _ => 5 };
        var sampler = new Option<string>("--sampler") { Description = "plms | ddim | ddpm (MinD-Vis: plms)", DefaultValueFactory = _ => "plms" };
        var steps = new Option<int>("--steps") { Description = "Denoising steps (MinD-Vis: 250)", DefaultValueFactory = _ => 250 };
        var guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale (1 = none, MinD-Vis)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Seed of the sampling noise (and of the --shuffle-fmri permutation)", DefaultValueFactory = _ => 2022 };
        var split = new Option<string>("--split") { Description = "Which samples: test | test-imagery | train", DefaultValueFactory = _ => "test" };
        var shuffle = new Option<bool>("--shuffle-fmri") { Description = "Control: permute the fMRI rows relative to the stimuli (seeded)" };
        var threads = CommonOptions.Threads();

        var command = new Command("decode", "Decode images from fMRI with a trained model: PNGs, decoded.h5, grid.png");
        foreach (var option in new Option[] { modelDir, data, stimuli, output, samples, sampler, steps, guidance, seed, split, shuffle, threads })
            command.Options.Add(option);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string model = Check.ExistingFolder(parse.GetValue(modelDir), "model", "run train-adapter first");
            string dataFile = Check.ExistingFile(parse.GetValue(data), "data");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out");
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var settings = new DecodingSettings
            {
                Samples = parse.GetValue(samples),
                Sampling = new SamplingOptions
                {
                    Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                    Steps = parse.GetValue(steps),
                    GuidanceScale = parse.GetValue(guidance),
                },
                Seed = parse.GetValue(seed),
                Split = Check.OneOf(parse.GetValue(split), Splits, "split"),
                ShuffleFmri = parse.GetValue(shuffle),
            };
            settings.Validate();

            var (dcLdm, firstStage) = new DoubleConditionedLdmFolder(model).Load();
            var attributes = new Dictionary<string, object>
            {
                ["sampler"] = parse.GetValue(sampler)!,
                ["steps"] = settings.Sampling.Steps,
                ["guidance"] = settings.Sampling.GuidanceScale,
                ["seed"] = settings.Seed,
                ["samples"] = settings.Samples,
                ["split"] = parse.GetValue(split)!,
                ["shuffle_fmri"] = settings.ShuffleFmri ? 1 : 0,
                ["model"] = Path.GetFullPath(model),
                ["data"] = Path.GetFullPath(dataFile),
                ["stimuli"] = Path.GetFullPath(stimuliFile),
                ["brain_encoder_include_test_fmri"] = dcLdm.Config.BrainEncoder.IncludeTestFmri ? 1 : 0,
            };
            var (images, items, order) = ConsoleProgress.Run("decoding", 1, _ =>
                DecodingRun.Run(dcLdm, firstStage, CanonicalFile.Read(dataFile), dataFile, StimulusImageSet.Read(stimuliFile), stimuliFile,
                    settings, outDir, attributes));
            images.Dispose();

            new RunManifest
            {
                Command = "decode",
                Arguments = Environment.GetCommandLineArgs().Skip(1).ToArray(),
                Config = new
                {
                    Settings = settings,
                    Items = items.Count,
                    ShuffleFmri = settings.ShuffleFmri,
                    FmriOrder = settings.ShuffleFmri ? order : null,
                    Model = Path.GetFullPath(model),
                    BrainEncoderIncludedTestFmri = dcLdm.Config.BrainEncoder.IncludeTestFmri,
                },
                Seeds = new Dictionary<string, long> { ["seed"] = settings.Seed },
                InputSha256 = RunManifest.HashInputs(dataFile, stimuliFile,
                    Path.Combine(model, $"{DoubleConditionedLdmFolder.CheckpointName}.safetensors")),
                Outputs = [DecodedImagesFile.FileName, DecodingRun.GridFile, "<stimulus_id>_<k>.png"],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"decode: {items.Count} items x {settings.Samples} images{(settings.ShuffleFmri ? " (shuffled fMRI)" : "")}; {clock.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return 0;
        }));
        return command;
    }

    private static readonly Dictionary<string, DataSplit> Splits = new()
    {
        ["test"] = DataSplit.Test,
        ["test-imagery"] = DataSplit.TestImagery,
        ["train"] = DataSplit.Train,
    };
}
