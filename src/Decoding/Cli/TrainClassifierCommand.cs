using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Decoding.Evaluation;
using Decoding.Evaluation.ScoringClassifier;
using Fmri.Core.Plots;
using Fmri.Core.Runs;
using Fmri.Core.Training;
using Fmri.Data.Stimuli;
using TorchSharp;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding train-classifier</c>: trains the scoring network of the semantic metrics (n-way top-1 accuracy,
/// 2-way identification in feature space), a <see cref="SmallCnnClassifier"/>, on the stimulus images at the
/// decoder's 32 x 32 geometry. It stands in for MinD-Vis's pretrained ImageNet classifier, which cannot be downloaded here.
/// </summary>
public static class TrainClassifierCommand
{
    public static Command Create()
    {
        var images = new Option<string?>("--images") { Description = "fashion-mnist, a stimulus file (decoding stimuli import; with --data, --train-ids or --all-images), or a folder of images with one sub-folder per category", Required = true };
        var testImages = new Option<string?>("--test-images") { Description = "held-out images to measure accuracy on (a stimulus file or a folder, all its images); default: a seeded 20% of the training images" };
        var output = new Option<string?>("--out") { Description = "Output folder (classifier.safetensors + config, classifier.json, loss curve, run.json)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --out" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training images", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch") { Description = "Images per step", DefaultValueFactory = _ => 128 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the square images the classifier takes: the decoder's output size (small preset 32, tiny 16)", DefaultValueFactory = _ => 32 };
        var maxTrain = new Option<int?>("--max-train-images") { Description = "Train on at most this many images (a seeded random subset; default: all)" };
        var lr = new Option<double>("--lr") { Description = "AdamW learning rate", DefaultValueFactory = _ => 2e-3 };
        var seed = CommonOptions.Seed(2022);
        var threads = CommonOptions.Threads();

        var command = new Command("train-classifier", "Train the scoring classifier used by `decoding evaluate` (n-way accuracy, feature-space identification)");
        foreach (var option in new Option[] { images, testImages, output, epochs, batch, maxTrain, imageSize, lr, seed, resume, threads }) command.Options.Add(option);
        var imageOptions = TrainingImageOptions.AddTo(command);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string source = Check.Required(parse.GetValue(images), "images");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", "train-classifier", (source, "images"), (parse.GetValue(testImages), "test_images"));
            bool resuming = parse.GetValue(resume);
            CheckpointedTraining.CheckStart(new ClassifierFolder(outDir).Checkpoint, resuming);
            torchOptions.Apply(parse);
            long seedValue = parse.GetValue(seed);
            var options = new SmallCnnTrainingOptions(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), Augmentation: imageOptions.Augmentation(parse));
            options.Validate();

            var random = new Random(unchecked((int)seedValue));
            var inputFiles = new List<string>();
            ClassifierTrainingData data;
            if (string.Equals(source, StimulusSources.FashionMnistName, StringComparison.OrdinalIgnoreCase))
            {
                Check.That(parse.GetValue(testImages) is null, "test_images", parse.GetValue(testImages),
                    $"applies to a stimulus file or folder; with --images {StimulusSources.FashionMnistName} the classifier is tested on Fashion-MNIST's own test set (t10k)");
                data = ClassifierTrainingData.FashionMnistData(FashionMnist.DefaultFolder(), random);
                inputFiles.AddRange(Directory.GetFiles(FashionMnist.DefaultFolder(), "*-ubyte.gz").Order(StringComparer.Ordinal));
            }
            else
            {
                var (set, description, files) = StimulusSource.Load(source, imageOptions.Selection(parse));
                inputFiles.AddRange(files);
                if (parse.GetValue(testImages) is { } heldOut)
                {
                    var (test, testDescription, testFiles) = StimulusSource.Load(heldOut, new TrainingStimuli { AllImages = true }, "test_images");
                    inputFiles.AddRange(testFiles);
                    data = new ClassifierTrainingData(set.ForDiffusion(), test.ForDiffusion(), $"trained on {description}; tested on {testDescription}");
                }
                else data = ClassifierTrainingData.Split(set, random, description);
            }
            if (parse.GetValue(maxTrain) is { } limit) data = data.LimitTraining(limit, random);
            data = data.AtSize(parse.GetValue(imageSize));
            options = options with { BatchSize = SmallDataWarnings.ClampBatch(options.BatchSize, data.Train.Count, "--batch", "training images") };
            Console.Out.WriteLine($"train-classifier: {data.Description}");
            var result = Train(data, options, seedValue, outDir, resuming);
            new RunManifest
            {
                Command = "train-classifier",
                Arguments = CommandLineApp.Arguments,
                Config = new
                {
                    Options = options,
                    Network = result.Description.Network,
                    TrainingData = data.Description,
                    result.Description.TrainCount,
                    result.Description.TestCount,
                    result.Description.TestAccuracy,
                    TargetAccuracy = "> 0.88 on Fashion-MNIST",
                },
                Seeds = new Dictionary<string, long> { ["seed"] = seedValue },
                InputSha256 = RunManifest.HashInputs([.. inputFiles]),
                Outputs = [$"{ClassifierFolder.CheckpointName}.*", ClassifierFolder.DescriptionFile, ClassifierTrainer.LossCsvFile, ClassifierTrainer.LossPngFile],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            int classCount = result.Description.ClassNames.Count;
            SmallDataWarnings.BelowFloor(result.Description.TestAccuracy, 1.0 / classCount + 0.05, "train-classifier", $"held-out accuracy (chance {1.0 / classCount:F3})",
                "train longer (--epochs), or with --augment on few images");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train-classifier: test accuracy {result.Description.TestAccuracy:P2} on {result.Description.TestCount} held-out images ({result.Description.TrainCount} trained on); {clock.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Trains (or resumes) a classifier on <paramref name="data"/> into <paramref name="outputFolder"/>, measures its
    /// held-out accuracy and writes its description (<see cref="ClassifierFolder"/>).
    /// </summary>
    public static (SmallCnnClassifier Classifier, ClassifierDescription Description, LossCurve Curve) Train(
        ClassifierTrainingData data, SmallCnnTrainingOptions options, long seed, string outputFolder, bool resume = false, SmallCnnConfig? network = null)
    {
        int channels = data.Train.Channels;
        int classes = Math.Max(data.Train.CategoryNames.Count, data.Train.CategoryLabels.Max() + 1);
        network ??= new SmallCnnConfig(InputChannels: channels, ImageSize: data.Train.Height, ClassCount: classes);
        if (data.Train.CategoryLabels.Any(l => l < 0)) throw new InvalidSettingException("images", null, "some images have no category label (-1)");
        using var generator = new torch.Generator(unchecked((ulong)seed));
        var classifier = new SmallCnnClassifier(network, generator);
        var trainImages = EvaluationImages.FromSet(data.Train, network.InputChannels);
        var testImages = EvaluationImages.FromSet(data.Test, network.InputChannels);
        int stepsPerEpoch = Minibatches.StepsPerEpoch(trainImages.Count, options.BatchSize);
        var curve = ConsoleProgress.Run("training the scoring classifier", (double)options.Epochs * stepsPerEpoch, progress =>
            ClassifierTrainer.Train(classifier, trainImages, data.Train.CategoryLabels, options, generator, outputFolder, seed, resume, progress,
                (epoch, loss) =>
                {
                    if (!ConsoleProgress.Interactive)
                        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}: mean loss {loss:G4}"));
                }));
        double accuracy = classifier.Evaluate(testImages, data.Test.CategoryLabels);
        var names = data.Train.CategoryNames.Count >= classes
            ? data.Train.CategoryNames.ToArray()
            : Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
        var description = new ClassifierDescription(network, names, data.Description,
            data.Train.StimulusIds.Select(id => id.Value).ToArray(), data.Train.Count, data.Test.Count, accuracy);
        new ClassifierFolder(outputFolder).SaveDescription(description);
        return (classifier, description, curve);
    }
}
