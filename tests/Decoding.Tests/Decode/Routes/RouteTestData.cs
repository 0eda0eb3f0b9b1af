using Decoding.Decode;
using Decoding.LatentDiffusion;
using Decoding.Tests.Evaluation;
using Decoding.Tests.LatentDiffusion;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Decode.Routes;

/// <summary>
/// Files for the route tests, built once in <see cref="EvaluationTestData"/>'s folder: <see cref="SyntheticBrainData"/>
/// (64 voxels, a strong linear voxel -> image signal, 4 shape categories, 10 training and 3 test exemplars each) as a
/// preprocessed file and its stimulus file, and a train-ldm folder on ldm's tiny preset (16x16 greyscale, 4x4x4 latent)
/// trained here on the stimulus images with their category names as prompts (VAE 40 steps, LDM 40 steps).
/// </summary>
internal sealed class RouteTestData
{
    private static readonly Lazy<RouteTestData> Shared = new(() => new RouteTestData());

    public static RouteTestData Instance => Shared.Value;

    public string Folder { get; }
    public string DataFile => Path.Combine(Folder, "pre.h5");
    public string StimuliFile => Path.Combine(Folder, "stimuli.h5");
    public string LdmFolder => Path.Combine(Folder, "ldm");
    public FmriDataset Fmri { get; }
    public StimulusImageSet Stimuli { get; }
    public int[] TestIndices { get; }

    private RouteTestData()
    {
        Folder = Path.Combine(EvaluationTestData.Instance.Folder, "routes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        (Fmri, Stimuli) = SyntheticBrainData.Create(trainPerClass: 10, testPerClass: 3);
        CanonicalFile.Write(DataFile, Fmri);
        Stimuli.Write(StimuliFile);
        TestIndices = Fmri.IndicesOf(DataSplit.Test);

        var images = LabelledImages.FromStimuli(Stimuli);
        var preset = TestPresets.Tiny(vaeSteps: 40, ldmSteps: 40);
        var vae = new VaeTrainer(preset).Train(images, Path.Combine(Folder, "vae"), seed: 5).Vae;
        new LatentDiffusionTrainer(preset, new AutoencoderFirstStage(vae)).Train(images, LdmFolder, seed: 6).Model.Dispose();
        vae.Dispose();
    }

    /// <summary>The training and test pairs at the LDM's geometry (16x16x1).</summary>
    public (StimulusPairs Train, StimulusPairs Test) Pairs() => (
        StimulusPairs.ForTraining(Fmri, DataFile, Stimuli, StimuliFile, SyntheticBrainData.Size, 1),
        StimulusPairs.ForSplit(Fmri, DataFile, DataSplit.Test, Stimuli, StimuliFile, SyntheticBrainData.Size, 1));

    /// <summary>Fits <paramref name="settings"/>' route once and decodes the test split with it twice, as the route and as
    /// <paramref name="control"/> (its shuffled-fMRI settings), into new folders.</summary>
    public (string Route, string Control) DecodeWithControl(DecodingSettings settings, DecodingSettings control, TextToImagePipeline? ldm = null)
    {
        var paths = DecodeRuns(settings, [settings, control], ldm);
        return (paths[0], paths[1]);
    }

    /// <summary>Fits <paramref name="settings"/>' route on the training split and decodes the test split into a new folder.</summary>
    public string Decode(DecodingSettings settings, TextToImagePipeline? ldm = null) => DecodeRuns(settings, [settings], ldm)[0];

    /// <summary>Fits the route of <paramref name="fit"/> once and decodes the test split with each of <paramref name="runs"/>.</summary>
    private string[] DecodeRuns(DecodingSettings fit, DecodingSettings[] runs, TextToImagePipeline? ldm)
    {
        var (train, test) = Pairs();
        var route = RouteCatalog.Build(fit, new RouteModels(ldm), train, Stimuli.CategoryNames);
        var paths = runs.Select(run =>
        {
            string output = Path.Combine(Folder, $"{run.Route}-{Guid.NewGuid():N}");
            // As decode does: the route's validation record, if it chose a setting on validation.
            using var result = DecodingRun.Run(route, test, run, output, new Dictionary<string, object>(route.Validation?.Attributes() ?? []));
            return Path.Combine(output, DecodedImagesFile.FileName);
        }).ToArray();
        (route as IDisposable)?.Dispose();
        train.Images.Dispose();
        test.Images.Dispose();
        return paths;
    }
}
