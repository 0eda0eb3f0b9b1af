using Decoding.Decode;
using Decoding.Metrics;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.Tests.Metrics;
using Fmri.Data;
using Fmri.Data.Stimuli;
using TorchSharp;

namespace Decoding.Tests.Evaluation;

/// <summary>
/// Files for the evaluation tests, built once: a tiny <see cref="SmallCnnClassifier"/> (4 filters, 16 features) trained
/// in-test on <see cref="SyntheticShapes"/> (4 classes, 16x16), a stimulus file of 48 other shape images (12 per class)
/// and decoded.h5 files: perfect (decoded = stimulus, K = 2), fixed (every decoded image the same stimulus, K = 1), a
/// shuffled control (item i shows the stimulus of a derangement across categories, K = 2) and the first 10 stimuli
/// decoded perfectly with K = 5.
/// </summary>
internal sealed class EvaluationTestData
{
    public const int Size = 16, Items = 48;

    private static readonly Lazy<EvaluationTestData> Shared = new(() => new EvaluationTestData());

    public static EvaluationTestData Instance => Shared.Value;

    public string Folder { get; }
    public string ClassifierFolder => Path.Combine(Folder, "classifier");
    public string StimuliFile => Path.Combine(Folder, "stimuli.h5");
    public string PerfectFile => Path.Combine(Folder, "perfect", DecodedImagesFile.FileName);
    public string FixedFile => Path.Combine(Folder, "fixed", DecodedImagesFile.FileName);
    public string ShuffledFile => Path.Combine(Folder, "shuffled", DecodedImagesFile.FileName);
    public double ClassifierAccuracy { get; }

    private EvaluationTestData()
    {
        Folder = Path.Combine(Path.GetTempPath(), "evaluate-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        string folder = Folder;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* best effort: a temp folder left behind is harmless */ }
        };
        var (trainImages, trainLabels) = SyntheticShapes.Generate(240, Size, new Random(11));
        var (heldOut, heldOutLabels) = SyntheticShapes.Generate(80, Size, new Random(12));
        var config = new SmallCnnConfig(InputChannels: 1, ImageSize: Size, ClassCount: SyntheticShapes.ClassCount, BaseChannels: 4, FeatureSize: 16);
        using var generator = new torch.Generator(13);
        var classifier = new SmallCnnClassifier(config, generator);
        ClassifierTrainer.Train(classifier, trainImages, trainLabels, new SmallCnnTrainingOptions(Epochs: 12, BatchSize: 32), generator, ClassifierFolder, 13);
        ClassifierAccuracy = classifier.Evaluate(heldOut, heldOutLabels);
        new ClassifierFolder(ClassifierFolder).SaveDescription(new ClassifierDescription(config, ["square", "ring", "bar", "cross"],
            "synthetic shapes (test fixture)", [], trainImages.Count, heldOut.Count, ClassifierAccuracy));
        classifier.Dispose();

        var (stimuli, labels) = SyntheticShapes.Generate(Items, Size, new Random(14));
        var bytes = stimuli.Select(ToBytes).ToArray();
        var ids = Enumerable.Range(0, Items).Select(i => new StimulusId($"shape_{i}")).ToArray();
        new StimulusImageSet(bytes.SelectMany(b => b).ToArray(), Items, Size, Size, 1, ids, labels.ToArray(), ["square", "ring", "bar", "cross"]).Write(StimuliFile);

        var idText = ids.Select(id => id.Value).ToArray();
        WriteDecoded(PerfectFile, Enumerable.Range(0, Items).Select(i => new[] { bytes[i], bytes[i] }).ToArray(), idText, labels, Route("perfect"));
        WriteDecoded(FixedFile, Enumerable.Range(0, Items).Select(_ => new[] { bytes[0] }).ToArray(), idText, labels, Route("fixed image"));
        var order = Decoding.Decode.ShuffledFmriControl.Draw(labels, 15).Order;
        WriteDecoded(ShuffledFile, Enumerable.Range(0, Items).Select(i => new[] { bytes[order[i]], bytes[order[(i + 1) % Items]] }).ToArray(), idText, labels,
            Route("perfect") with { Name = "control: perfect, shuffled", Kind = DecodedMethod.Control, ControlOf = "perfect" });
        WriteDecoded(TenFile, Enumerable.Range(0, 10).Select(i => Enumerable.Repeat(bytes[i], 5).ToArray()).ToArray(), idText[..10], labels.Take(10).ToList(), Route("ten perfect"));
    }

    /// <summary>decoded.h5 of the first 10 stimuli, each decoded perfectly K = 5 times.</summary>
    public string TenFile => Path.Combine(Folder, "ten", DecodedImagesFile.FileName);

    /// <summary>A route's method record for a constructed decoded.h5.</summary>
    public static DecodedMethod Route(string name) => new(name, DecodedMethod.Route, name, UsesFmri: true, UsesTrueLabel: false, ControlOf: null, "test fixture");

    public static byte[] ToBytes(ImageTensor image) => image.Pixels.Select(p => (byte)Math.Round(p * 255)).ToArray();

    public static void WriteDecoded(string path, byte[][][] samples, string[] ids, IReadOnlyList<int> categories, DecodedMethod method, int size = Size, int channels = 1)
    {
        int k = samples[0].Length;
        var all = samples.SelectMany(s => s.SelectMany(b => b)).ToArray();
        DecodedImagesFile.Write(path, new DecodedImages(all, samples.Length, k, size, size, channels, ids, categories.ToArray(), method, null,
            new Dictionary<string, string>()), new Dictionary<string, object> { ["sampler"] = "test-fixture" });
    }
}
