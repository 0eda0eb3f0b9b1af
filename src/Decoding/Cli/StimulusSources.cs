using Fmri.Stimuli;

namespace Decoding.Cli;

/// <summary>Resolves the `--images` option: `fashion-mnist` (the Debian set when installed, else the shipped 10,000-image split) or a folder of PNG/JPEG images with one sub-folder per category.</summary>
public static class StimulusSources
{
    public const string FashionMnistName = "fashion-mnist";

    public static StimulusImageSet Load(string source, int folderImageSize = 28)
    {
        if (string.Equals(source, FashionMnistName, StringComparison.OrdinalIgnoreCase))
            return FashionMnist.LoadAvailable(FashionMnist.DefaultFolder());
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"--images: '{source}' is neither '{FashionMnistName}' nor a folder of images");
        return ImageFolder.Load(source, folderImageSize, folderImageSize, ImageColor.Greyscale);
    }

    /// <summary>Input files to hash for provenance.</summary>
    public static string[] InputFiles(string source)
        => string.Equals(source, FashionMnistName, StringComparison.OrdinalIgnoreCase)
            ? Directory.GetFiles(FashionMnist.DefaultFolder(), "*-ubyte.gz")
            : Directory.GetFiles(source, "*", SearchOption.AllDirectories);
}
