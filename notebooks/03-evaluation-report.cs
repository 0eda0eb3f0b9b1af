// 03-evaluation-report.cs: the notebook 03-evaluation-report.ipynb as a C# file-based app (.NET 10). Generated from the notebook's cells by
// tests/Decoding.Tests/Notebooks/NotebookAppGenerator.cs; do not edit: edit the notebook, then regenerate with
//   UPDATE_NOTEBOOK_APPS=1 dotnet test tests/Decoding.Tests --filter "FullyQualifiedName~NotebookAppTests"
// Run it from the folder that should receive its results/ (the repository root, say):
//   dotnet run --file notebooks/03-evaluation-report.cs
#:project ../src/Decoding/Decoding.csproj
#:property PublishAot=false

using System.IO;
using System.Diagnostics;
using Decoding.DoubleConditioning;
using Decoding.Decode;
using Decoding.Decode.Routes;
using Fmri.MaskedBrainModeling;
using Fmri.Data;
using Decoding.Evaluation;
using Decoding.Metrics;
using Decoding.Evaluation.ScoringClassifier;
using Fmri.Core.Imaging;
using Decoding.LatentDiffusion;
using Decoding.Notebooks;
using Fmri.Core.Plots;
using Fmri.Data.Layouts;
using Fmri.Ridge;
using Fmri.Data.Stimuli;
using TorchSharp;
using static TorchSharp.torch;

// # 3. Evaluation report
//
// MinD-Vis reports how well decoded images identify the stimulus that was seen: **n-way top-1 accuracy** (is the
// decoding closer to its own stimulus than to n−1 others? chance 1/n), **2-way identification**, pixel-level
// correlation (**PixCorr**) and SSIM. It checks decodings against controls. This notebook loads the model that
// notebook 2 trained (run notebooks 1 and 2 first, after `dotnet build`), decodes the test set, and compares it with
//
// * the **shuffled-fMRI control**: the same model, but each test image is decoded from another image's fMRI — any
//   score above chance here would mean the images do not come from the brain signal;
// * a **simple baseline**: ridge regression from voxels straight to pixels (a linear decoder, penalty chosen by
//   cross-validation on the training set).
//
// **Note on the metrics.** PixCorr and 2-way identification come from the project's `Decoding.Evaluation`
// (`PixCorr`, `TwoWayIdentification`, as `decoding evaluate` computes them). At this notebook's 8×8 images the
// paper's classifier-based n-way top-1 (`NWayTopOneAccuracy`, which needs the scoring CNN's 32×32 input) and SSIM
// (an 11×11 window) do not apply, so the n-way curve below is *pixel-correlation identification*: each item against
// n−1 other stimuli, by the library's pixel correlation (`ClassConsistency.Correlations`).

// --- code cell 1 ---
// The models here are tiny: one libtorch thread is fastest (two wait for each other at every operator on a busy
// machine) and makes the results independent of the core count.
Fmri.Core.Torch.TorchSetup.Apply(threads: 1);
string results = Path.GetFullPath("results");
string canonicalPath = Path.Combine(results, "sim-01_preprocessed.h5");
string stimuliPath = Path.Combine(results, "stimuli.h5");
string modelFolder = Path.Combine(results, "dc_ldm");
if (!File.Exists(canonicalPath) || !Directory.Exists(modelFolder))
    throw new FileNotFoundException($"{modelFolder}: not found; run notebooks 01-preprocess and 02-train-adapter first");
var fmri = CanonicalFile.Read(canonicalPath);
var stimuli = StimulusImageSet.Read(stimuliPath);
var (model, firstStage) = new DoubleConditionedLdmFolder(modelFolder).Load();
int size = model.Config.ImageSize;
var clock = Stopwatch.StartNew();
NotebookDisplay.Text($"model: {size}x{size} images, brain encoder '{model.Config.BrainEncoder.Preset}'; test items: {fmri.IndicesOf(DataSplit.Test).Length}");

// ## Decode the test set, with the shuffled-fMRI control
//
// Each test item is decoded K = 3 times (DDIM, 20 steps, guidance scale 3), from its own fMRI and, for the control,
// from another test item's fMRI (a seeded derangement across categories).

// --- code cell 2 ---
var sampling = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 20, GuidanceScale = 3.0 };
var noAttributes = new Dictionary<string, object>();
var route = new MindVisRoute(model, firstStage, sampling);
var items = BrainEncoderWidth.Fit(StimulusPairs.ForSplit(fmri, canonicalPath, DataSplit.Test, stimuli, stimuliPath, size, 1), model.Config.BrainEncoder, canonicalPath);
var decoded = DecodingRun.Run(route, items, new DecodingSettings { Route = MindVisRoute.Name, Samples = 3, Seed = 9 },
    Path.Combine(results, "decoded"), noAttributes).Images;
// The control: each item decoded from another item's fMRI (a derangement across categories, its own seed).
var control = DecodingRun.Run(route, items, new DecodingSettings { Route = MindVisRoute.Name, Samples = 3, Seed = 9, ShuffleFmri = true },
    Path.Combine(results, "decoded_shuffled"), noAttributes);
var shuffled = control.Images;
var shuffledOrder = control.Control!.Order;
int n = items.Count;
var truth = items.Images.to(ScalarType.Float32) / 255.0;                                  // (N, C, S, S) in [0, 1]
NotebookDisplay.Text($"decoded {n} items x 3 samples twice (fMRI order of the control: {string.Join(" ", shuffledOrder)})");

// ## Baseline: ridge regression from voxels to pixels

// --- code cell 3 ---
var train = StimulusPairs.ForTraining(fmri, canonicalPath, stimuli, stimuliPath, size, 1);
int pixels = size * size;
float[] trainPixels = (train.Images.to(ScalarType.Float32) / 255.0).flatten().data<float>().ToArray();   // (Ntrain, S*S)
var ridge = RidgeRegression.FitCrossValidated(train.Voxels, train.Count, train.VoxelCount, trainPixels, pixels,
    RidgeCrossValidation.DefaultLambdas(train.Count, train.VoxelCount), folds: 5, new Random(5));
var ridgeImages = tensor(ridge.Predict(items.Voxels, n), new long[] { n, 1, 1, size, size }).clamp(0, 1);   // (N, K=1, C, S, S)
NotebookDisplay.Text($"ridge: lambda {ridge.Lambda:G3} chosen by 5-fold cross-validation over {train.Count} training pairs");

// ## Identification scores
//
// PixCorr (Pearson correlation of a decoding's pixels with its stimulus's) and 2-way identification (the share of
// other test stimuli that a decoding correlates with less than with its own; chance 0.5) are the evaluation
// library's, averaged over each method's K decodings per item. For the n-way curve, r[i, j] is the pixel correlation
// between item i's decodings (averaged over K) and stimulus j; n-way accuracy is the share of seeded random trials,
// each item against n−1 other stimuli, in which the item's own stimulus has the highest correlation (chance 1/n).

// --- code cell 4 ---
double[,] CorrelationMatrix(Tensor images)   // images (N, K, C, S, S)
{
    var r = new double[n, n];
    for (int k = 0; k < images.shape[1]; k++)
    {
        using var rk = ClassConsistency.Correlations(images[.., k], truth);                   // (N, N)
        var values = rk.data<double>().ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) r[i, j] += values[i * n + j] / images.shape[1];
    }
    return r;
}
ImageTensor ToImage(Tensor chw)   // (C, S, S) in [0, 1] -> the evaluation library's HWC image
{
    using var hwc = chw.clamp(0, 1).to(ScalarType.Float32).permute(1, 2, 0).contiguous();
    return new ImageTensor((int)chw.shape[1], (int)chw.shape[2], (int)chw.shape[0], hwc.data<float>().ToArray());
}
var stimulusImages = Enumerable.Range(0, n).Select(i => ToImage(truth[i])).ToList();
// Library metrics, averaged over each method's K samples per item.
double PixCorrOf(Tensor images) => Enumerable.Range(0, (int)images.shape[1])
    .Average(k => Decoding.Metrics.PixCorr.Compute(Enumerable.Range(0, n).Select(i => ToImage(images[i, k])).ToList(), stimulusImages).Mean);
double TwoWayOf(Tensor images) => Enumerable.Range(0, (int)images.shape[1])
    .Average(k => Decoding.Metrics.TwoWayIdentification.Compute(Enumerable.Range(0, n).Select(i => ToImage(images[i, k])).ToList(), stimulusImages).Mean);
double NWayOf(double[,] r, int ways, int trials, Random random)
{
    int correct = 0;
    for (int i = 0; i < n; i++)
        for (int t = 0; t < trials; t++)
        {
            var others = Enumerable.Range(0, n).Where(j => j != i).OrderBy(_ => random.Next()).Take(ways - 1);
            if (others.All(j => r[i, i] > r[i, j])) correct++;
        }
    return (double)correct / (n * trials);
}

var methods = new (string Name, Tensor Images)[] { ("DC-LDM (this model)", decoded), ("shuffled-fMRI control", shuffled), ("ridge baseline", ridgeImages) };
var matrices = methods.Select(m => CorrelationMatrix(m.Images)).ToArray();
int[] ways = Enumerable.Range(2, n - 1).ToArray();
var curves = methods.Select((m, k) => new PlotSeries(m.Name, ways.Select(w => (double)w).ToArray(),
    ways.Select(w => NWayOf(matrices[k], w, trials: 100, new Random(17))).ToArray())).ToList();
NotebookDisplay.Png(PlotImage.RenderPng(LinePlot.Build(curves, new PlotLabels("n-way identification (pixel correlation)", "n", "accuracy"),
    chance: LinePlot.NWayChance(ways), yMin: 0, yMax: 1.05)), "accuracy against n, with chance 1/n");

// --- code cell 5 ---
NotebookDisplay.Table(
    [["method", "PixCorr", "2-way identification", $"{n}-way accuracy", "images per item"],
     .. methods.Select((m, k) => (IReadOnlyList<string>)[m.Name, PixCorrOf(m.Images).ToString("F3"), TwoWayOf(m.Images).ToString("F3"),
                                                          curves[k].Y[^1].ToString("F3"), m.Images.shape[1].ToString()]),
     ["chance", "0", "0.500", (1.0 / n).ToString("F3"), ""]],
    $"{n} test items; chance levels 0.5 (2-way) and 1/{n} ({n}-way)");

// --- code cell 6 ---
// Checks that stop the notebook (and the test suite that runs it) when decoding or scoring is broken: the ridge
// baseline identifies its stimuli far above chance (2-way 0.5), the shuffled-fMRI control does not, and the DC-LDM
// reads the fMRI: an item decoded from its own fMRI and from another item's (same noise) gives other images. At this
// size the DC-LDM identifies nothing, so its scores cannot show that; a decoder that ignored its input would pass them.
double ridgeTwoWay = TwoWayOf(ridgeImages), controlTwoWay = TwoWayOf(shuffled);
if (ridgeTwoWay < 0.75) throw new InvalidOperationException($"the ridge baseline's 2-way identification is {ridgeTwoWay:F3}; a working pipeline gives well above 0.75 here");
if (Math.Abs(controlTwoWay - 0.5) > 0.25) throw new InvalidOperationException($"the shuffled control's 2-way identification is {controlTwoWay:F3}, far from chance 0.5");
double fmriEffect = (decoded - shuffled).abs().mean().item<float>();   // mean |pixel difference|, pixels in [0, 1]
if (fmriEffect < 1e-3) throw new InvalidOperationException($"the DC-LDM's images from each item's own fMRI and from another item's differ by {fmriEffect:G3} on average: the decoder ignores its fMRI");
NotebookDisplay.Text($"checked: ridge 2-way {ridgeTwoWay:F3} (above 0.75), shuffled control {controlTwoWay:F3} (within 0.25 of chance), own against another item's fMRI: images differ by {fmriEffect:F4} on average");

// ## Stimuli and decodings
//
// One row per test item: the stimulus, two of its decodings, a shuffled-control decoding and the ridge reconstruction.

// --- code cell 7 ---
(float[], int, int, int) Cell(Tensor chw)
{
    using var hwc = chw.clamp(0, 1).to(ScalarType.Float32).permute(1, 2, 0).contiguous();   // (H, W, C)
    return (hwc.data<float>().ToArray(), (int)chw.shape[1], (int)chw.shape[2], (int)chw.shape[0]);
}
var grid = new ImageGrid(scale: Math.Max(1, 64 / size), title: "test stimuli and decodings",
    columnHeaders: ["stimulus", "decoded #1", "decoded #2", "shuffled", "ridge"]);
for (int i = 0; i < n; i++)
    grid.AddRow(items.StimulusIds[i].Value, [Cell(truth[i]), Cell(decoded[i, 0]), Cell(decoded[i, 1]), Cell(shuffled[i, 0]), Cell(ridgeImages[i, 0])]);
byte[] gridPng = grid.EncodePng();
Fmri.Core.IO.AtomicFile.WriteAllBytes(Path.Combine(results, "evaluation_grid.png"), gridPng);
NotebookDisplay.Png(gridPng, "stimulus | decodings | shuffled control | ridge baseline");
NotebookDisplay.Text($"evaluation ran in {clock.Elapsed.TotalSeconds:F1} s");

// **Reading the report.** At this notebook's budget (a tiny encoder pretrained for seconds, about a hundred
// denoising steps on 200 pairs, 8×8 images) the DC-LDM is far from the paper's regime, and it need not beat the
// shuffled control or the linear baseline here; the report's purpose is to show the evaluation, with its controls,
// running end to end. Compare the DC-LDM row with the shuffled row: only the difference between them is evidence of
// decoding from the brain signal. Larger presets (`decoding demo`) are the place to look for that difference.
