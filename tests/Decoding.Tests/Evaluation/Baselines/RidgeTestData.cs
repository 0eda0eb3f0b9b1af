using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.Evaluation;
using Decoding.LatentDiffusion;
using Decoding.Tests.DoubleConditioning;
using Decoding.Tests.LatentDiffusion;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Evaluation.Baselines;

/// <summary>
/// Files for the ridge-baseline tests, built once in <see cref="EvaluationTestData"/>'s folder: <see cref="SyntheticBrainData"/>
/// (64 voxels, a strong linear voxel -> image signal, 10 training and 3 test exemplars per class) as a preprocessed file
/// and its stimulus file; a decoded.h5 whose "pipeline" is the test stimuli themselves (these tests are about the ridge
/// rows); and a train-adapter folder on ldm's tiny preset (16x16 greyscale, 4x4x4 latent) whose autoencoder was
/// trained for 40 steps here (<see cref="VaeTrainer"/>) and whose DC-LDM is <see cref="TinyDcLdm.WithAutoencoder"/>.
/// </summary>
internal sealed class RidgeTestData
{
    private static readonly Lazy<RidgeTestData> Shared = new(() => new RidgeTestData());

    public static RidgeTestData Instance => Shared.Value;

    public string Folder { get; }
    public string DataFile => Path.Combine(Folder, "pre.h5");
    public string StimuliFile => Path.Combine(Folder, "stimuli.h5");
    public string DecodedFile => Path.Combine(Folder, "decoded", DecodedImagesFile.FileName);
    public string VaeModelFolder => Path.Combine(Folder, "adapter");
    public FmriDataset Fmri { get; }
    public StimulusImageSet Stimuli { get; }
    public int[] TestIndices { get; }

    private RidgeTestData()
    {
        Folder = Path.Combine(EvaluationTestData.Instance.Folder, "ridge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        (Fmri, Stimuli) = SyntheticBrainData.Create(trainPerClass: 10, testPerClass: 3);
        CanonicalFile.Write(DataFile, Fmri);
        Stimuli.Write(StimuliFile);
        TestIndices = Fmri.IndicesOf(DataSplit.Test);
        var ids = TestIndices.Select(i => Fmri.StimulusIds[i].Value).ToArray();
        var samples = TestIndices.Select(i => new[] { Stimuli.Image(Stimuli.Find(Fmri.StimulusIds[i])).ToArray() }).ToArray();
        EvaluationTestData.WriteDecoded(DecodedFile, samples, ids, TestIndices.Select(i => Fmri.CategoryLabels[i]).ToArray(), shuffled: false);

        string vaeFolder = Path.Combine(Folder, "vae");
        var vae = new VaeTrainer(TestPresets.Tiny(vaeSteps: 40, ldmSteps: 1)).Train(SyntheticImages.VariedShapes(size: 16, count: 64, seed: 3), vaeFolder, seed: 5).Vae;
        var (model, untrained) = TinyDcLdm.WithAutoencoder(voxels: Fmri.VoxelCount, seed: 4);
        new DoubleConditionedLdmFolder(VaeModelFolder).Save(model, new AutoencoderFirstStage(vae));
        model.Dispose();
        ((AutoencoderFirstStage)untrained).Vae.Dispose();
        vae.Dispose();
    }

    /// <summary><see cref="EvaluationRun.Run"/> on these files with the shared classifier.</summary>
    public EvaluationReport Evaluate(string? ridgeVae = null, bool ridge = true)
        => EvaluationRun.Run(new EvaluationInputs(DecodedFile, StimuliFile, EvaluationTestData.Instance.ClassifierFolder,
                Path.Combine(Folder, "out-" + Guid.NewGuid().ToString("N")), Data: ridge ? DataFile : null, RidgeVae: ridgeVae),
            new EvaluationSettings([2, 4], TrialsPerItem: 50, Seed: 3, BootstrapResamples: 100), DateTimeOffset.UnixEpoch);
}
