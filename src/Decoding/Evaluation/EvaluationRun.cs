using Decoding.Decode;
using Decoding.Evaluation.Baselines;
using Decoding.Evaluation.Metrics;
using Decoding.Evaluation.ScoringClassifier;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;
using static TorchSharp.torch;

namespace Decoding.Evaluation;

/// <summary>
/// <c>decoding evaluate</c> as a library call: reads the decoded images, their stimuli and the scoring classifier,
/// scores the pipeline, the shuffled-fMRI control and the ridge baselines with <see cref="DecodingEvaluation"/>, adds
/// the chance and published reference rows, and writes <c>metrics.json</c>. The ridge baselines, all fitted on the
/// preprocessed file's training split only: voxels -> pixels, voxels -> the scoring classifier's features, and (with
/// <see cref="EvaluationInputs.RidgeVae"/>) voxels -> the VAE latent decoded by the VAE.
/// </summary>
public static class EvaluationRun
{
    /// <summary>Published MinD-Vis number, quoted in the method notes: released checkpoint, GOD subject 3, 50-way top-1, max over samples.</summary>
    public const double MinDVisGodSubject3FiftyWay = 0.226;

    public static EvaluationReport Run(EvaluationInputs inputs, EvaluationSettings? settings, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.SimulationTruth is not null && inputs.Data is null)
            throw new InvalidSettingException("simulation_truth", inputs.SimulationTruth, "needs {ridge} <preprocessed.h5>: the ceiling row uses that file's training and test stimuli");
        if (inputs.RidgeVae is not null && inputs.Data is null)
            throw new InvalidSettingException("ridge_vae", inputs.RidgeVae, "needs {ridge} <preprocessed.h5>: the VAE-latent ridge baseline is fitted on that file's training split");
        var decoded = DecodedImages.Read(inputs.Decoded);
        Check.ExistingFile(inputs.Stimuli, "stimuli");
        var stimuli = StimulusImageSet.Read(inputs.Stimuli).FitTo(decoded.Height, decoded.Width);
        var (classifier, description) = new ClassifierFolder(inputs.ClassifierFolder).Load();
        using var classifierScope = classifier;
        var network = description.Network;
        if (network.ImageSize != decoded.Height || network.ImageSize != decoded.Width)
            throw new InvalidSettingException("classifier", inputs.ClassifierFolder, $"takes {network.ImageSize}x{network.ImageSize} images but {inputs.Decoded} holds {decoded.Height}x{decoded.Width}");
        settings ??= new EvaluationSettings(Enumerable.Range(2, network.ClassCount - 1).ToArray());
        settings.Validate(network.ClassCount);
        int channels = network.InputChannels;
        var categoryNames = stimuli.CategoryNames.Count > 0 ? stimuli.CategoryNames : description.ClassNames;

        var (stimulusImages, categories) = Align(decoded, inputs.Decoded, stimuli, inputs.Stimuli, categoryNames, channels);
        var rows = new List<MetricRow>
        {
            DecodingEvaluation.Evaluate("pipeline", "pipeline", stimulusImages, DecodedSamples(decoded, channels), categories, classifier, settings,
                decoded.IsShuffledControl ? "decoded.h5 says shuffle_fmri = 1: this 'pipeline' row is itself a shuffled control" : null),
        };
        if (inputs.Control is not null)
        {
            var control = DecodedImages.Read(inputs.Control);
            var (controlStimuli, controlCategories) = Align(control, inputs.Control, stimuli, inputs.Stimuli, categoryNames, channels);
            rows.Add(DecodingEvaluation.Evaluate("shuffled-fMRI control", "control", controlStimuli, DecodedSamples(control, channels), controlCategories,
                classifier, settings, control.IsShuffledControl ? "decode --shuffle-fmri: fMRI rows permuted relative to the stimuli"
                    : "WARNING: this file's shuffle_fmri attribute is not 1; it may not be a shuffled control"));
        }
        FmriDataset? data = null;
        string vaeWeights = "";
        if (inputs.Data is not null)
        {
            data = CanonicalFile.Read(inputs.Data);
            using var autoencoder = inputs.RidgeVae is null ? null : ModelFolderAutoencoder.Load(inputs.RidgeVae);
            if (autoencoder is not null) vaeWeights = autoencoder.VaeWeightsPath;
            rows.AddRange(RidgeRows(data, inputs.Data, StimulusImageSet.Read(inputs.Stimuli), inputs.Stimuli, decoded.Height, channels, categoryNames,
                classifier, settings, autoencoder, inputs.SimulationTruth));
        }

        var seen = new HashSet<string>(description.TrainingStimulusIds ?? []);
        int seenCount = decoded.StimulusIds.Distinct().Count(seen.Contains);
        var report = new EvaluationReport
        {
            CreatedUtc = started,
            Settings = settings,
            Inputs = new SortedDictionary<string, string>
            {
                ["decoded"] = Path.GetFullPath(inputs.Decoded),
                ["stimuli"] = Path.GetFullPath(inputs.Stimuli),
                ["classifier"] = Path.GetFullPath(inputs.ClassifierFolder),
                ["control"] = inputs.Control is null ? "" : Path.GetFullPath(inputs.Control),
                ["data"] = inputs.Data is null ? "" : Path.GetFullPath(inputs.Data),
                ["ridge_vae"] = inputs.RidgeVae is null ? "" : Path.GetFullPath(inputs.RidgeVae),
                ["simulation_truth"] = inputs.SimulationTruth is null ? "" : Path.GetFullPath(inputs.SimulationTruth),
            },
            InputSha256 = RunManifest.HashInputs(DecodedFile(inputs.Decoded), inputs.Stimuli, new ClassifierFolder(inputs.ClassifierFolder).WeightsPath,
                inputs.Control is null ? "" : DecodedFile(inputs.Control), inputs.Data ?? "", vaeWeights, inputs.SimulationTruth ?? ""),
            Data = Describe(decoded, data, seenCount, network.ClassCount),
            Classifier = new ClassifierSummary(Path.GetFullPath(inputs.ClassifierFolder), description.TrainingData, network.ClassCount,
                description.ClassNames, description.TestAccuracy, seenCount),
            Rows = rows,
            References = References(settings, network.ClassCount),
            ItemCategories = categories,
            ItemStimulusIds = decoded.StimulusIds,
        };
        Directory.CreateDirectory(inputs.Output);
        report.Write(Path.Combine(inputs.Output, EvaluationReport.MetricsFile));
        return report;
    }

    /// <summary>The stimulus of each decoded item (by stimulus id) and its category name.</summary>
    public static (IReadOnlyList<ImageTensor> Stimuli, IReadOnlyList<string> Categories) Align(DecodedImages decoded, string decodedPath,
        StimulusImageSet stimuli, string stimuliPath, IReadOnlyList<string> categoryNames, int channels)
    {
        var images = new ImageTensor[decoded.Count];
        var categories = new string[decoded.Count];
        for (int i = 0; i < decoded.Count; i++)
        {
            int index = stimuli.Find(new StimulusId(decoded.StimulusIds[i]));
            if (index < 0)
                throw new DataFormatException(stimuliPath, "stimulus_id", $"has no image for stimulus '{decoded.StimulusIds[i]}' (item {i} of {decodedPath})");
            images[i] = EvaluationImages.FromBytes(stimuli.Image(index), stimuli.Height, stimuli.Width, stimuli.Channels, channels);
            categories[i] = CategoryName(decoded.Categories[i], categoryNames);
        }
        return (images, categories);
    }

    private static IReadOnlyList<IReadOnlyList<ImageTensor>> DecodedSamples(DecodedImages decoded, int channels)
        => Enumerable.Range(0, decoded.Count).Select(i => (IReadOnlyList<ImageTensor>)Enumerable.Range(0, decoded.Samples)
            .Select(k => EvaluationImages.FromBytes(decoded.Image(i, k), decoded.Height, decoded.Width, decoded.Channels, channels)).ToArray()).ToList();

    private static string CategoryName(int label, IReadOnlyList<string> names)
        => label >= 0 && label < names.Count ? names[label] : label < 0 ? "unknown" : $"category {label}";

    /// <summary>The ridge baselines: voxels -> pixels, voxels -> VAE latent (when <paramref name="autoencoder"/> is given)
    /// and voxels -> classifier features, each fitted on the training split only with its own seeded folds.</summary>
    private static List<MetricRow> RidgeRows(FmriDataset data, string dataFile, StimulusImageSet stimuli, string stimuliFile, int size, int channels,
        IReadOnlyList<string> categoryNames, SmallCnnClassifier classifier, EvaluationSettings settings, ModelFolderAutoencoder? autoencoder,
        string? simulationTruth)
    {
        var rows = new List<MetricRow>();
        var train = StimulusPairs.ForTraining(data, dataFile, stimuli, stimuliFile, size, channels);
        var test = StimulusPairs.ForSplit(data, dataFile, DataSplit.Test, stimuli, stimuliFile, size, channels);
        try
        {
            var testImages = ToImages(test.Images);
            var testCategories = test.Categories.Select(c => CategoryName(c, categoryNames)).ToList();
            var trainImages = ToImages(train.Images);
            var baseline = RidgeImageBaseline.Fit(train.Voxels, train.VoxelCount, trainImages, new Random(DecodingEvaluation.SubSeed(settings.Seed, "ridge-folds")));
            var predicted = baseline.Predict(test.Voxels, test.Count);
            rows.Add(DecodingEvaluation.Evaluate("ridge: voxels -> pixels", "baseline", testImages, predicted.Select(p => (IReadOnlyList<ImageTensor>)[p]).ToList(),
                testCategories, classifier, settings,
                $"linear ridge map from {train.VoxelCount} voxels to the {size}x{size}x{channels} stimulus pixels; {train.Count} training samples; lambda {baseline.Lambda:G3} by {RidgeImageBaseline.DefaultFolds}-fold CV on training samples only; K = 1"));

            if (simulationTruth is not null)
                rows.Add(NoiseFreeCeilingRow(simulationTruth, train, trainImages, test, testImages, testCategories, size, channels, classifier, settings));

            if (autoencoder is not null)
                rows.Add(VaeRidgeRow(data, dataFile, stimuli, stimuliFile, size, channels, test, testImages, testCategories, classifier, settings, autoencoder));

            var features = RidgeFeatureBaseline.Fit(train.Voxels, train.VoxelCount, classifier.Classify(trainImages).Features,
                new Random(DecodingEvaluation.SubSeed(settings.Seed, "ridge-features-folds")));
            var predictedFeatures = features.Predict(test.Voxels, test.Count);
            rows.Add(DecodingEvaluation.EvaluateFeatures("ridge: voxels -> classifier features", "baseline", classifier.Classify(testImages), predictedFeatures,
                classifier.ProbabilitiesFromFeatures(predictedFeatures), testCategories, settings,
                $"linear ridge map from {train.VoxelCount} voxels to the scoring classifier's {features.FeatureSize}-value feature vector of the stimulus; "
                + $"{train.Count} training samples; lambda {features.Lambda:G3} by {RidgeImageBaseline.DefaultFolds}-fold CV on training samples only; "
                + "2-way identification on predicted vs true features; n-way from the classifier's head and softmax on the predicted features; no images, so 2-way pixels, PixCorr and SSIM are n/a; K = 1"));
        }
        finally
        {
            train.Images.Dispose();
            test.Images.Dispose();
        }
        return rows;
    }

    /// <summary>
    /// The ceiling the simulator allows this linear decoder: the same ridge voxels -> pixels, fitted and tested on the
    /// simulator's noise-free responses (truth.h5 <c>/noise_free_response</c>) to the same training and test stimuli
    /// (no measurement noise, no run drift, no averaging needed).
    /// </summary>
    private static MetricRow NoiseFreeCeilingRow(string truthFile, StimulusPairs train, IReadOnlyList<ImageTensor> trainImages, StimulusPairs test,
        IReadOnlyList<ImageTensor> testImages, IReadOnlyList<string> testCategories, int size, int channels, IImageClassifier classifier,
        EvaluationSettings settings)
    {
        var truth = SimulationTruth.Read(truthFile);
        var rowOf = new Dictionary<StimulusId, int>();
        for (int i = 0; i < truth.StimulusCount; i++) rowOf[truth.StimulusIds[i]] = i;
        int v = truth.VoxelCount;
        float[] Responses(StimulusPairs pairs)
        {
            var x = new float[(long)pairs.Count * v]; // (n, V)
            for (int i = 0; i < pairs.Count; i++)
            {
                if (!rowOf.TryGetValue(pairs.StimulusIds[i], out int k))
                    throw new DataFormatException(truthFile, "stimulus_id", $"has no noise-free response for stimulus '{pairs.StimulusIds[i]}'");
                truth.Response(k).CopyTo(x.AsSpan(i * v, v));
            }
            return x;
        }
        // RidgeRegression standardises each voxel with training statistics itself, as for the measured data.
        var xTrain = Responses(train);
        var xTest = Responses(test);
        var baseline = RidgeImageBaseline.Fit(xTrain, v, trainImages, new Random(DecodingEvaluation.SubSeed(settings.Seed, "ceiling-folds")));
        var predicted = baseline.Predict(xTest, test.Count);
        return DecodingEvaluation.Evaluate("ceiling: ridge voxels -> pixels on noise-free responses", "ceiling", testImages,
            predicted.Select(p => (IReadOnlyList<ImageTensor>)[p]).ToList(), testCategories, classifier, settings,
            $"the simulator's noise-free responses of all {v} simulated voxels ({truthFile}) to the same {train.Count} training and {test.Count} test stimuli, "
            + $"each voxel standardised with training statistics; ridge to the {size}x{size}x{channels} pixels, lambda {baseline.Lambda:G3} by "
            + $"{RidgeImageBaseline.DefaultFolds}-fold CV on training samples only; what a linear decoder could reach without measurement noise; K = 1");
    }

    /// <summary>Voxels -> the VAE posterior mean latent of the stimulus at the model's image format (as the decoder's
    /// training pairs are built), decoded by the frozen VAE and scored like the pixel ridge against the test stimuli.</summary>
    private static MetricRow VaeRidgeRow(FmriDataset data, string dataFile, StimulusImageSet stimuli, string stimuliFile, int size, int channels,
        StimulusPairs test, IReadOnlyList<ImageTensor> testImages, IReadOnlyList<string> testCategories, IImageClassifier classifier,
        EvaluationSettings settings, ModelFolderAutoencoder autoencoder)
    {
        if (autoencoder.ImageSize != size)
            throw new InvalidSettingException("ridge_vae", autoencoder.ConfigPath, $"works on {autoencoder.ImageSize}x{autoencoder.ImageSize} images; the decoded images and the classifier are {size}x{size}");
        var train = StimulusPairs.ForTraining(data, dataFile, stimuli, stimuliFile, autoencoder.ImageSize, autoencoder.ImageChannels);
        try
        {
            var baseline = RidgeLatentBaseline.Fit(train.Voxels, train.VoxelCount, train.Images, autoencoder.FirstStage,
                new Random(DecodingEvaluation.SubSeed(settings.Seed, "ridge-vae-folds")));
            var predicted = baseline.Predict(test.Voxels, test.Count).Select(p => (IReadOnlyList<ImageTensor>)[EvaluationImages.WithChannels(p, channels)]).ToList();
            return DecodingEvaluation.Evaluate("ridge: voxels -> VAE latent", "baseline", testImages, predicted, testCategories, classifier, settings,
                $"linear ridge map from {train.VoxelCount} voxels to the VAE posterior mean latent ({string.Join("x", baseline.LatentShape)}) of the "
                + $"{baseline.ImageSize}x{baseline.ImageSize}x{baseline.ImageChannels} stimulus, decoded by the frozen VAE of {Path.GetDirectoryName(autoencoder.ConfigPath)}; "
                + $"{train.Count} training samples; lambda {baseline.Lambda:G3} by {RidgeImageBaseline.DefaultFolds}-fold CV on training samples only; K = 1");
        }
        finally
        {
            train.Images.Dispose();
        }
    }

    /// <summary>uint8 (N, C, S, S) stimulus tensor -> HWC images in [0, 1].</summary>
    private static IReadOnlyList<ImageTensor> ToImages(Tensor images)
    {
        using var hwc = images.permute(0, 2, 3, 1).contiguous();   // (N, S, S, C)
        var bytes = hwc.data<byte>().ToArray();
        int n = (int)hwc.shape[0], h = (int)hwc.shape[1], w = (int)hwc.shape[2], c = (int)hwc.shape[3];
        int length = h * w * c;
        return Enumerable.Range(0, n).Select(i => EvaluationImages.FromBytes(bytes.AsSpan(i * length, length), h, w, c, c)).ToArray();
    }

    private static DataDescription Describe(DecodedImages decoded, FmriDataset? data, int seenCount, int classCount)
    {
        var caveats = new List<string>();
        if (decoded.Attributes.TryGetValue("brain_encoder_include_test_fmri", out var includeTest) && includeTest == "1")
            caveats.Add("Stage A (masked brain modelling) was fine-tuned with test-set fMRI (without images), as the MinD-Vis authors did.");
        if (seenCount > 0)
            caveats.Add($"{seenCount} of the test stimuli were among the scoring classifier's training images.");
        caveats.Add($"The scoring classifier is a small CNN over {classCount} classes trained here, not MinD-Vis's pretrained ImageNet classifier over 1000 classes; n-way accuracies are comparable only at equal n and class set.");
        string origin = "unknown (no --data given)";
        if (data is not null)
        {
            var text = string.Join(" ", new[] { data.Provenance.SourceFile, data.Provenance.SourceLayout }.Concat(data.Provenance.Steps.Select(s => s.ToString())));
            origin = text.Contains("simulat", StringComparison.OrdinalIgnoreCase) ? "simulated" : "real (no simulation step in the provenance)";
            if (origin == "simulated") caveats.Add("The fMRI is simulated: results show the pipeline works, not that it decodes a real brain.");
        }
        return new DataDescription(origin, data?.Subject, data?.Rois.Keys.Order().ToArray() ?? [],
            data?.Provenance.Steps.Select(s => s.ToString()).ToArray() ?? [], decoded.Attributes, caveats);
    }

    private static IReadOnlyList<ReferenceRow> References(EvaluationSettings settings, int classCount)
    {
        var rows = settings.Ways.Distinct().Order().Select(n => new ReferenceRow("chance", $"{n}-way top-1", 1.0 / n, "1/n")).ToList();
        rows.Add(new ReferenceRow("chance", "2-way identification", TwoWayIdentification.Chance, "each comparison a coin flip"));
        rows.Add(new ReferenceRow("MinD-Vis, GOD subject 3 (published)", "50-way top-1 (max over samples)", MinDVisGodSubject3FiftyWay,
            $"different data set and n, not comparable (this evaluation has {classCount} classes)"));
        return rows;
    }

    private static string DecodedFile(string path) => Directory.Exists(path) ? Path.Combine(path, DecodedImagesFile.FileName) : path;
}
