using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Decoding.BrainAttention;
using Decoding.Decode;
using Decoding.DoubleConditioning;
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
/// `decoding attention`: where in the decoded image the cross-attention to each ROI's brain tokens comes from
/// (MinD-Vis's interpretability figure). Each item is decoded once as `decode --route mindvis` does, the cross-attention
/// maps averaged over steps, layers and heads, and the context tokens grouped by the ROIs of the voxels they are made
/// of. Writes attention.png (stimulus, decoded image, one map per ROI; a last row averages the items), attention.json
/// (maps, each ROI's share of the attention and that share relative to the ROI's size) and run.json.
/// </summary>
public static class AttentionCommand
{
    public const string FigureFile = "attention.png";
    public const string MapsFile = "attention.json";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "train-adapter output folder (the fMRI-to-image model)", Required = true };
        var data = new Option<string>("--data") { Description = "preprocessed canonical fMRI file (its ROIs group the brain tokens)", Required = true };
        var stimuli = new Option<string>("--stimuli") { Description = "stimulus image set (HDF5) with the items' stimuli", Required = true };
        var rois = CommonOptions.Files("--rois", $"ROIs to group by (default: those of {string.Join(", ", PatchRois.DefaultNames)} the file has)");
        var items = new Option<int>("--items") { Description = "the first N items of the split", DefaultValueFactory = _ => 8 };
        var split = BrainItems.SplitOption();
        var sampler = new Option<string>("--sampler") { Description = "ddim, plms or ddpm", DefaultValueFactory = _ => "plms" };
        var steps = new Option<int>("--steps") { Description = "denoising steps", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale (1 = none)", DefaultValueFactory = _ => 3.0 };
        var seed = new Option<long>("--seed") { Description = "seed of each item's generator (as decode's --seed)", DefaultValueFactory = _ => 2022 };
        var output = new Option<string>("--out", "-o") { Description = "output folder", Required = true };
        var threads = CommonOptions.Threads();

        var command = new Command("attention", "Cross-attention maps from brain tokens to image regions, grouped by the ROI their voxels come from")
        {
            model, data, stimuli, rois, items, split, sampler, steps, guidance, seed, output, threads,
        };
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: false);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            int itemCount = Check.AtLeast(parse.GetValue(items), 1, "items");
            var chosenSplit = BrainItems.Split(parse.GetValue(split));
            var options = new SamplingOptions
            {
                Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                Steps = parse.GetValue(steps),
                GuidanceScale = parse.GetValue(guidance),
            };
            options.Validate(int.MaxValue);
            string modelPath = Check.ExistingFolder(parse.GetValue(model), "model", "run train-adapter first");
            string dataFile = Check.ExistingFile(parse.GetValue(data), "data");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "attention", (modelPath, "model"), (dataFile, "data"), (stimuliFile, "stimuli"));
            long runSeed = parse.GetValue(seed);
            torchOptions.Apply(parse);

            var (brainModel, firstStage) = new DoubleConditionedLdmFolder(modelPath).Load();
            options.Validate(brainModel.Config.Scheduler.NumTrainTimesteps);
            if (brainModel.Config.Adapter.Kind != FmriAdapterKind.TokenConv)
                throw new InvalidSettingException("model", modelPath, $"has a {brainModel.Config.Adapter.Kind} adapter, whose context tokens are made from the CLS token alone; attention by ROI needs the token-conv adapter (MinD-Vis's)");
            var fmri = CanonicalFile.ReadFinite(dataFile);
            var encoder = brainModel.Config.BrainEncoder.Model;
            var patchRois = PatchRois.For(fmri, dataFile, parse.GetValue(rois), encoder.NumVoxels, encoder.PatchSize);
            var images = StimulusImageSet.Read(stimuliFile);
            int size = brainModel.Config.ImageSize;
            var pairs = BrainItems.Pairs(brainModel, fmri, dataFile, images, stimuliFile, chosenSplit);
            int n = Math.Min(itemCount, pairs.Count);
            var run = new BrainAttentionRun(brainModel, firstStage);

            var results = new List<ItemAttention>();
            try
            {
                ConsoleProgress.Run("attention maps", n, progress =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var voxels = BrainItems.Voxels(pairs, i);
                        using var generator = BrainItems.Generator(runSeed, pairs, i);
                        results.Add(run.Measure(voxels, patchRois, options, generator));
                        progress.Report(new ProgressUpdate(i + 1));
                    }
                });
                var mean = Average(results.Select(r => r.Rois).ToList());

                Directory.CreateDirectory(folder);
                int scale = Math.Max(1, size / mean.Side);
                var grid = new ImageGrid(scale: Math.Max(1, 96 / size),
                    title: string.Create(CultureInfo.InvariantCulture,
                        $"cross-attention by ROI ({options.Steps} steps, layers, heads; colour 0 to row max)"),
                    columnHeaders: ["stimulus", "decoded", .. patchRois.Names]);
                for (int i = 0; i < n; i++)
                {
                    using var stimulus = pairs.Images[i].to(ScalarType.Float32) / 255.0;
                    var cells = new List<(float[], int, int, int)> { ImageTensors.ToHwcPixels(stimulus), ImageTensors.ToHwcPixels(results[i].Image) };
                    cells.AddRange(MapCells(results[i].Rois, scale));
                    grid.AddRow(pairs.StimulusIds[i].Value, cells);
                }
                using (var meanImage = stack(results.Select(r => r.Image).ToList(), 0).mean([0]))
                    grid.AddRow($"mean of {n}", [(new float[size * size * brainModel.Config.ImageChannels], size, size, brainModel.Config.ImageChannels),
                        ImageTensors.ToHwcPixels(meanImage), .. MapCells(mean, scale)]);
                string figure = Path.Combine(folder, FigureFile);
                grid.Save(figure);

                string mapsFile = Path.Combine(folder, MapsFile);
                AtomicFile.WriteAllText(mapsFile, JsonSerializer.Serialize(new
                {
                    rois = patchRois.Names,
                    roi_size_shares = patchRois.SizeShares(),
                    side = mean.Side,
                    items = results.Select((r, i) => new
                    {
                        stimulus_id = pairs.StimulusIds[i].Value,
                        category = pairs.Categories[i] >= 0 && pairs.Categories[i] < images.CategoryNames.Count ? images.CategoryNames[pairs.Categories[i]] : null,
                        attention_shares = r.Rois.AttentionShares,
                        size_ratios = r.Rois.SizeRatios,
                        largest_roi_map_distance = r.Rois.LargestMapDistance(),
                        maps = patchRois.Names.Select((_, k) => r.Rois.Map(k)),
                        token_roi_weights = r.Rois.TokenRoiWeights,
                    }),
                    mean = new { attention_shares = mean.AttentionShares, size_ratios = mean.SizeRatios, largest_roi_map_distance = mean.LargestMapDistance(), maps = patchRois.Names.Select((_, k) => mean.Map(k)) },
                    sampling = options,
                    note = "maps: where in the image (row-major side x side latent grid) the attention to an ROI's part of the context tokens comes from, each summing to 1; " +
                           "attention_shares: the part of all cross-attention that goes to the ROI's part of the tokens; size_ratios: that part over the ROI's share of the brain patches; " +
                           "largest_roi_map_distance: the largest total-variation distance between two ROIs' maps (0 = the same map, 1 = disjoint)",
                }, RunManifest.JsonOptions) + "\n");

                new RunManifest
                {
                    Command = "attention",
                    Arguments = CommandLineApp.Arguments,
                    Config = new { model = modelPath, data = dataFile, stimuli = stimuliFile, rois = patchRois.Names, items = n, split = parse.GetValue(split), sampling = options },
                    Seeds = new Dictionary<string, long> { ["seed"] = runSeed },
                    InputSha256 = RunManifest.HashInputs([dataFile, stimuliFile, .. new DoubleConditionedLdmFolder(modelPath).ModelFiles]),
                    Outputs = [figure, mapsFile],
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                }.Write(Path.Combine(folder, "run.json"));
                Console.WriteLine("ROI      share of patches  share of attention  ratio (mean of items)");
                var sizes = patchRois.SizeShares();
                for (int r = 0; r < patchRois.Names.Count; r++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{patchRois.Names[r],-8} {sizes[r],16:P1} {mean.AttentionShares[r],19:P1} {mean.SizeRatios[r],8:F3}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"largest total-variation distance between two ROIs' maps: {results.Min(r => r.Rois.LargestMapDistance()):F4} to {results.Max(r => r.Rois.LargestMapDistance()):F4} per item (0 = the same map, 1 = disjoint)"));
                Console.WriteLine($"attention maps of {n} item(s) in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}");
            }
            finally
            {
                foreach (var r in results) r.Dispose();
                pairs.Images.Dispose();
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Heat maps of one row's ROIs on a common scale (the row's largest value).</summary>
    private static IEnumerable<(float[], int, int, int)> MapCells(RoiAttention rois, int scale)
    {
        double max = rois.Maps.Max();
        for (int r = 0; r < rois.AttentionShares.Length; r++)
            yield return HeatMap.Colour(rois.Map(r), rois.Side, max, scale);
    }

    /// <summary>The mean over items of the maps, shares and ratios (maps still sum to 1).</summary>
    private static RoiAttention Average(IReadOnlyList<RoiAttention> items)
    {
        int count = items.Count;
        var maps = new float[items[0].Maps.Length];
        var weights = new float[items[0].TokenRoiWeights.Length];
        foreach (var item in items)
        {
            for (int j = 0; j < maps.Length; j++) maps[j] += item.Maps[j] / count;
            for (int j = 0; j < weights.Length; j++) weights[j] += item.TokenRoiWeights[j] / count;
        }
        var shares = Enumerable.Range(0, items[0].AttentionShares.Length).Select(r => items.Average(i => i.AttentionShares[r])).ToArray();
        var ratios = Enumerable.Range(0, items[0].SizeRatios.Length).Select(r => items.Average(i => i.SizeRatios[r])).ToArray();
        return new RoiAttention(maps, items[0].Side, shares, ratios, weights);
    }
}
