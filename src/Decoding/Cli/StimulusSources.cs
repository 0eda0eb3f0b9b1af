using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>
/// Resolves the `--images` option of the commands that need stimuli (the fMRI experiment's, and the classifier's
/// fallback set): `fashion-mnist` or a folder of PNG/JPEG images with one sub-folder per category.
/// <para>
/// `fashion-mnist` means the experiment pool, the first 5,000 images of the t10k half (Debian's copy when installed,
/// else the one shipped in <c>data/fashion-mnist</c>; the same files). The simulated experiment draws its training
/// and test stimuli from it, and the scoring classifier, the VAE and the LDM never train on it
/// (<see cref="FashionMnist.ExperimentPoolSize"/>): decoded test images are scored on images no network saw.
/// </para>
/// </summary>
public static class StimulusSources
{
    public const string FashionMnistName = "fashion-mnist";

    public static StimulusImageSet Load(string source, int folderImageSize = 28)
    {
        if (string.Equals(source, FashionMnistName, StringComparison.OrdinalIgnoreCase))
            return FashionMnist.LoadExperimentPool(FashionMnist.DefaultFolder());
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"--images: '{source}' is neither '{FashionMnistName}' nor a folder of images");
        return ImageFolder.Load(source, folderImageSize, folderImageSize, ImageColor.Greyscale);
    }

    /// <summary>Input files to hash for provenance.</summary>
    public static string[] InputFiles(string source)
        => string.Equals(source, FashionMnistName, StringComparison.OrdinalIgnoreCase)
            ? [FashionMnist.ImagesFile(FashionMnist.DefaultFolder(), FashionMnistPart.Test), FashionMnist.LabelsFile(FashionMnist.DefaultFolder(), FashionMnistPart.Test)]
            : Directory.GetFiles(source, "*", SearchOption.AllDirectories);
}
