// 02-train-adapter.cs: the notebook 02-train-adapter.ipynb as a C# file-based app (.NET 10). Generated from the notebook's cells by
// tests/Decoding.Tests/Notebooks/NotebookAppGenerator.cs; do not edit: edit the notebook, then regenerate with
//   UPDATE_NOTEBOOK_APPS=1 dotnet test tests/Decoding.Tests --filter "FullyQualifiedName~NotebookAppTests"
// Run it from the folder that should receive its results/ (the repository root, say):
//   dotnet run --file notebooks/02-train-adapter.cs
#:project ../src/Decoding/Decoding.csproj
#:property PublishAot=false

using System.IO;
using System.Diagnostics;
using Decoding.DoubleConditioning;
using Decoding.Decode;
using Decoding.Decode.Routes;
using Fmri.MaskedBrainModeling;
using Fmri.Data;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Unet;
using Decoding.Notebooks;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using TorchSharp;

// # 2. Pretrain the brain encoder and train the conditioning adapter
//
// MinD-Vis learns in two stages:
//
// * **Stage A — Sparse-Coded Masked Brain Modeling (SC-MBM).** The fMRI voxel vector is cut into patches of 16
//   voxels, each patch embedded as a token; a large share of the patches is masked and a transformer autoencoder
//   learns to reconstruct them from the rest. Its encoder becomes the fMRI feature extractor.
// * **Stage B — Double-Conditioned LDM (DC-LDM).** The pretrained encoder's latent is projected by a conditioning
//   adapter into (i) a context sequence for the UNet's cross-attention and (ii) an extra time embedding, and the
//   model is fine-tuned on fMRI–image pairs with the usual denoising objective.
//
// This notebook runs both stages at a tiny scale on the data that notebook 1 preprocessed (run notebook 1 first,
// and `dotnet build` the repository before that). Because there is no pretrained latent diffusion model at this
// scale, the UNet works directly on 8×8 pixels (an identity first stage) and is trained together with the
// adapter, as in the project's end-to-end test; the paper instead fine-tunes a pretrained LDM's cross-attention,
// norms and time embedding.

// --- code cell 1 ---
// The models here are tiny: one libtorch thread is fastest (two wait for each other at every operator on a busy
// machine) and makes the results independent of the core count.
Fmri.Core.Torch.TorchSetup.Apply(threads: 1);
string results = Path.GetFullPath("results");
string canonicalPath = Path.Combine(results, "sim-01_preprocessed.h5");
string stimuliPath = Path.Combine(results, "stimuli.h5");
if (!File.Exists(canonicalPath) || !File.Exists(stimuliPath))
    throw new FileNotFoundException($"{canonicalPath}: not found; run notebook 01-preprocess first");
var fmri = CanonicalFile.Read(canonicalPath);
var stimuli = StimulusImageSet.Read(stimuliPath);
var clock = Stopwatch.StartNew();
NotebookDisplay.Text($"{fmri.SampleCount} samples x {fmri.VoxelCount} voxels ({fmri.IndicesOf(DataSplit.Train).Length} train, {fmri.IndicesOf(DataSplit.Test).Length} test); {stimuli.Count} stimulus images");

// ## Stage A: masked brain modeling
//
// The tiny preset has an embedding of 64, two encoder blocks and one decoder block (the paper: 1024, 24 and 8).
// Test-split fMRI is left out of the pretraining pool; 10% of the training samples are held out to score the
// reconstruction of masked voxels after every epoch.
//
// At this notebook's budget (30 epochs on 180 training samples, 20 held out, with a tiny encoder) the held-out masked correlation stays
// near 0: stage A learns little here, and the DC-LDM of stage B below scores about as its shuffled control in notebook 3.
// The notebooks show the mechanics; the demo (`decoding demo`) and the README give the numbers at a working size.

// --- code cell 2 ---
string mbmFolder = Path.Combine(results, "mbm");
if (Directory.Exists(mbmFolder)) Directory.Delete(mbmFolder, recursive: true);   // this notebook's own earlier output
var pretraining = MaskedBrainPretraining.Run(
    new MaskedBrainPretrainingSettings { Preset = "tiny", Epochs = 30, BatchSize = 32, Seed = 2022 },
    [(canonicalPath, fmri)], mbmFolder);
var epochs = pretraining.History.Epochs;
NotebookDisplay.Text($"pretrained on {pretraining.Pool.TrainSamples} samples ({pretraining.Pool.HeldOutSamples} held out, {pretraining.Pool.TestSamplesExcluded} test samples excluded): " +
                     $"masked-patch loss {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}, held-out masked-voxel correlation {pretraining.FinalHeldOutCorrelation:F3}");
NotebookDisplay.PngFile(Path.Combine(mbmFolder, MaskedBrainPretraining.LossPngFile), "SC-MBM loss (training and held-out masked patches)");
NotebookDisplay.PngFile(Path.Combine(mbmFolder, MaskedBrainPretraining.CorrelationPngFile), "held-out masked-voxel reconstruction (Pearson r)");

// ## Stage B: the double-conditioned model
//
// The pretrained encoder, a conditioning adapter (fMRI tokens → context for cross-attention, pooled latent → time
// embedding) and a small UNet are put together into the DC-LDM. Training pairs each training fMRI sample with the
// image it showed; the paper's augmentations are kept (20% of voxels zeroed, random crops), and the conditioning is
// dropped for 10% of samples so that classifier-free guidance can be used when decoding.

// --- code cell 3 ---
const int imageSize = 8;
var init = new torch.Generator(11);   // draws the UNet's and the adapter's initial weights
var (encoder, encoderConfig) = MaskedBrainPretraining.Load(mbmFolder);
var unetConfig = UNet2DConditionConfig.Tiny with { InChannels = 1, OutChannels = 1, SampleSize = imageSize, BlockOutChannels = [16, 32], NormNumGroups = 8 };
var unet = new UNet2DConditionModel(unetConfig);
SeededInitialization.Apply(unet, init);
var adapterConfig = new FmriConditionAdapterConfig
{
    FmriSequenceLength = encoder.Config.NumPatches,
    FmriLatentDim = encoder.Config.EmbedDim,
    ContextTokens = 8,
    CrossAttentionDim = unetConfig.CrossAttentionDim,
    TimeEmbedDim = unet.TimeEmbeddingDim,
};
var adapter = new FmriConditionAdapter(adapterConfig, init);
DoubleConditionedLdmFolder.SeedLayers(adapter, init);
var firstStage = new IdentityFirstStage(1);
var model = new DoubleConditionedLdm(new DoubleConditionedLdmConfig
{
    BrainEncoder = encoderConfig,
    Adapter = adapterConfig,
    Unet = unetConfig,
    Scheduler = new SchedulerConfig(),
    ImageSize = imageSize,
    ImageChannels = 1,
    FirstStage = firstStage.Kind,
    Trainable = TrainableParts.All,
}, encoder, adapter, unet);
init.Dispose();

var pairs = BrainEncoderWidth.Fit(StimulusPairs.ForTraining(fmri, canonicalPath, stimuli, stimuliPath, imageSize, 1), encoderConfig, canonicalPath);
// The trainer writes its checkpoint (model, optimiser and generator state) and loss curve into the model folder.
string modelFolder = Path.Combine(results, "dc_ldm");
if (Directory.Exists(modelFolder)) Directory.Delete(modelFolder, recursive: true);
LossCurve adapterCurve;
var trainingClock = Stopwatch.StartNew();
using (var trainer = new ConditioningAdapterTrainer(model, firstStage, new AdapterTrainingOptions
{
    Epochs = 8, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 5, Trainable = TrainableParts.All, Seed = 4,
}))
    adapterCurve = trainer.Train(pairs, modelFolder);
NotebookDisplay.Text($"trained on {pairs.Count} fMRI-image pairs: {adapterCurve.Points.Count} steps in {trainingClock.Elapsed.TotalSeconds:F1} s, " +
                     $"loss {adapterCurve.Points[0].Loss:F3} -> {adapterCurve.Points[^1].Loss:F3}");
NotebookDisplay.Png(PlotImage.RenderPng(LossCurvePlot.Build([LossCurvePlot.FromCurve(adapterCurve, "denoising loss")], logScale: true,
    new PlotLabels("DC-LDM training (adapter, encoder and UNet)", "step", "MSE of predicted noise"))), "stage B loss curve");
// Checks that stop the notebook (and the test suite that runs it) when training is broken: stage A's masked-patch loss
// and stage B's denoising loss both fall clearly (a model that never updated would keep its first loss).
double stageBFirst = adapterCurve.Points.Where(p => p.Epoch == adapterCurve.Points[0].Epoch).Average(p => p.Loss);
double stageBLast = adapterCurve.Points.Where(p => p.Epoch == adapterCurve.Points[^1].Epoch).Average(p => p.Loss);
if (!(epochs[^1].TrainLoss < 0.75 * epochs[0].TrainLoss))
    throw new InvalidOperationException($"stage A's masked-patch loss went {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}; a working pretraining loses a quarter at least here");
if (!(stageBLast < 0.5 * stageBFirst))
    throw new InvalidOperationException($"stage B's mean loss went {stageBFirst:F3} (first epoch) -> {stageBLast:F3} (last); a working training halves it at least here");
NotebookDisplay.Text($"checked: stage A loss {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}, stage B epoch mean {stageBFirst:F3} -> {stageBLast:F3}");

// ## Save the model and decode a few test images
//
// The trained model is saved in the folder layout that `decoding decode` reads; notebook 3 loads it. Each test
// fMRI pattern (the average of its repeats) conditions the sampler; DDIM with 20 steps and guidance scale 3 draws
// two images per item. The grid shows the stimulus the subject saw next to its decodings.

// --- code cell 4 ---
// The MinD-Vis route decodes each test item from its fMRI; each item draws from its own seeded generator.
var items = BrainEncoderWidth.Fit(StimulusPairs.ForSplit(fmri, canonicalPath, DataSplit.Test, stimuli, stimuliPath, imageSize, 1), encoderConfig, canonicalPath);
var route = new MindVisRoute(model, firstStage, new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 20, GuidanceScale = 3.0 });
var preview = DecodingRun.Run(route, items, new DecodingSettings { Route = MindVisRoute.Name, Samples = 2, Seed = 9 },
    Path.Combine(results, "decoded_preview"), new Dictionary<string, object>());
NotebookDisplay.PngFile(Path.Combine(results, "decoded_preview", DecodingRun.GridFile), $"{items.Count} test stimuli and their decodings");
NotebookDisplay.Text($"decoded {preview.Images.shape[0]} items x {preview.Images.shape[1]} samples; notebook ran in {clock.Elapsed.TotalSeconds:F1} s");
