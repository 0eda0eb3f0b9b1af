using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Decoding.LatentDiffusion;
using Fmri.Core.IO;
using Fmri.Core.Imaging;
using Fmri.Core.Runs;
using Fmri.Data.Simulation;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// `decoding generate`: samples images from a trained class-conditional latent diffusion model (a train-ldm folder).
/// With --prompt: one PNG per sample, a grid and run.json. With --quality-check N: N samples for every class, scored
/// by <see cref="ClassConsistency"/> (quality.json, a grid with a row per class, and the table on the console).
/// </summary>
public static class GenerateCommand
{
    public const string GridFile = "grid.png";
    public const string QualityFile = "quality.json";
    private const int GridColumns = 8;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder written by train-ldm", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "what to draw: a class name the model was trained on, e.g. \"sneaker\"" };
        var count = new Option<int>("--n", "--samples") { Description = "number of samples", DefaultValueFactory = _ => 16 };
        var sampler = new Option<string>("--sampler") { Description = "ddim, plms or ddpm", DefaultValueFactory = _ => "ddim" };
        sampler.AcceptOnlyFromAmong([.. Samplers.Names]);
        var steps = new Option<int>("--steps") { Description = "denoising steps", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale s (1: none; the README compares 3 and 5 on the small preset)", DefaultValueFactory = _ => 5.0 };
        var eta = new Option<double>("--eta") { Description = "DDIM's η (0: deterministic)", DefaultValueFactory = _ => 0.0 };
        var seed = CommonOptions.Seed();
        var output = new Option<string>("--out", "-o") { Description = "folder for the images and run.json", Required = true };
        var batch = new Option<int>("--batch-size", "--batch") { Description = "samples generated together", DefaultValueFactory = _ => 50 };
        var quality = new Option<int>("--quality-check") { Description = "instead of --prompt: generate N samples per class and report how many look most like their class's mean training image", DefaultValueFactory = _ => 0 };
        var noEma = new Option<bool>("--no-ema") { Description = "sample with the live weights instead of the EMA weights" };
        var threads = CommonOptions.Threads();

        var command = new Command("generate", "Generate images from a trained class-conditional latent diffusion model (prompt = class name)")
        {
            model, prompt, count, sampler, steps, guidance, eta, seed, output, batch, quality, noEma, threads,
        };
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: false);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            torchOptions.Apply(parse);
            string? text = parse.GetValue(prompt);
            int n = parse.GetValue(count), batchSize = parse.GetValue(batch), perClass = parse.GetValue(quality);
            Check.AtLeast(perClass, 0, "quality_check");
            Check.That((text is null) != (perClass == 0), "prompt", text is null ? null : $"'{text}'",
                "give either {prompt} \"<class name>\" or {quality_check} <samples per class>");
            Check.AtLeast(n, 1, "n");
            Check.AtLeast(batchSize, 1, "batch_size");
            var options = new SamplingOptions
            {
                Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                Steps = parse.GetValue(steps),
                GuidanceScale = parse.GetValue(guidance),
                Eta = parse.GetValue(eta),
            };
            options.Validate(int.MaxValue);
            string modelPath = Check.ExistingFolder(parse.GetValue(model), "model", "run train-ldm first");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "generate", (modelPath, "model"));
            long runSeed = parse.GetValue(seed);

            var modelFolder = new LatentDiffusionModelFolder(modelPath);
            var pipeline = modelFolder.LoadPipeline(useEmaWeights: !parse.GetValue(noEma));
            options.Validate(pipeline.Model.Config.Scheduler.NumTrainTimesteps);
            if (text is not null) pipeline.CheckPrompt(text);
            var generator = new Generator((ulong)runSeed);
            Directory.CreateDirectory(folder);

            List<string> outputs;
            object config;
            if (text is not null)
            {
                outputs = GeneratePrompt(pipeline, text, n, options, batchSize, generator, folder);
                config = new { model = modelPath, prompt = text, n, sampling = options, batch_size = batchSize, ema_weights = !parse.GetValue(noEma) };
                Console.WriteLine($"generated {n} image(s) of '{text}' in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}");
            }
            else
            {
                var reference = modelFolder.ReadTrainingImagesConsistency();
                var (result, files) = CheckQuality(pipeline, modelFolder, perClass, options, batchSize, generator, folder, reference);
                outputs = files;
                config = new { model = modelPath, quality_check = perClass, sampling = options, batch_size = batchSize, ema_weights = !parse.GetValue(noEma) };
                Console.WriteLine($"{"class",-14} {"samples",8} {"training images",16}");
                for (int k = 0; k < result.ClassNames.Count; k++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{result.ClassNames[k],-14} {result.PerClass[k],8:P1} {(reference is { } r && k < r.PerClass.Length ? r.PerClass[k].ToString("P1", CultureInfo.InvariantCulture) : "-"),16}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"class consistency: {result.Overall:P1} of {perClass * result.ClassNames.Count} samples are nearest to their prompted class's mean image (chance {1.0 / result.ClassNames.Count:P0}{(reference is { } all ? $"; the real training images: {all.Overall:P1}" : "")}); {clock.Elapsed.TotalSeconds:F1} s"));
            }
            new RunManifest
            {
                Command = "generate",
                Arguments = CommandLineApp.Arguments,
                Config = config,
                Seeds = new Dictionary<string, long> { ["sampling"] = runSeed },
                InputSha256 = RunManifest.HashInputs([.. modelFolder.ModelFiles]),
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));
            return 0;
        }));
        return command;
    }

    /// <summary>n samples of one prompt: sample_000.png, ... and a grid of 8 columns.</summary>
    private static List<string> GeneratePrompt(TextToImagePipeline pipeline, string prompt, int n, SamplingOptions options,
        int batchSize, Generator generator, string folder)
    {
        var outputs = new List<string>();
        var cells = new List<(float[] Pixels, int Height, int Width, int Channels)>();
        ConsoleProgress.Run($"generate '{prompt}'", n, progress =>
        {
            for (int start = 0; start < n; start += batchSize)
            {
                int size = Math.Min(batchSize, n - start);
                using var scope = NewDisposeScope();
                var images = pipeline.Generate(Enumerable.Repeat(prompt, size).ToList(), options, generator); // (b, C, S, S)
                for (int i = 0; i < size; i++)
                {
                    var cell = ImageTensors.ToHwcPixels(images[i]);
                    string path = Path.Combine(folder, $"sample_{start + i:D3}.png");
                    PngImage.Save(path, cell.Pixels, cell.Height, cell.Width, cell.Channels);
                    outputs.Add(path);
                    cells.Add(cell);
                }
                progress.Report(new ProgressUpdate(start + size));
            }
        });
        var grid = new ImageGrid(scale: 3, title: $"'{prompt}': {options.Sampler.ToString().ToLowerInvariant()} {options.Steps} steps, guidance {options.GuidanceScale.ToString(CultureInfo.InvariantCulture)}");
        for (int row = 0; row * GridColumns < cells.Count; row++)
            grid.AddRow($"{row * GridColumns}", cells.Skip(row * GridColumns).Take(GridColumns));
        string gridPath = Path.Combine(folder, GridFile);
        grid.Save(gridPath);
        outputs.Add(gridPath);
        return outputs;
    }

    /// <summary>The class-consistency measurement with a grid of the first 8 samples of every class.</summary>
    private static (ClassConsistencyResult Result, List<string> Files) CheckQuality(TextToImagePipeline pipeline, LatentDiffusionModelFolder modelFolder,
        int perClass, SamplingOptions options, int batchSize, Generator generator, string folder, (double Overall, double[] PerClass)? reference)
    {
        using var classMeans = modelFolder.ReadClassMeans();
        var kept = pipeline.ClassNames.Select(_ => new List<(float[] Pixels, int Height, int Width, int Channels)>()).ToList();
        var result = ConsoleProgress.Run("class consistency", (double)perClass * pipeline.ClassNames.Count, progress =>
            ClassConsistency.Measure(pipeline, classMeans, perClass, options, generator, batchSize, progress, (k, images) =>
            {
                for (int i = 0; i < images.shape[0] && kept[k].Count < GridColumns; i++)
                {
                    using var image = images[i];
                    kept[k].Add(ImageTensors.ToHwcPixels(image));
                }
            }));
        var grid = new ImageGrid(scale: 3, title: string.Create(CultureInfo.InvariantCulture, $"class consistency {result.Overall:P1} ({perClass} per class)"));
        for (int k = 0; k < kept.Count; k++)
            grid.AddRow(string.Create(CultureInfo.InvariantCulture, $"{pipeline.ClassNames[k]} {result.PerClass[k]:P0}"), kept[k]);
        string gridPath = Path.Combine(folder, GridFile);
        grid.Save(gridPath);
        string qualityPath = Path.Combine(folder, QualityFile);
        AtomicFile.WriteAllText(qualityPath, JsonSerializer.Serialize(new
        {
            result,
            sampling = options,
            training_images = reference is { } r ? new { overall = r.Overall, per_class = r.PerClass } : null,
        }, RunManifest.JsonOptions) + "\n");
        return (result, [gridPath, qualityPath]);
    }
}
