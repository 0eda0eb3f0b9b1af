using Decoding.Decode;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.Metrics;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using Fmri.Ridge;

namespace Decoding.Evaluation;

/// <summary>
/// <c>decoding evaluate</c> as a library call: reads every method's decoded images (routes, their controls, baselines,
/// references: each decoded.h5 says what it is), their stimuli and the scoring classifier; scores each method with
/// <see cref="MethodScoring"/>; with the preprocessed data, adds the feature-ridge reference row (what a linear map
/// from the voxels reaches in the scoring classifier's own feature space: a reference, never a decoder, since it uses
/// the scorer); adds chance and the MinD-Vis reference number; and writes <c>metrics.json</c>.
/// </summary>
public static class EvaluationRun
{
    /// <summary>MinD-Vis's released checkpoint on GOD subject 3, 50-way top-1 (max over samples), scored with the authors'
    /// evaluation code, as reported in github.com/zjc062/mind-vis/issues/15 (a retrained stage B there: 0.1916).</summary>
    public const double MinDVisGodSubject3FiftyWay = 0.226;

    private static readonly string[] KindOrder = [DecodedMethod.Route, DecodedMethod.Baseline, DecodedMethod.Control, DecodedMethod.Reference];

    public static EvaluationReport Run(EvaluationInputs inputs, EvaluationSettings? settings, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Decoded.Count == 0) throw new InvalidSettingException("decoded", null, "names no decoded.h5");
        var files = inputs.Decoded.Select(DecodedFile).ToArray();
        var decoded = files.Select(DecodedImagesFile.Read).ToArray();
        Check.ExistingFile(inputs.Stimuli, "stimuli");
        var (classifier, description) = new ClassifierFolder(inputs.ClassifierFolder).Load();
        using var classifierScope = classifier;
        var network = description.Network;
        settings ??= new EvaluationSettings(Enumerable.Range(2, network.ClassCount - 1).ToArray());
        settings.Validate(network.ClassCount);

        var first = decoded[0];
        for (int m = 0; m < decoded.Length; m++)
        {
            var d = decoded[m];
            if (d.Height != network.ImageSize || d.Width != network.ImageSize)
                throw new InvalidSettingException("classifier", inputs.ClassifierFolder, $"takes {network.ImageSize}x{network.ImageSize} images but {files[m]} holds {d.Height}x{d.Width}");
            if (!d.StimulusIds.SequenceEqual(first.StimulusIds))
                throw new DataFormatException(files[m], "/stimulus_id", $"does not list the same items in the same order as {files[0]}; every method must decode the same test items");
        }
        if (decoded.Select(d => d.Method.Name).Distinct().Count() != decoded.Length)
            throw new InvalidSettingException("decoded", null, $"names two files of the same method ({string.Join(", ", decoded.GroupBy(d => d.Method.Name).Where(g => g.Count() > 1).Select(g => g.Key))})");

        var stimuliSet = StimulusImageSet.Read(inputs.Stimuli);
        var categoryNames = stimuliSet.CategoryNames.Count > 0 ? stimuliSet.CategoryNames : description.ClassNames;
        var scored = ScoredStimuli(first, files[0], stimuliSet, inputs.Stimuli, categoryNames, network.InputChannels, classifier);

        var rows = decoded.Select((d, m) => (Method: d.Method, Row: MethodScoring.Score(d, Path.GetFullPath(files[m]), scored, classifier, settings)))
            .OrderBy(r => Array.IndexOf(KindOrder, r.Method.Kind) is var k && k < 0 ? KindOrder.Length : k)
            .Select(r => r.Row).ToList();

        FmriDataset? data = null;
        if (inputs.Data is not null)
        {
            data = CanonicalFile.Read(Check.ExistingFile(inputs.Data, "data"));
            rows.Add(FeatureRidgeRow(data, inputs.Data, stimuliSet, inputs.Stimuli, scored, first, classifier, settings));
        }

        var seen = new HashSet<string>(description.TrainingStimulusIds ?? []);
        int seenCount = first.StimulusIds.Distinct().Count(seen.Contains);
        var inputsRecord = new SortedDictionary<string, string>
        {
            ["stimuli"] = Path.GetFullPath(inputs.Stimuli),
            ["classifier"] = Path.GetFullPath(inputs.ClassifierFolder),
            ["data"] = inputs.Data is null ? "" : Path.GetFullPath(inputs.Data),
        };
        for (int m = 0; m < files.Length; m++) inputsRecord[$"decoded:{decoded[m].Method.Name}"] = Path.GetFullPath(files[m]);
        var dataDescription = Describe(decoded, data, seenCount, network.ClassCount, scored);
        var report = new EvaluationReport
        {
            CreatedUtc = started,
            Settings = settings,
            Inputs = inputsRecord,
            InputSha256 = RunManifest.HashInputs([.. files, inputs.Stimuli, new ClassifierFolder(inputs.ClassifierFolder).WeightsPath, inputs.Data ?? ""]),
            Data = dataDescription,
            Classifier = new ClassifierSummary(Path.GetFullPath(inputs.ClassifierFolder), description.TrainingData, network.ClassCount,
                description.ClassNames, description.TestAccuracy, seenCount),
            Geometry = scored.Geometry,
            Rows = rows,
            RouteChoice = RouteChoice.Choose(rows, dataDescription.DecodedAttributes, settings.RouteFloor),
            References = References(settings, network.ClassCount, scored.Count),
            ItemCategories = scored.Categories,
            ItemStimulusIds = scored.StimulusIds,
        };
        Directory.CreateDirectory(inputs.Output);
        report.Write(Path.Combine(inputs.Output, EvaluationReport.MetricsFile));
        return report;
    }

    /// <summary>The stimuli of the decoded items (by stimulus id), on the canvas and at their native geometry in their own
    /// channels, with the classifier's output on them (the canvas images in the <paramref name="channels"/> it takes).</summary>
    public static ScoredStimuli ScoredStimuli(DecodedImages decoded, string decodedPath, StimulusImageSet stimuli, string stimuliPath,
        IReadOnlyList<string> categoryNames, int channels, IImageClassifier classifier)
    {
        var canvasSet = stimuli.FitTo(decoded.Height, decoded.Width);
        var canvas = new ImageTensor[decoded.Count];
        var classifierInput = new ImageTensor[decoded.Count];
        var native = new ImageTensor[decoded.Count];
        var categories = new string[decoded.Count];
        for (int i = 0; i < decoded.Count; i++)
        {
            int index = stimuli.Find(new StimulusId(decoded.StimulusIds[i]));
            if (index < 0)
                throw new DataFormatException(stimuliPath, "stimulus_id", $"has no image for stimulus '{decoded.StimulusIds[i]}' (item {i} of {decodedPath})");
            canvas[i] = EvaluationImages.FromBytes(canvasSet.Image(index), canvasSet.Height, canvasSet.Width, canvasSet.Channels, canvasSet.Channels);
            classifierInput[i] = channels == canvasSet.Channels ? canvas[i]
                : EvaluationImages.FromBytes(canvasSet.Image(index), canvasSet.Height, canvasSet.Width, canvasSet.Channels, channels);
            native[i] = EvaluationImages.FromBytes(stimuli.Image(index), stimuli.Height, stimuli.Width, stimuli.Channels, stimuli.Channels);
            categories[i] = CategoryName(decoded.Categories[i], categoryNames);
        }
        var geometry = NativeGeometry.For(decoded.Height, stimuli.Height, stimuli.Width);
        return new ScoredStimuli(decoded.StimulusIds, canvas, native, categories, classifier.Classify(classifierInput), geometry, channels);
    }

    private static string CategoryName(int label, IReadOnlyList<string> names)
        => label >= 0 && label < names.Count ? names[label] : label < 0 ? "unknown" : $"category {label}";

    /// <summary>
    /// Voxels -> the scoring classifier's feature vector of the stimulus, one ridge map fitted on the training split
    /// (seeded folds); n-way accuracy from the classifier's head on the predicted features. It uses the scoring
    /// classifier, so it is a reference for what is decodable in the scorer's space, not a decoder.
    /// </summary>
    private static MetricRow FeatureRidgeRow(FmriDataset data, string dataFile, StimulusImageSet stimuli, string stimuliFile, ScoredStimuli scored,
        DecodedImages decoded, SmallCnnClassifier classifier, EvaluationSettings settings)
    {
        int size = decoded.Height, channels = classifier.Config.InputChannels;
        var train = StimulusPairs.ForTraining(data, dataFile, stimuli, stimuliFile, size, channels);
        var test = StimulusPairs.ForSplit(data, dataFile, DataSplit.Test, stimuli, stimuliFile, size, channels);
        try
        {
            var rowOf = test.StimulusIds.Select((id, r) => (id.Value, r)).GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.First().r);
            var order = scored.StimulusIds.Select(id => rowOf.TryGetValue(id, out int r) ? r
                : throw new DataFormatException(dataFile, "samples/stimulus_id", $"has no test sample for decoded stimulus '{id}'")).ToArray();
            var trainImages = EvaluationImages.FromStimulusTensor(train.Images);
            var ridge = RidgeMap.Fit(train.Voxels, train.VoxelCount, classifier.Classify(trainImages).Features, new Random(settings.SubSeed("feature-ridge-folds")),
                groups: train.StimulusGroups());
            var testVoxels = Decode.DecodingRun.Permute(test.Voxels, test.VoxelCount, order);
            var predicted = ridge.Predict(testVoxels, order.Length);
            return MethodScoring.ScoreFeatures("reference: ridge voxels -> scoring-classifier features", DecodedMethod.Reference,
                $"one ridge map from {train.VoxelCount} voxels to the scoring classifier's {ridge.FeatureSize}-value feature vector of the stimulus; "
                + $"{train.Count} training samples; lambda {ridge.Lambda:G3} by {RidgeMap.DefaultFolds}-fold cross-validation on training samples only; "
                + "n-way from the classifier's head on the predicted features. It uses the scoring classifier, so it is a reference for what the "
                + "voxels carry in the scorer's own space, not a decoder; it makes no images (pixel metrics n/a)",
                scored, predicted, classifier.ProbabilitiesFromFeatures(predicted), settings);
        }
        finally
        {
            train.Images.Dispose();
            test.Images.Dispose();
        }
    }

    private static DataDescription Describe(IReadOnlyList<DecodedImages> decoded, FmriDataset? data, int seenCount, int classCount, ScoredStimuli scored)
    {
        var caveats = new List<string>();
        if (decoded.Any(d => d.Attributes.TryGetValue("brain_encoder_include_test_fmri", out var v) && v == "1"))
            caveats.Add("Stage A (masked brain modelling) was fine-tuned with test-set fMRI (without images), as the MinD-Vis authors did.");
        var fromTraining = decoded.Where(d => d.Attributes.TryGetValue("split", out var split) && split == "train").Select(d => d.Method.Name).ToList();
        if (fromTraining.Count > 0)
            caveats.Add($"Decoded from the training split: {string.Join(", ", fromTraining)}. Maps fitted on the training trials and scored on them report fit, not decoding.");
        if (seenCount > 0)
            caveats.Add($"{seenCount} of the test stimuli were among the scoring classifier's training images.");
        int categories = scored.Categories.Distinct().Count();
        if (categories <= 2)
            caveats.Add($"The test stimuli come from {categories} categories: n-way accuracy and 2-way identification in the classifier's feature space then mostly say whether the category is right; the pixel metrics say more.");
        caveats.Add($"The scoring classifier is a small CNN over {classCount} classes trained here, not MinD-Vis's pretrained ImageNet classifier over 1000 classes; n-way accuracies are comparable only at equal n and class set.");
        caveats.Add($"At n = {classCount}, the number of the classifier's classes, n-way top-1 draws no other classes: it says whether the classifier's top class for the image is its top class for the stimulus.");
        caveats.Add("SSIM is the 2-D SSIM of Wang et al. (2004), Gaussian window sigma 1.5, on greyscale; the SSIM that MindEye's and Brain-Diffuser's evaluation code computes averages 1-D SSIMs down the image's columns, a different quantity: the pixel table's last column gives that one, to set beside their published values.");
        if (!scored.Geometry.IsIdentity)
            caveats.Add($"Pixel metrics at the stimuli's native {scored.Geometry.Height}x{scored.Geometry.Width}: {scored.Geometry.Rule}. The canvas columns are on the {scored.Geometry.Canvas}x{scored.Geometry.Canvas} canvas.");
        string origin = "unknown (no --data given)";
        int unseen = 0;
        if (data is not null)
        {
            var trained = data.IndicesOf(DataSplit.Train).Select(i => data.CategoryLabels[i]).ToHashSet();
            var tested = decoded[0].Categories.Where(c => c >= 0).Distinct().ToList();
            unseen = tested.Count(c => !trained.Contains(c));
            var records = decoded.Select(d => ValidationRecord.FromAttributes(d.Attributes)).OfType<ValidationRecord>().ToList();
            bool wholeCategories = records.Count > 0 && records.All(r => r.WholeCategories);
            if (unseen > 0)
                caveats.Add($"{unseen} of the test stimuli's {tested.Count} categories never occur in the training trials (as in Generic Object Decoding): "
                    + (wholeCategories
                        ? "the routes that chose a setting on validation chose it on whole training categories held out of their fit, which stand in for unseen ones, "
                        : "a route chosen on validation was chosen on items of the training categories, which cannot show how it does on unseen ones "
                          + "(decode --validation-split categories holds out whole training categories instead), ")
                    + "and a route that draws a predicted training category turns such images toward the wrong kind of object.");
            var text = string.Join(" ", new[] { data.Provenance.SourceFile, data.Provenance.SourceLayout }.Concat(data.Provenance.Steps.Select(s => s.ToString())));
            origin = text.Contains("simulat", StringComparison.OrdinalIgnoreCase) ? "simulated" : "real (no simulation step in the provenance)";
            if (origin == "simulated") caveats.Add("The fMRI is simulated: results show the pipeline works, not that it decodes a real brain.");
        }
        var attributes = decoded.ToDictionary(d => d.Method.Name, d => (IReadOnlyDictionary<string, string>)d.Attributes);
        return new DataDescription(origin, data?.Subject, data?.Rois.Keys.Order().ToArray() ?? [],
            data?.Provenance.Steps.Select(s => s.ToString()).ToArray() ?? [], attributes, caveats, unseen);
    }

    private static IReadOnlyList<ReferenceRow> References(EvaluationSettings settings, int classCount, int items)
    {
        var rows = settings.Ways.Distinct().Order().Select(n => new ReferenceRow("chance", $"{n}-way top-1", 1.0 / n, "1/n")).ToList();
        rows.Add(new ReferenceRow("chance", "2-way identification", TwoWayIdentification.Chance, "each comparison a coin flip"));
        rows.Add(new ReferenceRow("smallest possible p-value", $"{items} test stimuli", Math.Pow(0.5, items),
            "the stimulus-level sign test cannot go below 2^-N for N stimuli"));
        rows.Add(new ReferenceRow("MinD-Vis, GOD subject 3 (released checkpoint)", "50-way top-1 (max over samples)", MinDVisGodSubject3FiftyWay,
            $"the authors' checkpoint scored with their evaluation code (github.com/zjc062/mind-vis/issues/15); different data set and n, not comparable (this evaluation has {classCount} classes)"));
        return rows;
    }

    private static string DecodedFile(string path) => Directory.Exists(path) ? Path.Combine(path, DecodedImagesFile.FileName) : path;
}
