using Fmri.Data;

namespace Fmri.Stimuli;

/// <summary>The two halves of Fashion-MNIST as distributed (IDX files).</summary>
public enum FashionMnistPart
{
    /// <summary><c>t10k-*</c>: 10,000 test images.</summary>
    Test,

    /// <summary><c>train-*</c>: 60,000 training images.</summary>
    Train,
}

/// <summary>
/// Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017): 28x28 greyscale images of 10 clothing categories, MIT licence.
/// Sources: the 10,000-image test half shipped with this repository (<c>data/fashion-mnist</c>, found with
/// <see cref="RepositoryData.FindDataFolder"/>), or the full 70,000 images of Debian's <c>dataset-fashion-mnist</c>
/// package (<see cref="DebianFolder"/>).
/// <para>
/// Stimulus ids use the Generic Object Decoding encoding so BData files can hold them as numbers:
/// image <c>i</c> of category <c>c</c> is <see cref="StimulusId.FromSynsetAndImage"/>(<see cref="SynsetBase"/> + c, number),
/// e.g. <c>n00001009_0</c> (= 1009.000000), where number = i for the t10k half and
/// <see cref="TrainImageNumberOffset"/> + i for the train half. Test images keep the same id whether they come
/// from the shipped subset or the full set. Synset numbers 1,000-1,009 lie below the first WordNet 3.0 noun offset
/// (00001740, "entity"), so they never collide with ImageNet ids, and being small they keep the float encoding exact
/// to well under 1e-6 (large synset numbers, above 2^24, lose the sixth decimal to double rounding).
/// </para>
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the IDX files.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The "synset" number of category 0; category c uses SynsetBase + c.</summary>
    public const long SynsetBase = 1_000;

    /// <summary>Image numbers of the train half start here (the t10k half uses 0-9,999).</summary>
    public const int TrainImageNumberOffset = 10_000;

    /// <summary>Category names in label order (labels 0-9), as published with the data set.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>The stimulus id of image <paramref name="index"/> of <paramref name="part"/>, whose label is <paramref name="label"/>.</summary>
    public static StimulusId StimulusIdOf(FashionMnistPart part, int index, int label)
    {
        if ((uint)label >= (uint)ClassNames.Count) throw new ArgumentOutOfRangeException(nameof(label), label, "Fashion-MNIST labels are 0-9");
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "image index must be non-negative");
        int number = part == FashionMnistPart.Test ? index : TrainImageNumberOffset + index;
        return StimulusId.FromSynsetAndImage(SynsetBase + label, number);
    }

    /// <summary>Path of the images file of a part in <paramref name="folder"/> (<c>t10k-images-idx3-ubyte.gz</c> etc.).</summary>
    public static string ImagesFile(string folder, FashionMnistPart part) => Path.Combine(folder, $"{Prefix(part)}-images-idx3-ubyte.gz");

    /// <summary>Path of the labels file of a part in <paramref name="folder"/>.</summary>
    public static string LabelsFile(string folder, FashionMnistPart part) => Path.Combine(folder, $"{Prefix(part)}-labels-idx1-ubyte.gz");

    /// <summary>True when <paramref name="folder"/> holds both files of <paramref name="part"/>.</summary>
    public static bool HasPart(string folder, FashionMnistPart part)
        => File.Exists(ImagesFile(folder, part)) && File.Exists(LabelsFile(folder, part));

    /// <summary>Loads one part from <paramref name="folder"/> as greyscale 28x28 images.</summary>
    /// <exception cref="DataFormatException">A file is not a valid IDX file, or images and labels disagree.</exception>
    public static StimulusImageSet Load(string folder, FashionMnistPart part)
    {
        string imagesPath = ImagesFile(folder, part), labelsPath = LabelsFile(folder, part);
        var images = IdxFile.ReadImages(imagesPath);
        byte[] labels = IdxFile.ReadLabels(labelsPath);
        int count = images.Dimensions[0], rows = images.Dimensions[1], columns = images.Dimensions[2];
        if (labels.Length != count)
            throw new DataFormatException(labelsPath, "dimensions", $"has {labels.Length} labels but {imagesPath} has {count} images");
        var ids = new StimulusId[count];
        var categories = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (labels[i] >= ClassNames.Count)
                throw new DataFormatException(labelsPath, "data", $"label {labels[i]} of image {i} is outside 0-9");
            categories[i] = labels[i];
            ids[i] = StimulusIdOf(part, i, labels[i]);
        }
        return new StimulusImageSet(images.Data, count, rows, columns, 1, ids, categories, ClassNames);
    }

    /// <summary>
    /// Loads every part present in <paramref name="folder"/>: the t10k half, followed by the train half when
    /// its files are there too (70,000 images for Debian's full set, 10,000 for the repository's subset).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no t10k files.</exception>
    public static StimulusImageSet LoadAvailable(string folder)
    {
        if (!HasPart(folder, FashionMnistPart.Test))
            throw new FileNotFoundException($"{folder}: no Fashion-MNIST t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz here", ImagesFile(folder, FashionMnistPart.Test));
        var test = Load(folder, FashionMnistPart.Test);
        if (!HasPart(folder, FashionMnistPart.Train)) return test;
        var train = Load(folder, FashionMnistPart.Train);
        return Concatenate(test, train);
    }

    /// <summary>
    /// The folder to load from when none is given: Debian's full set when installed, else the repository's
    /// <c>data/fashion-mnist</c> subset.
    /// </summary>
    public static string DefaultFolder()
        => HasPart(DebianFolder, FashionMnistPart.Test) ? DebianFolder : Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist");

    private static string Prefix(FashionMnistPart part) => part == FashionMnistPart.Test ? "t10k" : "train";

    private static StimulusImageSet Concatenate(StimulusImageSet a, StimulusImageSet b)
    {
        if (a.Height != b.Height || a.Width != b.Width || a.Channels != b.Channels)
            throw new ArgumentException($"cannot concatenate {a.Height}x{a.Width}x{a.Channels} and {b.Height}x{b.Width}x{b.Channels} images");
        var pixels = new byte[a.Pixels.LongLength + b.Pixels.LongLength];
        a.Pixels.CopyTo(pixels, 0);
        b.Pixels.CopyTo(pixels, a.Pixels.LongLength);
        return new StimulusImageSet(pixels, a.Count + b.Count, a.Height, a.Width, a.Channels,
            [.. a.StimulusIds, .. b.StimulusIds], [.. a.CategoryLabels, .. b.CategoryLabels], a.CategoryNames);
    }
}
