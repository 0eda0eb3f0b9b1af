using Fmri.Data.Stimuli;

namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>
/// The images the scoring classifier is trained and tested on, at the decoder's geometry (32 x 32, see
/// <see cref="StimulusImageSet.ForDiffusion"/>), and a sentence saying where they came from.
/// </summary>
public sealed record ClassifierTrainingData(StimulusImageSet Train, StimulusImageSet Test, string Description)
{
    /// <summary>Fraction of a single set used for training when no separate training half exists.</summary>
    public const double TrainFraction = 0.8;

    /// <summary>
    /// Fashion-MNIST from <paramref name="folder"/>: with the full set there, train on its 60,000 train images and test
    /// on t10k; otherwise split the t10k images outside the experiment pool (<see cref="FashionMnist.LoadModelImages"/>)
    /// 80/20 with a seeded permutation. Either way no image of the simulated experiments is a training image.
    /// </summary>
    public static ClassifierTrainingData FashionMnistData(string folder, Random random)
    {
        if (FashionMnist.HasPart(folder, FashionMnistPart.Train) && FashionMnist.HasPart(folder, FashionMnistPart.Test))
        {
            var train = FashionMnist.Load(folder, FashionMnistPart.Train).ForDiffusion();
            var test = FashionMnist.Load(folder, FashionMnistPart.Test).ForDiffusion();
            return new ClassifierTrainingData(train, test,
                $"Fashion-MNIST full set ({folder}): trained on train ({train.Count} images), tested on t10k ({test.Count} images), 28x28 centred on 32x32");
        }
        var (images, _, description) = FashionMnist.LoadModelImages(folder);
        return Split(images, random, description);
    }

    /// <summary>Splits one set: a seeded permutation, the first <see cref="TrainFraction"/> for training, the rest for testing.</summary>
    public static ClassifierTrainingData Split(StimulusImageSet set, Random random, string source)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(random);
        if (set.Count < 2) throw new InvalidSettingException("images", null, $"holds {set.Count} image(s); at least 2 are needed to train and test");
        var order = Enumerable.Range(0, set.Count).ToArray();
        random.Shuffle(order);
        int trainCount = Math.Clamp((int)Math.Round(set.Count * TrainFraction), 1, set.Count - 1);
        var fitted = set.ForDiffusion();
        var train = fitted.Subset(order[..trainCount]);
        var test = fitted.Subset(order[trainCount..]);
        return new ClassifierTrainingData(train, test,
            $"{source}: seeded {train.Count}/{test.Count} split of {set.Count} images, at 32x32");
    }

    /// <summary>
    /// Keeps at most <paramref name="max"/> training images, drawn without replacement by a seeded permutation (for
    /// quick runs such as the tiny demo); the test images are unchanged. The description records the limit.
    /// </summary>
    public ClassifierTrainingData LimitTraining(int max, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Check.AtLeast(max, 1, "max_train_images");
        if (max >= Train.Count) return this;
        var order = Enumerable.Range(0, Train.Count).ToArray();
        random.Shuffle(order);
        var kept = order[..max];
        Array.Sort(kept);
        return this with
        {
            Train = Train.Subset(kept),
            Description = $"{Description}; training limited to a seeded random {max} of the {Train.Count} training images",
        };
    }

    /// <summary>
    /// The same images at <paramref name="size"/> x <paramref name="size"/> (<see cref="StimulusImageSet.FitTo"/>), so the
    /// classifier scores images of the geometry the decoder produces (32 for the small preset, 16 for tiny).
    /// </summary>
    public ClassifierTrainingData AtSize(int size)
    {
        Check.AtLeast(size, 8, "image_size");
        if (size == Train.Height && size == Train.Width && size == Test.Height && size == Test.Width) return this;
        return this with
        {
            Train = Train.FitTo(size, size),
            Test = Test.FitTo(size, size),
            Description = $"{Description}; resized to {size}x{size}",
        };
    }
}
