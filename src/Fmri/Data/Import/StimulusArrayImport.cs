using System.Globalization;
using Fmri.Data.Stimuli;

namespace Fmri.Data.Import;

/// <summary>Which variables of a MATLAB or NumPy file hold the stimulus images (the same forms as <see cref="FmriMatrixImportOptions"/>).</summary>
public sealed record StimulusArrayImportOptions
{
    public string? Train { get; init; }
    public string? Test { get; init; }
    public string? Images { get; init; }
    public string? TrainLabels { get; init; }
    public string? TestLabels { get; init; }
    public string? Labels { get; init; }
    public string? TrainIds { get; init; }
    public string? TestIds { get; init; }
    public string? Ids { get; init; }
    public string? CategoryNames { get; init; }

    /// <summary>Where the image axis is: "first" (N x H x W [x C], NumPy's habit), "last" (H x W [x C] x N, MATLAB's), or null to infer.</summary>
    public string? ImageAxis { get; init; }

    public void Validate()
    {
        bool separate = Train is not null || Test is not null;
        if (separate && Images is not null) throw new InvalidSettingException("images", $"'{Images}'", "cannot be combined with {train}/{test}");
        if (!separate && Images is null) throw new InvalidSettingException("train", null, "is required: name the variables holding the images, e.g. --train stimTrn --test stimTest, or --images X");
        if (separate && Train is null) throw new InvalidSettingException("train", null, "is required with {test}: the training images variable");
        if (ImageAxis is not (null or "first" or "last")) throw new InvalidSettingException("image_axis", $"'{ImageAxis}'", "is unknown; choose first or last");
    }
}

/// <summary>
/// Builds a <see cref="StimulusImageSet"/> from image arrays in a MATLAB or NumPy file, with the id and label rules of
/// <see cref="ImportedColumns"/> (so the ids match those <see cref="FmriMatrixImport"/> gives the trials of the same file).
/// <list type="bullet">
/// <item>Shapes: N x H x W (greyscale) or N x H x W x C (C = 1 or 3) with the image axis first, or H x W x N and
/// H x W x C x N with it last. When not told, the axis whose length equals the number of labels (or, without labels,
/// of ids) is the image axis; without either, a 3-D array whose first two axes are equal (H x W x N, square images)
/// has it last, else first.</item>
/// <item>Pixels: uint8 as stored; other types are rounded, and scaled by 255 first when every value lies in [0, 1].
/// Values outside 0..255 are refused.</item>
/// <item>An id that appears more than once (one image per trial, with repeated images) keeps one image; the copies must be
/// identical.</item>
/// </list>
/// </summary>
public static class StimulusArrayImport
{
    public static (StimulusImageSet Set, string PixelRule) Read(ArrayFile file, StimulusArrayImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var parts = new List<(Images Images, StimulusId[] Ids, NamedArray? Labels, string LabelOption)>();
        if (options.Images is not null)
        {
            var labels = options.Labels is null ? null : file.Get(options.Labels, "labels");
            var idArray = options.Ids is null ? null : file.Get(options.Ids, "ids");
            var images = ImagesOf(file, options.Images, "images", options.ImageAxis, labels?.Count ?? idArray?.Count);
            var ids = idArray is null ? ImportedColumns.PositionalIds(images.Count, 0) : ImportedColumns.Ids(idArray, "ids", images.Count);
            parts.Add((images, ids, labels, "labels"));
        }
        else
        {
            var trainLabels = options.TrainLabels is null ? null : file.Get(options.TrainLabels, "train_labels");
            var trainIdArray = options.TrainIds is null ? null : file.Get(options.TrainIds, "train_ids");
            var train = ImagesOf(file, options.Train!, "train", options.ImageAxis, trainLabels?.Count ?? trainIdArray?.Count);
            var trainIds = trainIdArray is null ? ImportedColumns.PositionalIds(train.Count, 0) : ImportedColumns.Ids(trainIdArray, "train_ids", train.Count);
            parts.Add((train, trainIds, trainLabels, "train_labels"));
            if (options.Test is not null)
            {
                var testLabels = options.TestLabels is null ? null : file.Get(options.TestLabels, "test_labels");
                var testIdArray = options.TestIds is null ? null : file.Get(options.TestIds, "test_ids");
                var test = ImagesOf(file, options.Test, "test", options.ImageAxis, testLabels?.Count ?? testIdArray?.Count);
                if ((test.Height, test.Width, test.Channels) != (train.Height, train.Width, train.Channels))
                    throw new InvalidSettingException("test", $"'{options.Test}'", $"holds {test.Height}x{test.Width}x{test.Channels} images but {{train}} holds {train.Height}x{train.Width}x{train.Channels}");
                var testIds = testIdArray is null ? ImportedColumns.PositionalIds(test.Count, train.Count) : ImportedColumns.Ids(testIdArray, "test_ids", test.Count);
                parts.Add((test, testIds, testLabels, "test_labels"));
            }
        }
        var (labelParts, names) = ImportedColumns.Categories(parts.Select(p => (p.Labels, p.Images.Count, p.LabelOption)).ToList(),
            options.CategoryNames is null ? null : file.Get(options.CategoryNames, "category_names"), "category_names");
        var first = parts[0].Images;
        var set = Deduplicate(file.Path, parts.SelectMany(p => p.Images.Pixels).ToList(), parts.SelectMany(p => p.Ids).ToList(),
            labelParts.SelectMany(l => l).ToList(), first.Height, first.Width, first.Channels, names);
        return (set, string.Join("; ", parts.Select(p => p.Images.PixelRule).Distinct()));
    }

    /// <summary>
    /// MinD-Vis's GOD images file (<c>images_256.npz</c>: <c>train_images</c> and <c>test_images</c>, N x H x W x 3 uint8),
    /// with the ids <see cref="MindVisGodImport"/> gives the trials (<c>train-K</c>, <c>test-K</c>, K 0-based). No labels.
    /// </summary>
    public static (StimulusImageSet Set, string PixelRule) ReadMindVisGod(ArrayFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        foreach (string member in new[] { "train_images", "test_images" })
            if (!file.Has(member)) throw new DataFormatException(file.Path, member, $"is missing: not MinD-Vis's GOD images file (train_images, test_images); it holds {file.Listing()}");
        var train = ImagesOf(file, "train_images", "train_images", "first", null);
        var test = ImagesOf(file, "test_images", "test_images", "first", null);
        if ((test.Height, test.Width, test.Channels) != (train.Height, train.Width, train.Channels))
            throw new DataFormatException(file.Path, "test_images", $"holds {test.Height}x{test.Width}x{test.Channels} images but train_images holds {train.Height}x{train.Width}x{train.Channels}");
        var ids = Enumerable.Range(0, train.Count).Select(k => new StimulusId(MindVisGodImport.Id("train", k)))
            .Concat(Enumerable.Range(0, test.Count).Select(k => new StimulusId(MindVisGodImport.Id("test", k)))).ToList();
        var set = Deduplicate(file.Path, [.. train.Pixels, .. test.Pixels], ids, Enumerable.Repeat(-1, ids.Count).ToList(),
            train.Height, train.Width, train.Channels, []);
        return (set, train.PixelRule);
    }

    /// <summary>One image per distinct id, in first-appearance order; repeated ids must carry identical images and labels.</summary>
    public static StimulusImageSet Deduplicate(string source, IReadOnlyList<byte[]> images, IReadOnlyList<StimulusId> ids, IReadOnlyList<int> labels,
        int height, int width, int channels, IReadOnlyList<string> names)
    {
        var firstIndex = new Dictionary<StimulusId, int>();
        var kept = new List<int>();
        for (int i = 0; i < ids.Count; i++)
        {
            if (firstIndex.TryGetValue(ids[i], out int j))
            {
                if (!images[i].AsSpan().SequenceEqual(images[j]))
                    throw new DataFormatException(source, "stimulus ids", $"id '{ids[i]}' is given to two different images (items {j + 1} and {i + 1}); give each image its own id");
                if (labels[i] != labels[j])
                    throw new DataFormatException(source, "labels", $"id '{ids[i]}' has two different labels (items {j + 1} and {i + 1})");
                continue;
            }
            firstIndex[ids[i]] = i;
            kept.Add(i);
        }
        int length = height * width * channels;
        var pixels = new byte[(long)kept.Count * length];
        for (int k = 0; k < kept.Count; k++) images[kept[k]].CopyTo(pixels, (long)k * length);
        return new StimulusImageSet(pixels, kept.Count, height, width, channels,
            kept.Select(i => ids[i]).ToArray(), kept.Select(i => labels[i]).ToArray(), names);
    }

    private sealed record Images(int Count, int Height, int Width, int Channels, List<byte[]> Pixels, string PixelRule);

    /// <param name="itemCount">How many images the labels (or ids) given with the array say it holds, if any: the axis of that length is the image axis.</param>
    private static Images ImagesOf(ArrayFile file, string name, string option, string? axis, long? itemCount)
    {
        var array = file.Get(name, option);
        if (array.IsText) throw new InvalidSettingException(option, $"'{name}'", "holds text; expected images (N x H x W, N x H x W x C, or the image axis last)");
        var shape = array.Shape;
        if (shape.Length is not (3 or 4))
            throw new InvalidSettingException(option, $"'{name}'", $"is {NamedArray.FormatShape(shape)}; expected images: N x H x W or N x H x W x C (C = 1 or 3), or H x W x N / H x W x C x N");
        bool last = axis switch
        {
            "first" => false,
            "last" => true,
            _ when itemCount is long n && shape[0] == n && shape[^1] != n => false,
            _ when itemCount is long n && shape[^1] == n && shape[0] != n => true,
            _ when shape.Length == 3 && shape[0] == shape[1] && shape[1] == shape[2] => throw new InvalidSettingException(option, $"'{name}'",
                $"is {NamedArray.FormatShape(shape)}: {shape[0]} images of {shape[0]}x{shape[0]} with the image axis first or last; set --image-axis"),
            _ => shape.Length == 3 && shape[0] == shape[1] && shape[2] != shape[0] && SquareImagesLast(shape, option, name),
        };
        int count = last ? shape[^1] : shape[0];
        int[] image = last ? shape[..^1] : shape[1..];
        int height = image[0], width = image[1], channels = image.Length == 3 ? image[2] : 1;
        if (channels is not (1 or 3))
            throw new InvalidSettingException(option, $"'{name}'", $"is {NamedArray.FormatShape(shape)}: {channels} colour channels with the image axis {(last ? "last" : "first")}; expected 1 or 3 (or set --image-axis)");

        var values = array.Numbers!;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) throw new InvalidSettingException(option, $"'{name}'", "holds NaN or infinite pixel values");
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        bool bytes = array.StoredType is "uint8" or "|u1" or "logical" or "|b1";
        double scale = bytes ? (array.StoredType is "logical" or "|b1" ? 255 : 1) : max <= 1.0 && min >= 0 ? 255 : 1;
        if (min * scale < -0.5 || max * scale > 255.5)
            throw new InvalidSettingException(option, $"'{name}'", string.Create(CultureInfo.InvariantCulture, $"has pixel values from {min:G4} to {max:G4}; expected 0..255 or 0..1"));
        string rule = bytes ? $"{array.StoredType} pixels as stored" : scale == 255 ? $"{array.StoredType} values in [0, 1] times 255, rounded" : $"{array.StoredType} values in 0..255, rounded";

        int length = height * width * channels;
        var pixels = new List<byte[]>(count);
        for (int n = 0; n < count; n++)
        {
            var pixelsOfImage = new byte[length];
            for (int p = 0; p < length; p++)
            {
                // Row-major positions: image axis first = n * length + p; last = p * count + n.
                double v = last ? values[(long)p * count + n] : values[(long)n * length + p];
                pixelsOfImage[p] = (byte)Math.Clamp(Math.Round(v * scale), 0, 255);
            }
            pixels.Add(pixelsOfImage);
        }
        return new Images(count, height, width, channels, pixels, rule);
    }

    /// <summary>
    /// A 3-D array n x n x m (no item count to decide) reads as m square n x n images (image axis last), or as n images
    /// of n x m (first). Square pictures are the common case, so the first reading is taken only when asked; when the
    /// first reading's images are not far from square too (sides within a factor 4), either could be meant and the
    /// import refuses rather than guess. Returns true (the image axis is last) or throws.
    /// </summary>
    private static bool SquareImagesLast(int[] shape, string option, string name)
    {
        double aspect = shape[1] / (double)shape[2];
        if (aspect is >= 0.25 and <= 4)
            throw new InvalidSettingException(option, $"'{name}'",
                $"is {NamedArray.FormatShape(shape)}: {shape[2]} images of {shape[0]}x{shape[1]} (image axis last) or {shape[0]} images of {shape[1]}x{shape[2]} (first); set --image-axis");
        return true;
    }
}
