#:project ../../src/Decoding/Decoding.csproj
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:property PublishAot=false
#:property EnableTrimAnalyzer=false
#:property TreatWarningsAsErrors=false
using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Fmri.Data;
using static TorchSharp.torch;
var ri = typeof(Img2ImgRoute).Assembly.GetType("Decoding.Decode.Routes.RouteImages")!;
int SubSeed(long s, string p) => (int)ri.GetMethod("SubSeed")!.Invoke(null, [s, p])!;
IReadOnlyList<Decoding.Metrics.ImageTensor> ToIm(Tensor t) => (IReadOnlyList<Decoding.Metrics.ImageTensor>)ri.GetMethod("ToImageTensors")!.Invoke(null, [t])!;
var root = "/tmp/freshI/p/results/demo";
TorchSharp.torch.set_num_threads(2);
var ldm = new LatentDiffusionModelFolder($"{root}/models/ldm").LoadPipeline(useEmaWeights: true);
var stimuliFile = $"{root}/data/stimuli.h5";
var dataFile = $"{root}/data/preprocessed.h5";
var stimuli = Fmri.Data.Stimuli.StimulusImageSet.Read(stimuliFile);
var fmri = Fmri.Data.Layouts.CanonicalFile.Read(dataFile);
var train = StimulusPairs.ForTraining(fmri, dataFile, stimuli, stimuliFile, ldm.Model.Config.ImageSize, ldm.Model.Config.ImageChannels);
var split = ValidationSplit.Carve(train, 50, 1);
var fit = split.Fit; var val = split.Validation;
var semantic = SemanticDecoder.Fit(fit, stimuli.CategoryNames, ldm, SemanticTarget.Category, 1, trainMapper: false);
var low = LowLevelRoute.Fit(fit, ldm.Sampler.FirstStage, 1);
var judge = new DiffusionCategoryJudge(ldm, fit.Categories.Distinct().Order().ToArray(), stimuli.CategoryNames, SubSeed(1, "diffusion-judge"));
var ims = ToIm(val.Images);
var ids = val.StimulusIds.Select(i => i.Value).ToArray();
void Run(string label, IDecodingRoute route)
{
    var gens = ItemGenerators.For(1, ids);
    var chunks = new List<Tensor>();
    for (int s = 0; s < val.Count; s += 8) chunks.Add(route.Decode(new DecodeBatch(val.Voxels, val.VoxelCount, ids, null, gens).Slice(s, Math.Min(8, val.Count - s)), 1));
    using var all = cat(chunks, 0).select(1, 0);
    var p = RouteSelection.PixelScore(all, ims);
    var c = RouteSelection.Consistency(judge, all, val.Categories);
    Console.WriteLine($"{label}: PixCorr {p.PixCorr:F3} SSIM {p.Ssim:F3} ident {p.PixelIdentification:F3} consistency {c:F2}");
}
Run("lowlevel", low);
foreach (var g in new[] { 16.0, 32.0, 64.0 })
foreach (var st in new[] { 0.06, 0.1, 0.15 })
{
    var sampling = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 50, GuidanceScale = g };
    foreach (var b in new[] { 0.0, 0.25, 0.5 })
        Run($"s{st} g{g} blend {b}", new Img2ImgRoute(low, semantic, ldm, sampling, new Img2ImgSettings(st, b)));
}
