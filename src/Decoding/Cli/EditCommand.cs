using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Decoding.Editing;
using Decoding.LatentDiffusion;
using Fmri.Core.IO;
using Fmri.Core.Imaging;
using Fmri.Core.Runs;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// `decoding edit`: Prompt-to-Prompt edits of a label-LDM image. The source prompt (a category name) and its edits
/// (word swaps, refinements, re-weightings) are generated from the same noise with the source's attention maps injected
/// into the edits' first steps. Writes grid.png (a row per sample: source, edits, and with --plain each edited prompt
/// without injection), one PNG per image, edit.json (what each edit keeps and which class it shows) and run.json.
/// </summary>
public static class EditCommand
{
    public const string GridFile = "grid.png";
    public const string MeasuresFile = "edit.json";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder written by train-ldm", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "the source prompt, a class name the model was trained on, e.g. \"ankle boot\"", Required = true };
        var swap = CommonOptions.Files("--swap", "word swap: the prompt with words replaced, e.g. \"sneaker\" (the source's maps carry over)");
        var refine = CommonOptions.Files("--refine", "refinement: the prompt with words added, e.g. \"ankle boot\" from \"boot\" (added words keep their own maps)");
        var reweight = CommonOptions.Files("--reweight", "re-weighting: WORD=FACTOR scales that word's cross-attention maps, e.g. ankle=0 or ankle=2");
        var crossSteps = new Option<double>("--cross-steps") { Description = "τ_c: share of the steps with the source's cross-attention maps injected", DefaultValueFactory = _ => InjectionSchedule.Default.CrossFraction };
        var selfSteps = new Option<double>("--self-steps") { Description = "τ_s: share of the steps with the source's self-attention maps injected", DefaultValueFactory = _ => InjectionSchedule.Default.SelfFraction };
        var plain = new Option<bool>("--plain") { Description = "also generate each edited prompt without injection (same noise), for comparison" };
        var count = new Option<int>("--n", "--samples") { Description = "samples (rows of the grid), each from its own noise", DefaultValueFactory = _ => 4 };
        var sampler = new Option<string>("--sampler") { Description = "ddim or plms (deterministic: the source and its edits must see the same noise)", DefaultValueFactory = _ => "ddim" };
        var steps = new Option<int>("--steps") { Description = "denoising steps", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale s (1: none)", DefaultValueFactory = _ => 5.0 };
        var seed = CommonOptions.Seed();
        var output = new Option<string>("--out", "-o") { Description = "folder for the grid, images, edit.json and run.json", Required = true };
        var noEma = new Option<bool>("--no-ema") { Description = "sample with the live weights instead of the EMA weights" };
        var threads = CommonOptions.Threads();

        var command = new Command("edit", "Prompt-to-Prompt editing of label-LDM images: word swap, refinement, re-weighting, from the same seed")
        {
            model, prompt, swap, refine, reweight, crossSteps, selfSteps, plain, count, sampler, steps, guidance, seed, output, noEma, threads,
        };
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: false);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string source = parse.GetValue(prompt)!;
            var edits = new List<PromptEdit>();
            edits.AddRange((parse.GetValue(swap) ?? []).Select(PromptEdit.Swap));
            edits.AddRange((parse.GetValue(refine) ?? []).Select(PromptEdit.Refine));
            edits.AddRange((parse.GetValue(reweight) ?? []).Select(r => PromptEdit.ParseReweight(source, r)));
            Check.That(edits.Count > 0, "swap", null, "no edit given: use --swap, --refine or --reweight (one or more)");
            var schedule = new InjectionSchedule(parse.GetValue(crossSteps), parse.GetValue(selfSteps)).Validate();
            int n = Check.AtLeast(parse.GetValue(count), 1, "n");
            var options = new SamplingOptions
            {
                Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                Steps = parse.GetValue(steps),
                GuidanceScale = parse.GetValue(guidance),
            };
            options.Validate(int.MaxValue);
            Check.That(options.Sampler != SamplerKind.Ddpm, "sampler", parse.GetValue(sampler),
                "draws noise at every step, which would differ between the source and its edits; use ddim or plms");
            string modelPath = Check.ExistingFolder(parse.GetValue(model), "model", "run train-ldm first");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "edit", (modelPath, "model"));
            long runSeed = parse.GetValue(seed);
            torchOptions.Apply(parse);

            var modelFolder = new LatentDiffusionModelFolder(modelPath);
            var pipeline = modelFolder.LoadPipeline(useEmaWeights: !parse.GetValue(noEma));
            options.Validate(pipeline.Model.Config.Scheduler.NumTrainTimesteps);
            var editor = new PromptEditor(pipeline);
            editor.Compile(source, edits);                                 // every edit checked before any sampling
            using var classMeans = modelFolder.ReadClassMeans();
            bool withPlain = parse.GetValue(plain);

            using var generator = new Generator((ulong)runSeed);
            using var images = ConsoleProgress.Run("Prompt-to-Prompt edits", n, progress =>
                editor.Edit(source, edits, schedule, options, generator, n, withPlain,
                    new Progress<int>(k => progress.Report(new ProgressUpdate(k)))));   // (n, columns, C, S, S)

            var columns = new List<(string Label, string File, string? ExpectedClass)> { ("source", "source", source) };
            columns.AddRange(edits.Select((e, i) => (e.Label, $"edit{i + 1}", (string?)e.Target)));
            if (withPlain) columns.AddRange(edits.Select((e, i) => ($"plain: {e.Target}", $"plain{i + 1}", (string?)e.Target)));

            // Everything is measured before anything is written; the run's files then replace an earlier edit's in this
            // folder as a set (RunManifest.ReplaceRun).
            var measures = Measure(images, columns, pipeline.ClassNames, classMeans);
            // How much this model's images depend on its attention maps at all: the lever the edits pull.
            var leverage = AttentionLeverage.Measure(pipeline, Enumerable.Repeat(source, n).ToList(), options, runSeed);

            var outputs = new List<string>();
            for (int k = 0; k < n; k++)
                for (int c = 0; c < columns.Count; c++) outputs.Add(Path.Combine(folder, $"{k:D2}-{columns[c].File}.png"));
            string gridPath = Path.Combine(folder, GridFile);
            string measuresPath = Path.Combine(folder, MeasuresFile);
            outputs.AddRange([gridPath, measuresPath]);
            RunManifest.ReplaceRun(folder, outputs, () =>
            {
                var grid = new ImageGrid(scale: Math.Max(1, 96 / (int)images.shape[^1]),
                    title: string.Create(CultureInfo.InvariantCulture, $"'{source}': cross-attention injected {schedule.CrossFraction:G3}, self-attention {schedule.SelfFraction:G3} of {options.Steps} {options.Sampler.ToString().ToLowerInvariant()} steps, guidance {options.GuidanceScale:G3}"),
                    columnHeaders: columns.Select(c => c.Label).ToList());
                for (int k = 0; k < n; k++)
                {
                    var cells = new List<(float[], int, int, int)>();
                    for (int c = 0; c < columns.Count; c++)
                    {
                        var cell = ImageTensors.ToHwcPixels(images[k, c]);
                        PngImage.Save(outputs[k * columns.Count + c], cell.Pixels, cell.Height, cell.Width, cell.Channels);
                        cells.Add(cell);
                    }
                    grid.AddRow($"seed draw {k + 1}", cells);
                }
                grid.Save(gridPath);
                AtomicFile.WriteAllText(measuresPath, JsonSerializer.Serialize(new
                {
                    source,
                    edits,
                    schedule,
                    sampling = options,
                    samples = n,
                    columns = measures,
                    attention_leverage = new { uniform_self_attention = leverage.UniformSelf, uniform_cross_attention = leverage.UniformCross },
                    note = "pixel_correlation_with_source: Pearson correlation of an image's pixels with its row's source image (mean over rows); " +
                           "class_consistency: share of rows whose image correlates best with the mean training image of the column's prompt; " +
                           "attention_leverage: mean |pixel change| of the source images when every self-attention (cross-attention) map is replaced by uniform attention",
                }, RunManifest.JsonOptions) + "\n");
            }, () => new RunManifest
            {
                Command = "edit",
                Arguments = CommandLineApp.Arguments,
                Config = new { model = modelPath, prompt = source, edits, schedule, plain = withPlain, n, sampling = options, ema_weights = !parse.GetValue(noEma) },
                Seeds = new Dictionary<string, long> { ["sampling"] = runSeed },
                InputSha256 = RunManifest.HashInputs([.. modelFolder.ModelFiles]),
                Outputs = outputs,
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            });
            foreach (var m in measures)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Column,-24} pixel correlation with the source {m.PixelCorrelationWithSource:F3}, class consistency {(m.ClassConsistency is double cc ? cc.ToString("P0", CultureInfo.InvariantCulture) : "-")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"attention leverage: uniform self-attention maps change the source images by {leverage.UniformSelf:F4} on average (pixels in [0, 1]), uniform cross-attention maps by {leverage.UniformCross:F4}"));
            Console.WriteLine($"edited '{source}' {edits.Count} way(s) x {n} sample(s) in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}");
            return 0;
        }));
        return command;
    }

    /// <summary>One column's measures.</summary>
    public sealed record ColumnMeasure(string Column, string? Class, double PixelCorrelationWithSource, double? ClassConsistency);

    /// <summary>Per column: mean pixel correlation with its row's source, and the share of rows nearest to the column's class mean.</summary>
    private static List<ColumnMeasure> Measure(Tensor images, IReadOnlyList<(string Label, string File, string? ExpectedClass)> columns,
        IReadOnlyList<string> classNames, Tensor classMeans)
    {
        var result = new List<ColumnMeasure>();
        using var sourceImages = images.select(1, 0);                                             // (n, C, S, S)
        for (int c = 0; c < columns.Count; c++)
        {
            using var column = images.select(1, c);
            double correlation = EditMeasures.PixelCorrelation(column, sourceImages).Average();
            int expected = ClassIndex(columns[c].ExpectedClass, classNames);
            double? consistency = null;
            if (expected >= 0)
                consistency = EditMeasures.NearestClass(column.to(TorchDevice.Host), classMeans).Count(k => k == expected) / (double)column.shape[0];
            result.Add(new ColumnMeasure(columns[c].Label, expected >= 0 ? classNames[expected] : null, correlation, consistency));
        }
        return result;
    }

    /// <summary>The class whose name has the prompt's words, or −1 when the prompt is not a class name.</summary>
    private static int ClassIndex(string? prompt, IReadOnlyList<string> classNames)
    {
        if (prompt is null) return -1;
        var words = Conditioning.WordTokenizer.Words(prompt);
        for (int k = 0; k < classNames.Count; k++)
            if (Conditioning.WordTokenizer.Words(classNames[k]).SequenceEqual(words)) return k;
        return -1;
    }
}
