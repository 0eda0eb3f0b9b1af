using Fmri.Data.Stimuli;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The image side's training data: uint8 pixels (Count, Height, Width, Channels) row-major, a class label per image
/// and the class names (the prompts of class-conditional generation). Channels is 1 (greyscale) or 3 (RGB).
/// </summary>
public sealed class LabelledImages
{
    /// <exception cref="ArgumentException">Sizes disagree, or a label is not an index into the class names.</exception>
    public LabelledImages(byte[] pixels, int count, int height, int width, int channels, int[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (count < 1 || height < 1 || width < 1)
            throw new ArgumentException($"labelled images: {count} images of {height}x{width}; need at least one image of positive size");
        if (channels is not (1 or 3))
            throw new ArgumentException($"labelled images: channels = {channels}; use 1 (greyscale) or 3 (RGB)");
        if (pixels.LongLength != (long)count * height * width * channels)
            throw new ArgumentException($"labelled images: {pixels.LongLength} pixel values for {count} x {height} x {width} x {channels}");
        if (labels.Length != count)
            throw new ArgumentException($"labelled images: {labels.Length} labels for {count} images");
        if (classNames.Count == 0)
            throw new ArgumentException("labelled images: no class names");
        for (int i = 0; i < count; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"labelled images: image {i} has label {labels[i]}, outside 0..{classNames.Count - 1} (unlabelled images cannot train a class-conditional model)");
        Pixels = pixels;
        Count = count;
        Height = height;
        Width = width;
        Channels = channels;
        Labels = labels;
        ClassNames = classNames;
    }

    /// <summary>Pixels, row-major (Count, Height, Width, Channels).</summary>
    public byte[] Pixels { get; }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>1 (greyscale) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>The class of each image, an index into <see cref="ClassNames"/>.</summary>
    public int[] Labels { get; }

    /// <summary>Class names in label order; each is the prompt of its class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// These images with only the classes that have at least one image, labels renumbered in the same order; and the
    /// names left out. The same object when every class has images.
    /// </summary>
    public (LabelledImages Images, IReadOnlyList<string> LeftOut) WithoutEmptyClasses()
    {
        var present = Labels.ToHashSet();
        if (present.Count == ClassNames.Count) return (this, []);
        var keep = Enumerable.Range(0, ClassNames.Count).Where(present.Contains).ToArray();
        var newLabel = new int[ClassNames.Count];
        for (int k = 0; k < keep.Length; k++) newLabel[keep[k]] = k;
        var leftOut = Enumerable.Range(0, ClassNames.Count).Where(k => !present.Contains(k)).Select(k => ClassNames[k]).ToArray();
        return (new LabelledImages(Pixels, Count, Height, Width, Channels, [.. Labels.Select(l => newLabel[l])], [.. keep.Select(k => ClassNames[k])]), leftOut);
    }

    /// <summary>The images and category labels of a stimulus set (every image must have a category).</summary>
    public static LabelledImages FromStimuli(StimulusImageSet set) =>
        new(set.Pixels, set.Count, set.Height, set.Width, set.Channels, set.CategoryLabels, set.CategoryNames);
}
