using Fmri.Data.Stimuli;

namespace Decoding.LatentDiffusion;

/// <summary>Training images resolved from a command-line source, with what they are and the files they came from.</summary>
/// <param name="Images">Images at the preset's size and channel count, with class labels.</param>
/// <param name="Description">One line saying what was loaded (for the console and run.json).</param>
/// <param name="InputFiles">The files read, to hash into run.json.</param>
public sealed record TrainingImages(LabelledImages Images, string Description, IReadOnlyList<string> InputFiles);

/// <summary>
/// Resolves the <c>--images</c> argument of the training commands:
/// <list type="bullet">
/// <item><c>fashion-mnist</c>: the 60,000-image train split of Debian's <c>dataset-fashion-mnist</c> when installed,
/// otherwise t10k images 5,000-9,999 of the copy shipped in the repository's <c>data/fashion-mnist</c>. The image
/// models never train on the experiment pool (t10k 0-4,999), whose images the simulated fMRI experiments show
/// (<see cref="FashionMnist.ExperimentPoolSize"/>).</item>
/// <item>a folder holding Fashion-MNIST IDX files: the same rule on its files;</item>
/// <item>a stimulus file (<c>decoding stimuli import</c>): its training stimuli only, chosen by the fMRI file's
/// training split or an id list (<see cref="TrainingStimuli"/>);</item>
/// <item>any other folder: PNG/JPEG images in one sub-folder per class (the class name is the sub-folder's).</item>
/// </list>
/// Images are then brought to the preset's size by the project's one rule, <see cref="ImageGeometry.Pad"/> (28x28 is
/// centred on a black 32x32 canvas; larger images are shrunk keeping their aspect), said in the description, and
/// converted to its channel count.
/// </summary>
public static class TrainingImageSource
{
    public const string FashionMnistName = "fashion-mnist";

    public static TrainingImages Load(string source, LatentDiffusionPreset preset, TrainingStimuli? selection = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(preset);
        selection ??= new TrainingStimuli();
        StimulusImageSet set;
        string description;
        IReadOnlyList<string> files;
        string? idxFolder = string.Equals(source, FashionMnistName, StringComparison.OrdinalIgnoreCase)
            ? FashionMnist.DefaultFolder()
            : Directory.Exists(source) && (FashionMnist.HasPart(source, FashionMnistPart.Test) || FashionMnist.HasPart(source, FashionMnistPart.Train)) ? source : null;
        if (idxFolder is not null)
        {
            (set, var read, description) = FashionMnist.LoadModelImages(idxFolder);
            files = read;
        }
        else
        {
            (set, description, files) = StimulusSource.Load(source, selection);
        }
        string geometry = ImageGeometries.Describe(set.Height, set.Width, preset.ImageSize, ImageGeometry.Pad);
        set = ImageGeometries.Apply(set, preset.ImageSize, ImageGeometry.Pad);
        if (set.Channels == 3 && preset.ImageChannels == 1) set = set.ToGreyscale();
        if (set.CategoryLabels.Any(l => l < 0))
            throw new InvalidSettingException("images", source, $"has {set.CategoryLabels.Count(l => l < 0)} images without a category; the class-conditional models need one per image (import the labels with the images)");
        var images = LabelledImages.FromStimuli(set);
        // A stimulus file may name categories none of its images show (a simulated design with fewer categories than
        // its pool keeps the pool's names): a class-conditional model cannot learn those, so they are left out.
        var (kept, leftOut) = images.WithoutEmptyClasses();
        string unused = leftOut.Count == 0 ? "" : $" ({leftOut.Count} named categor{(leftOut.Count == 1 ? "y" : "ies")} without images left out: {string.Join(", ", leftOut)})";
        return new TrainingImages(kept, $"{description}: {kept.Count} images of {kept.ClassNames.Count} classes{unused}; geometry {geometry}", files);
    }
}
