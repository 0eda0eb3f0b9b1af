// 01-preprocess.cs: the notebook 01-preprocess.ipynb as a C# file-based app (.NET 10). Generated from the notebook's cells by
// tests/Decoding.Tests/Notebooks/NotebookAppGenerator.cs; do not edit: edit the notebook, then regenerate with
//   UPDATE_NOTEBOOK_APPS=1 dotnet test tests/Decoding.Tests --filter "FullyQualifiedName~NotebookAppTests"
// Run it from the folder that should receive its results/ (the repository root, say):
//   dotnet run --file notebooks/01-preprocess.cs
#:project ../src/Decoding/Decoding.csproj
#:property PublishAot=false

using System.IO;
using System.Diagnostics;
using Decoding.Notebooks;
using Fmri.Core.Plots;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Preprocessing;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;

// # 1. Simulate, read and preprocess an fMRI data set
//
// MinD-Vis decodes images from fMRI recorded in the **visual cortex (VC)** while subjects viewed natural images
// (Generic Object Decoding, GOD: 1,200 training images each shown once, 50 test images each shown 35 times).
// This notebook walks through the data side of the pipeline at a tiny scale:
//
// 1. simulate one GOD-layout subject (a simulated visual cortex viewing Fashion-MNIST images) and write it as a BData file;
// 2. read it back with the layout-detecting reader and inspect its regions of interest (ROIs) and runs;
// 3. preprocess it: select the visual-cortex voxels, z-score each voxel with *training* statistics per run,
//    average the test repeats and pad the voxel axis to whole 16-voxel patches (the brain autoencoder's patch size);
// 4. compare voxel statistics before and after normalisation, and save the canonical file that notebook 2 trains on.
//
// **Before running:** build the libraries once from the repository root with `dotnet build` (the first cell loads
// the built assemblies from `src/Decoding/bin/Debug/net10.0/linux-x64/`). Outputs go to `results/` inside the
// current directory (in Polyglot Notebooks / Jupyter: `notebooks/results/`).
//
// **Without a notebook kernel:** each notebook also ships as a C# file-based app generated from its cells
// (`notebooks/01-preprocess.cs`, ...); run them in order from the repository root with
// `dotnet run --file notebooks/01-preprocess.cs` (outputs in `results/`).

// --- code cell 1 ---
string results = Directory.CreateDirectory("results").FullName;
var clock = Stopwatch.StartNew();
NotebookDisplay.Text($"outputs go to {results}");

// ## Simulate a small GOD-layout subject
//
// The simulator draws population-receptive-field voxels in V1–V4 (Gabor contrast energy pooled over a Gaussian
// receptive field, compressive spatial summation) and category- and shape-tuned voxels in the lateral occipital
// complex (LOC), then adds per-run baseline offsets, linear drifts and noise on a raw scanner baseline — the
// nuisance structure that preprocessing must remove. GOD has ~4,500 VC voxels, 24 training runs and 35 test runs;
// here we keep 10 categories but shrink everything else so the whole notebook runs in seconds.

// --- code cell 2 ---
var stimulusPool = FashionMnist.LoadExperimentPool(FashionMnist.DefaultFolder());
var simulation = new VisualCortexConfig
{
    Seed = 1,
    Subject = "sim-01",
    TrainImagesPerCategory = 20,     // 200 training images, each shown once (GOD: 1,200)
    TestImagesPerCategory = 1,       // 10 test images (GOD: 50)
    TestRepeats = 4,                 // each shown 4 times, one per test run (GOD: 35)
    TrainRuns = 4,                   // GOD: 24
    RetinotopicAreas = VisualAreaSpec.Defaults.Select(a => a with { VoxelCount = a.VoxelCount / 16 }).ToList(),
    LocVoxelCount = 72,
    SignalToNoise = 1.0,
};
var session = new VisualCortexSimulator(simulation).Simulate(stimulusPool);
string bdataPath = Path.Combine(results, $"{simulation.Subject}.h5");
BDataFile.Write(bdataPath, session.Dataset);
string stimuliPath = Path.Combine(results, "stimuli.h5");
session.Stimuli.Write(stimuliPath);
NotebookDisplay.Text($"simulated {session.Dataset.SampleCount} samples x {session.Dataset.VoxelCount} voxels; wrote {Path.GetFileName(bdataPath)} ({new FileInfo(bdataPath).Length / 1024} KiB) and {Path.GetFileName(stimuliPath)}");

// ## Read it back and inspect ROIs and runs
//
// `FmriFileReader` recognises the layout (BData as GOD publishes it, NSD betas, or this project's canonical file)
// and returns one in-memory data set: a sample × voxel matrix with stimulus ids, runs, the train/test split and
// ROI masks.

// --- code cell 3 ---
var raw = FmriFileReader.Read(bdataPath);
NotebookDisplay.Table(
    [["ROI", "voxels"], .. raw.Rois.OrderBy(r => r.Value.Min()).Select(r => (IReadOnlyList<string>)[r.Key, r.Value.Length.ToString()])],
    $"ROIs of {raw.Subject}");
NotebookDisplay.Table(
    [["split", "run", "samples", "distinct stimuli"],
     .. Enumerable.Range(0, raw.SampleCount)
        .GroupBy(i => (raw.Splits[i], raw.Runs[i]))
        .OrderBy(g => g.Key.Item1).ThenBy(g => g.Key.Item2)
        .Select(g => (IReadOnlyList<string>)[g.Key.Item1.ToString(), g.Key.Item2.ToString(), g.Count().ToString(),
                                              g.Select(i => raw.StimulusIds[i]).Distinct().Count().ToString()])],
    "runs");

// ## Preprocess
//
// MinD-Vis uses the GOD preprocessing: voxels of the visual cortex, each voxel z-scored within each run. Here the
// statistics that normalise a voxel come from the **training** samples only (no train/test leakage); test repeats
// of the same image are averaged, and the voxel axis is zero-padded to a multiple of the 16-voxel patch that the
// masked brain autoencoder embeds.

// --- code cell 4 ---
var preprocessing = new PreprocessingOptions { Roi = "VC", ZScore = ZScoreMode.PerRun, AverageTestRepeats = true, PatchSize = 16 };
var result = Preprocessor.Run(raw, preprocessing, bdataPath);
var clean = result.Dataset;
NotebookDisplay.Text(result.Report.Summary);

// ## Voxel statistics before and after normalisation
//
// Raw voxels sit on scanner baselines of hundreds of units and shift from run to run (baseline offsets and drifts).
// After per-run z-scoring every voxel has mean 0 and unit variance within each training run, so runs become comparable.
// Below: the per-run mean of one voxel from each of V1, V4 and LOC, before and after.

// --- code cell 5 ---
string[] shownRois = ["V1", "V4", "LOC"];
int[] trainRuns = Enumerable.Range(0, raw.SampleCount).Where(i => raw.Splits[i] == DataSplit.Train).Select(i => raw.Runs[i]).Distinct().Order().ToArray();

double RunMean(FmriDataset data, int voxel, int run)
    => Enumerable.Range(0, data.SampleCount).Where(i => data.Splits[i] == DataSplit.Train && data.Runs[i] == run)
                 .Average(i => (double)data.Voxels[(long)i * data.VoxelCount + voxel]);

List<PlotSeries> PerRunMeans(FmriDataset data)
    => shownRois.Select(roi => new PlotSeries($"{roi} voxel {data.Rois[roi][0]}", trainRuns.Select(r => (double)r).ToArray(),
                                              trainRuns.Select(r => RunMean(data, data.Rois[roi][0], r)).ToArray())).ToList();

NotebookDisplay.Png(PlotImage.RenderPng(LinePlot.Build(PerRunMeans(raw), new PlotLabels("Raw signal: per-run mean of three voxels", "training run", "mean intensity"))),
    "before: each voxel has its own baseline and shifts between runs");
NotebookDisplay.Png(PlotImage.RenderPng(LinePlot.Build(PerRunMeans(clean), new PlotLabels("After per-run z-scoring", "training run", "mean (z)"), yMin: -1, yMax: 1)),
    "after: every voxel has mean 0 in every training run");

// The spread of all voxels tells the same story: the standard deviation across training samples, averaged over the
// voxels of each ROI, is in raw units before and 1 after (padding voxels are all zero and left out).

// --- code cell 6 ---
double MeanVoxelSd(FmriDataset data, int[] voxels)
{
    var train = data.IndicesOf(DataSplit.Train);
    return voxels.Average(v =>
    {
        double mean = train.Average(i => (double)data.Voxels[(long)i * data.VoxelCount + v]);
        return Math.Sqrt(train.Average(i => Math.Pow(data.Voxels[(long)i * data.VoxelCount + v] - mean, 2)));
    });
}
string[] rois = raw.Rois.Keys.Where(k => k != "VC").OrderBy(k => raw.Rois[k].Min()).ToArray();
var before = rois.Select(r => MeanVoxelSd(raw, raw.Rois[r])).ToArray();
var after = rois.Select(r => MeanVoxelSd(clean, clean.Rois[r])).ToArray();
NotebookDisplay.Png(PlotImage.RenderPng(BarPlot.Build(rois, before, new PlotLabels("Raw: mean voxel SD over training samples", "ROI", "SD (raw units)"))), "before normalisation");
NotebookDisplay.Png(PlotImage.RenderPng(BarPlot.Build(rois, after, new PlotLabels("Normalised: mean voxel SD over training samples", "ROI", "SD (z)"), chance: 1.0)), "after normalisation (dashed line at 1)");
NotebookDisplay.Table([["ROI", "voxels", "SD before", "SD after"], .. rois.Select((r, k) => (IReadOnlyList<string>)[r, clean.Rois[r].Length.ToString(), before[k].ToString("F2"), after[k].ToString("F3")])]);

// --- code cell 7 ---
// Checks that stop the notebook (and the test suite that runs it) when the normalisation is wrong: every ROI voxel has
// mean 0 in every training run and SD 1 over the training samples.
double worstMean = rois.SelectMany(r => clean.Rois[r]).Distinct().Max(v => trainRuns.Max(run => Math.Abs(RunMean(clean, v, run))));
if (worstMean > 1e-3) throw new InvalidOperationException($"a voxel's mean in a training run is {worstMean:G3} after z-scoring, not 0");
if (after.Any(sd => Math.Abs(sd - 1) > 0.02))
    throw new InvalidOperationException($"the ROIs' mean voxel SD after z-scoring is {string.Join(", ", after.Select(a => a.ToString("F3")))}, not 1");
NotebookDisplay.Text($"checked: the largest per-run mean of a training voxel is {worstMean:G2}; the ROIs' SDs are {after.Min():F3} to {after.Max():F3}");

// ## Save the canonical file
//
// The canonical HDF5 layout stores the preprocessed matrix with its stimulus ids, split, runs, ROI masks and the
// provenance of every step; notebook 2 reads it.

// --- code cell 8 ---
string canonicalPath = Path.Combine(results, $"{simulation.Subject}_preprocessed.h5");
CanonicalFile.Write(canonicalPath, clean, bdataPath);
var reloaded = CanonicalFile.Read(canonicalPath);
if (reloaded.SampleCount != clean.SampleCount || reloaded.VoxelCount != clean.VoxelCount)
    throw new InvalidDataException($"{canonicalPath}: read back {reloaded.SampleCount} x {reloaded.VoxelCount}, wrote {clean.SampleCount} x {clean.VoxelCount}");
NotebookDisplay.Text($"wrote {canonicalPath}: {reloaded.SampleCount} samples ({reloaded.IndicesOf(DataSplit.Train).Length} train, {reloaded.IndicesOf(DataSplit.Test).Length} test) x {reloaded.VoxelCount} voxels ({reloaded.PaddingVoxels} padding), in {clock.Elapsed.TotalSeconds:F1} s");
