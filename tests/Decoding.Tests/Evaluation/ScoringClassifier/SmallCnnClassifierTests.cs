using Decoding.Metrics;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.Tests.Metrics;
using Fmri.Core;
using TorchSharp;

namespace Decoding.Tests.Evaluation.ScoringClassifier;

public class SmallCnnClassifierTests
{
    private static readonly SmallCnnConfig TinyConfig = new(InputChannels: 1, ImageSize: 28, ClassCount: SyntheticShapes.ClassCount, BaseChannels: 8, FeatureSize: 32);

    [Fact]
    public void Learns_the_synthetic_shapes_problem_in_seconds()
    {
        // 400 training images x 10 epochs of a 8/16/32-channel network: about a second of CPU on an idle
        // 2-core machine. No wall-clock assertion: the shared test machines are often oversubscribed.
        var (trainImages, trainLabels) = SyntheticShapes.Generate(400, 28, new Random(1));
        var (testImages, testLabels) = SyntheticShapes.Generate(200, 28, new Random(2));
        using var folder = new TempFolder();
        using var model = new SmallCnnClassifier(TinyConfig, new torch.Generator(42));
        double before = model.Evaluate(testImages, testLabels);
        var curve = ClassifierTrainer.Train(model, trainImages, trainLabels, new SmallCnnTrainingOptions(Epochs: 10, BatchSize: 32),
            new torch.Generator(43), folder.Path, seed: 43);
        double after = model.Evaluate(testImages, testLabels);
        var losses = Enumerable.Range(0, 10).Select(curve.MeanLoss).ToArray();
        Assert.True(after > 0.95, $"held-out accuracy {after:F3} (before training {before:F3}), losses {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        Assert.True(losses[^1] < losses[0], "training loss must fall");
        Assert.Equal(10 * 13, curve.Points.Count);   // one row per step: 400 images in batches of 32
    }

    [Fact]
    public void A_non_finite_gradient_with_a_finite_loss_stops_training_before_the_checkpoint()
    {
        // The classifier does not clip, but its trainer measures the gradient norm so the scaffold sees a NaN gradient
        // (as oneDNN's backward defect produced) even when the loss is finite.
        var (images, labels) = SyntheticShapes.Generate(32, 28, new Random(4));
        using var folder = new TempFolder();
        using var model = new SmallCnnClassifier(TinyConfig, new torch.Generator(1));
        // Adds 0 · Σ sqrt(w − w) to the logits: the forward pass is unchanged, the gradient of w is 0 · ∞ = NaN.
        var first = model.parameters().First();
        model.register_forward_hook((_, _, logits) => logits + (first - first.detach()).sqrt().sum() * 0.0);
        var error = Assert.Throws<Fmri.Core.Training.TrainingDivergedException>(() =>
            ClassifierTrainer.Train(model, images, labels, new SmallCnnTrainingOptions(Epochs: 1, BatchSize: 16), new torch.Generator(2), folder.Path, 2));
        Assert.Equal(1, error.Step);
        Assert.Contains("gradient norm NaN", error.Message);
        Assert.False(new ClassifierFolder(folder.Path).Checkpoint.Exists);
    }

    [Fact]
    public void Same_seeds_give_identical_weights_and_other_seeds_do_not()
    {
        var (images, labels) = SyntheticShapes.Generate(64, 28, new Random(3));
        var options = new SmallCnnTrainingOptions(Epochs: 1, BatchSize: 16);
        float[] TrainedWeights(ulong initSeed, ulong trainSeed)
        {
            using var folder = new TempFolder();
            using var model = new SmallCnnClassifier(TinyConfig, new torch.Generator(initSeed));
            ClassifierTrainer.Train(model, images, labels, options, new torch.Generator(trainSeed), folder.Path, (long)trainSeed);
            return model.state_dict().Values
                .Where(t => t.dtype == torch.ScalarType.Float32)
                .SelectMany(t => t.data<float>().ToArray()).ToArray();
        }
        var a = TrainedWeights(5, 6);
        var b = TrainedWeights(5, 6);
        Assert.Equal(a, b);
        Assert.NotEqual(a, TrainedWeights(7, 6)); // another initialisation
        Assert.NotEqual(a, TrainedWeights(5, 8)); // another minibatch order
    }

    [Fact]
    public void Classify_gives_probabilities_and_features()
    {
        var (images, _) = SyntheticShapes.Generate(5, 28, new Random(4));
        using var model = new SmallCnnClassifier(TinyConfig, new torch.Generator(9));
        var output = model.Classify(images);
        Assert.Equal(5, output.Probabilities.Count);
        Assert.All(output.Probabilities, p =>
        {
            Assert.Equal(SyntheticShapes.ClassCount, p.Length);
            Assert.Equal(1.0, p.Sum(v => (double)v), 5);
        });
        Assert.All(output.Features, f => Assert.Equal(TinyConfig.FeatureSize, f.Length));
        var wrongSize = new ImageTensor(32, 32, 1, new float[32 * 32]);
        Assert.Contains("images[0]", Assert.Throws<ArgumentException>(() => model.Classify(new[] { wrongSize })).Message);
    }

    [Fact]
    public void The_folder_holds_safetensors_that_load_exactly_and_an_old_pt_folder_is_a_one_line_error()
    {
        var (images, labels) = SyntheticShapes.Generate(32, 28, new Random(5));
        using var folder = new TempFolder();
        using var model = new SmallCnnClassifier(TinyConfig, new torch.Generator(1));
        ClassifierTrainer.Train(model, images, labels, new SmallCnnTrainingOptions(Epochs: 1, BatchSize: 16), new torch.Generator(2), folder.Path, 2);
        var classifierFolder = new ClassifierFolder(folder.Path);
        classifierFolder.SaveDescription(new ClassifierDescription(TinyConfig, ["square", "ring", "bar", "cross"], "shapes", [], 32, 0, 0));
        Assert.True(File.Exists(Path.Combine(folder.Path, "classifier.safetensors")));
        Assert.True(File.Exists(Path.Combine(folder.Path, "classifier.config.json")));
        var (loaded, _) = classifierFolder.Load();
        using (loaded)
        {
            var expected = model.Classify(images);
            var actual = loaded.Classify(images);
            for (int i = 0; i < images.Count; i++)
            {
                Assert.Equal(expected.Probabilities[i], actual.Probabilities[i]);
                Assert.Equal(expected.Features[i], actual.Features[i]);
            }
        }

        // A description that asks for another network does not load these weights.
        classifierFolder.SaveDescription(new ClassifierDescription(TinyConfig with { BaseChannels = 16 }, ["square", "ring", "bar", "cross"], "shapes", [], 32, 0, 0));
        var mismatch = Assert.Throws<DataFormatException>(() => classifierFolder.Load());
        Assert.Contains("BaseChannels", mismatch.Message);

        // A folder written by an earlier version (TorchSharp .pt weights) says what to do.
        using var old = new TempFolder();
        File.WriteAllBytes(Path.Combine(old.Path, ClassifierFolder.OldWeightsFile), [1, 2, 3]);
        File.WriteAllText(Path.Combine(old.Path, ClassifierFolder.DescriptionFile), "{}");
        var e = Assert.Throws<DataFormatException>(() => new ClassifierFolder(old.Path).Load());
        Assert.Contains("classifier.pt", e.Message);
        Assert.Contains("train-classifier", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
