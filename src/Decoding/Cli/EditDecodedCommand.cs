using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.Editing;
using Decoding.LatentDiffusion;
using Fmri.Core.IO;
using Fmri.Core.Imaging;
using Fmri.Core.Runs;
using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using Fmri.MaskedBrainModeling;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// `decoding edit-decoded`: "what the subject saw, but as a sneaker". For each test item, MinD-Vis decodes its fMRI
/// (the source) and the label LDM draws each named category from the same noise with the decoded run's self-attention
/// maps injected into its first steps, so the edit keeps the decoded layout; each category is also drawn without
/// injection. Writes grid.png (stimulus, decoded, edits, plain), edit.json (layout kept and class shown, with and
/// without injection) and run.json.
/// </summary>
public static class EditDecodedCommand
{
    public const string GridFile = "grid.png";
    public const string MeasuresFile = "edit.json";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "train-adapter output folder (the fMRI-to-image model)", Required = true };
        var ldm = new Option<string>("--ldm") { Description = "train-ldm output folder the adapter was trained from (draws the categories)", Required = true };
        var data = new Option<string>("--data") { Description = "preprocessed canonical fMRI file", Required = true };
        var stimuli = new Option<string>("--stimuli") { Description = "stimulus image set (HDF5) with the items' stimuli", Required = true };
        var to = CommonOptions.Files("--to", "category names to draw the decoded image as, e.g. sneaker");
        var items = new Option<int>("--items") { Description = "edit the first N items of the split", DefaultValueFactory = _ => 6 };
        var split = BrainItems.SplitOption();
        var selfSteps = new Option<double>("--self-steps") { Description = "τ_s: share of the steps with the decoded run's self-attention maps injected", DefaultValueFactory = _ => 0.6 };
        var crossSteps = new Option<double>("--cross-steps") { Description = "τ_c: share of the steps with the decoded run's cross-attention maps injected, brain token k for word token k (needs as many brain context tokens as word tokens)", DefaultValueFactory = _ => 0.0 };
        var sampler = new Option<string>("--sampler") { Description = "ddim or plms (deterministic)", DefaultValueFactory = _ => "ddim" };
        var steps = new Option<int>("--steps") { Description = "denoising steps", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale of every branch", DefaultValueFactory = _ => 3.0 };
        var seed = new Option<long>("--seed") { Description = "seed of each item's generator (as decode's --seed: per item, from its stimulus id)", DefaultValueFactory = _ => 2022 };
        var output = new Option<string>("--out", "-o") { Description = "output folder", Required = true };
        var threads = CommonOptions.Threads();

        var command = new Command("edit-decoded", "Edit brain-decoded images into a category while keeping their layout (Prompt-to-Prompt self-attention injection)")
        {
            model, ldm, data, stimuli, to, items, split, selfSteps, crossSteps, sampler, steps, guidance, seed, output, threads,
        };
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: false);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var categories = parse.GetValue(to) ?? [];
            Check.That(categories.Length > 0, "to", null, "is required: one or more category names, e.g. --to sneaker");
            int itemCount = Check.AtLeast(parse.GetValue(items), 1, "items");
            var chosenSplit = BrainItems.Split(parse.GetValue(split));
            var schedule = new InjectionSchedule(parse.GetValue(crossSteps), parse.GetValue(selfSteps)).Validate();
            var options = new SamplingOptions
            {
                Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                Steps = parse.GetValue(steps),
                GuidanceScale = parse.GetValue(guidance),
            };
            options.Validate(int.MaxValue);
            Check.That(options.Sampler != SamplerKind.Ddpm, "sampler", parse.GetValue(sampler),
                "draws noise at every step, which would differ between the source and its edits; use ddim or plms");
            string modelPath = Check.ExistingFolder(parse.GetValue(model), "model", "run train-adapter first");
            string ldmPath = Check.ExistingFolder(parse.GetValue(ldm), "ldm", "run train-ldm first");
            string dataFile = Check.ExistingFile(parse.GetValue(data), "data");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "edit-decoded", (modelPath, "model"), (ldmPath, "ldm"), (dataFile, "data"), (stimuliFile, "stimuli"));
            long runSeed = parse.GetValue(seed);
            torchOptions.Apply(parse);

            var (brainModel, brainFirstStage) = new DoubleConditionedLdmFolder(modelPath).Load();
            var ldmFolder = new LatentDiffusionModelFolder(ldmPath);
            var pipeline = ldmFolder.LoadPipeline(useEmaWeights: true);
            var editor = new DecodedImageEditor(brainModel, brainFirstStage, pipeline);
            Check.That(schedule.CrossFraction == 0 || editor.CanInjectCrossAttention, "cross_steps", schedule.CrossFraction,
                $"needs as many brain context tokens ({brainModel.Config.Adapter.ContextTokens}) as word tokens ({pipeline.Tokenizer.MaxLength}); use 0");
            foreach (var category in categories)
                Check.That(ClassIndex(category, pipeline.ClassNames) >= 0, "to", $"'{category}'", $"is not a category of the label LDM ({string.Join(", ", pipeline.ClassNames)})");
            options.Validate(brainModel.Config.Scheduler.NumTrainTimesteps);
            using var classMeans = ldmFolder.ReadClassMeans();

            var fmri = CanonicalFile.ReadFinite(dataFile);
            int size = brainModel.Config.ImageSize, channels = brainModel.Config.ImageChannels;
            var pairs = BrainItems.Pairs(brainModel, fmri, dataFile, StimulusImageSet.Read(stimuliFile), stimuliFile, chosenSplit);
            int n = Math.Min(itemCount, pairs.Count);

            var rows = new List<Tensor>();
            try
            {
                ConsoleProgress.Run("editing decoded images", n, progress =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var voxels = BrainItems.Voxels(pairs, i);
                        using var generator = BrainItems.Generator(runSeed, pairs, i);
                        var edited = editor.Edit(voxels, categories, schedule, options, generator);            // (1 + 2E, C, S, S)
                        rows.Add(edited.to(TorchDevice.Host));
                        edited.Dispose();
                        progress.Report(new ProgressUpdate(i + 1));
                    }
                });

                using var all = stack(rows, 0);                                                                   // (n, 1 + 2E, C, S, S)
                var measures = Measure(all, categories, pipeline.ClassNames, classMeans);

                // The run's files replace an earlier edit-decoded's in this folder as a set (RunManifest.ReplaceRun).
                string ImagePath(int i, int c)
                {
                    string name = c == 0 ? "decoded" : c <= categories.Length ? $"{Slug(categories[c - 1])}-layout" : $"{Slug(categories[c - 1 - categories.Length])}-plain";
                    return Path.Combine(folder, $"{DecodingRun.SafeName(pairs.StimulusIds[i].Value)}-{name}.png");
                }
                var outputs = new List<string>();
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < rows[i].shape[0]; c++) outputs.Add(ImagePath(i, c));
                string gridPath = Path.Combine(folder, GridFile);
                string measuresPath = Path.Combine(folder, MeasuresFile);
                outputs.AddRange([gridPath, measuresPath]);
                RunManifest.ReplaceRun(folder, outputs, () =>
                {
                    var headers = new List<string> { "stimulus", "decoded" };
                    headers.AddRange(categories.Select(c => $"{c} (layout)"));
                    headers.AddRange(categories.Select(c => $"{c} (plain)"));
                    var grid = new ImageGrid(scale: Math.Max(1, 96 / size),
                        title: string.Create(CultureInfo.InvariantCulture, $"decoded, then drawn as a category: cross-attention injected {schedule.CrossFraction:G3}, self-attention {schedule.SelfFraction:G3} of {options.Steps} steps, guidance {options.GuidanceScale:G3}"),
                        columnHeaders: headers);
                    for (int i = 0; i < n; i++)
                    {
                        using var stimulus = pairs.Images[i].to(ScalarType.Float32) / 255.0;
                        var cells = new List<(float[], int, int, int)> { ImageTensors.ToHwcPixels(stimulus) };
                        for (int c = 0; c < rows[i].shape[0]; c++)
                        {
                            var cell = ImageTensors.ToHwcPixels(rows[i][c]);
                            PngImage.Save(ImagePath(i, c), cell.Pixels, cell.Height, cell.Width, cell.Channels);
                            cells.Add(cell);
                        }
                        grid.AddRow(pairs.StimulusIds[i].Value, cells);
                    }
                    grid.Save(gridPath);
                    AtomicFile.WriteAllText(measuresPath, JsonSerializer.Serialize(new
                    {
                        items = n,
                        stimulus_ids = pairs.StimulusIds.Take(n).Select(id => id.Value),
                        schedule,
                        sampling = options,
                        categories = measures,
                        note = "pixel_correlation_with_decoded: Pearson correlation of an edit's pixels with the item's decoded image (mean over items); " +
                               "class_consistency: share of items whose edit correlates best with the category's mean training image; " +
                               "'layout' = with the decoded run's attention maps injected (schedule), 'plain' = the same noise without injection",
                    }, RunManifest.JsonOptions) + "\n");
                }, () => new RunManifest
                {
                    Command = "edit-decoded",
                    Arguments = CommandLineApp.Arguments,
                    Config = new { model = modelPath, ldm = ldmPath, data = dataFile, stimuli = stimuliFile, categories, items = n, split = parse.GetValue(split), schedule, sampling = options },
                    Seeds = new Dictionary<string, long> { ["seed"] = runSeed },
                    InputSha256 = RunManifest.HashInputs([dataFile, stimuliFile, .. new DoubleConditionedLdmFolder(modelPath).ModelFiles, .. ldmFolder.ModelFiles]),
                    Outputs = outputs,
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                });
                foreach (var m in measures)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{m.Category,-12} pixel correlation with the decoded image: {m.LayoutPixelCorrelation:F3} with injection, {m.PlainPixelCorrelation:F3} without; " +
                        $"class consistency {m.LayoutClassConsistency:P0} with, {m.PlainClassConsistency:P0} without"));
                Console.WriteLine($"edited {n} decoded item(s) into {categories.Length} categor{(categories.Length == 1 ? "y" : "ies")} in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}");
            }
            finally
            {
                foreach (var r in rows) r.Dispose();
                pairs.Images.Dispose();
            }
            return 0;
        }));
        return command;
    }

    /// <summary>One category's measures over the items, with the decoded run's self-attention injected and without.</summary>
    public sealed record CategoryMeasure(string Category, double LayoutPixelCorrelation, double PlainPixelCorrelation,
        double LayoutClassConsistency, double PlainClassConsistency);

    private static List<CategoryMeasure> Measure(Tensor all, IReadOnlyList<string> categories, IReadOnlyList<string> classNames, Tensor classMeans)
    {
        var result = new List<CategoryMeasure>();
        using var decoded = all.select(1, 0);
        for (int c = 0; c < categories.Count; c++)
        {
            int expected = ClassIndex(categories[c], classNames);
            using var layout = all.select(1, 1 + c);
            using var plain = all.select(1, 1 + categories.Count + c);
            double Consistency(Tensor images) => EditMeasures.NearestClass(images, classMeans).Count(k => k == expected) / (double)images.shape[0];
            result.Add(new CategoryMeasure(categories[c],
                EditMeasures.PixelCorrelation(layout, decoded).Average(), EditMeasures.PixelCorrelation(plain, decoded).Average(),
                Consistency(layout), Consistency(plain)));
        }
        return result;
    }

    /// <summary>The class whose name has the words of <paramref name="category"/>, or −1.</summary>
    private static int ClassIndex(string category, IReadOnlyList<string> classNames)
    {
        var words = Conditioning.WordTokenizer.Words(category);
        for (int k = 0; k < classNames.Count; k++)
            if (Conditioning.WordTokenizer.Words(classNames[k]).SequenceEqual(words)) return k;
        return -1;
    }

    private static string Slug(string text) => string.Join('-', Conditioning.WordTokenizer.Words(text));
}
