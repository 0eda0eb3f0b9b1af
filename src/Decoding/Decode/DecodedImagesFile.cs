using System.Globalization;
using Fmri.Core.IO;
using PureHDF;

namespace Decoding.Decode;

/// <summary>What made a set of decoded images: a decoding route, a control of one, a baseline or a reference.</summary>
/// <param name="Name">The row name in reports, e.g. "img2img: low-level + semantic".</param>
/// <param name="Kind">One of <see cref="DecodedMethod.Route"/>, <see cref="Control"/>, <see cref="Baseline"/>, <see cref="Reference"/>.</param>
/// <param name="RouteName">The <c>decode --route</c> name that made it, e.g. "img2img".</param>
/// <param name="UsesFmri">Whether the images depend on the test fMRI.</param>
/// <param name="UsesTrueLabel">Whether the images use the test stimulus's true category (an oracle bound, not a decoder).</param>
/// <param name="ControlOf">For a control: the route name it controls.</param>
/// <param name="Description">One sentence saying what the images are.</param>
public sealed record DecodedMethod(string Name, string Kind, string RouteName, bool UsesFmri, bool UsesTrueLabel, string? ControlOf, string Description)
{
    public const string Route = "route";
    public const string Control = "control";
    public const string Baseline = "baseline";
    public const string Reference = "reference";

    /// <summary>The method of a file written before methods were recorded: a pipeline route, or its shuffled control.</summary>
    public static DecodedMethod Legacy(bool shuffled) => shuffled
        ? new("shuffled-fMRI control", Control, "mindvis", true, false, "mindvis", "decode --shuffle-fmri of an earlier version")
        : new("pipeline", Route, "mindvis", true, false, null, "decode of an earlier version");
}

/// <summary>
/// The decoded images of one method on the items of a split, as <c>decoded.h5</c> holds them: uint8 pixels
/// (N, K, H, W, C), the stimulus id and category of each item, what made them (<see cref="Method"/>), for a control
/// the fMRI row each item was given (<see cref="FmriOrder"/>), and the run's other settings as text attributes.
/// </summary>
public sealed record DecodedImages(byte[] Pixels, int Count, int Samples, int Height, int Width, int Channels,
    IReadOnlyList<string> StimulusIds, IReadOnlyList<int> Categories, DecodedMethod Method, IReadOnlyList<int>? FmriOrder,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>Bytes of sample k of item i, (H, W, C) row-major.</summary>
    public ReadOnlySpan<byte> Image(int item, int sample)
    {
        int length = Height * Width * Channels;
        return Pixels.AsSpan((item * Samples + sample) * length, length);
    }

    /// <summary>True for a control: the fMRI rows were permuted relative to the stimuli.</summary>
    public bool IsControl => Method.Kind == DecodedMethod.Control;
}

/// <summary>
/// <c>decoded.h5</c>, the one place decoded images are written and read: <c>/images</c> uint8 (N, K, H, W, C),
/// <c>/stimulus_id</c> strings (N), <c>/category</c> int32 (N), for a control <c>/fmri_order</c> int32 (N: the item
/// whose fMRI item i was given), and root attributes: <c>method</c>, <c>kind</c>, <c>route</c>, <c>uses_fmri</c>,
/// <c>uses_true_label</c>, <c>control_of</c>, <c>description</c>, plus the run's settings. Written atomically.
/// </summary>
public static class DecodedImagesFile
{
    public const string FileName = "decoded.h5";

    private static readonly string[] MethodAttributes = ["method", "kind", "route", "uses_fmri", "uses_true_label", "control_of", "description", "shuffle_fmri"];

    /// <summary>Writes <paramref name="images"/>; <paramref name="attributes"/> are the run's other settings (numbers or text).</summary>
    public static void Write(string path, DecodedImages images, IReadOnlyDictionary<string, object>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        long expected = (long)images.Count * images.Samples * images.Height * images.Width * images.Channels;
        if (images.Pixels.LongLength != expected)
            throw new ArgumentException($"decoded images: {images.Pixels.LongLength} bytes for ({images.Count}, {images.Samples}, {images.Height}, {images.Width}, {images.Channels})");
        if (images.StimulusIds.Count != images.Count || images.Categories.Count != images.Count)
            throw new ArgumentException($"decoded images: {images.StimulusIds.Count} ids and {images.Categories.Count} categories for {images.Count} items");
        var file = new H5File
        {
            ["images"] = new H5Dataset(images.Pixels, fileDims: [(ulong)images.Count, (ulong)images.Samples, (ulong)images.Height, (ulong)images.Width, (ulong)images.Channels]),
            ["stimulus_id"] = images.StimulusIds.ToArray(),
            ["category"] = images.Categories.ToArray(),
        };
        if (images.FmriOrder is { } order)
        {
            if (order.Count != images.Count) throw new ArgumentException($"decoded images: fMRI order of {order.Count} for {images.Count} items");
            file["fmri_order"] = order.ToArray();
        }
        foreach (var (name, value) in attributes ?? new Dictionary<string, object>())
            if (!MethodAttributes.Contains(name)) file.Attributes[name] = value;
        var m = images.Method;
        file.Attributes["method"] = m.Name;
        file.Attributes["kind"] = m.Kind;
        file.Attributes["route"] = m.RouteName;
        file.Attributes["uses_fmri"] = m.UsesFmri ? 1 : 0;
        file.Attributes["uses_true_label"] = m.UsesTrueLabel ? 1 : 0;
        file.Attributes["control_of"] = m.ControlOf ?? "";
        file.Attributes["description"] = m.Description;
        file.Attributes["shuffle_fmri"] = m.Kind == DecodedMethod.Control ? 1 : 0;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <summary>Reads <c>decoded.h5</c>; <paramref name="path"/> may be the file or the folder holding it.</summary>
    /// <exception cref="DataFormatException">The file is missing a dataset, has a wrong shape, or is not HDF5.</exception>
    public static DecodedImages Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new InvalidSettingException("decoded", path, "file not found (decode writes decoded.h5)");
        try
        {
            using var file = H5File.OpenRead(path);
            foreach (var name in new[] { "images", "stimulus_id", "category" })
                if (!file.LinkExists(name)) throw new DataFormatException(path, "/" + name, "is missing");
            var imagesDataset = file.Dataset("images");
            var dims = imagesDataset.Space.Dimensions;
            if (dims.Length != 5) throw new DataFormatException(path, "/images", $"has {dims.Length} dimensions, expected (N, K, H, W, C)");
            int n = (int)dims[0], k = (int)dims[1], h = (int)dims[2], w = (int)dims[3], c = (int)dims[4];
            if (n < 1 || k < 1) throw new DataFormatException(path, "/images", $"holds ({n}, {k}, ...) images; at least one item with one sample is needed");
            if (c is not (1 or 3)) throw new DataFormatException(path, "/images", $"has {c} channels, expected 1 or 3");
            byte[] pixels = imagesDataset.Read<byte[]>();
            string[] ids = file.Dataset("stimulus_id").Read<string[]>();
            int[] categories = file.Dataset("category").Read<int[]>();
            if (ids.Length != n) throw new DataFormatException(path, "/stimulus_id", $"has {ids.Length} entries for {n} items");
            if (categories.Length != n) throw new DataFormatException(path, "/category", $"has {categories.Length} entries for {n} items");
            int[]? order = file.LinkExists("fmri_order") ? file.Dataset("fmri_order").Read<int[]>() : null;
            if (order is not null && order.Length != n) throw new DataFormatException(path, "/fmri_order", $"has {order.Length} entries for {n} items");
            var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in file.Attributes())
                attributes[attribute.Name] = AttributeText(attribute);
            return new DecodedImages(pixels, n, k, h, w, c, ids, categories, MethodOf(attributes), order, attributes);
        }
        catch (Exception e) when (e is not DataFormatException and not InvalidSettingException)
        {
            throw new DataFormatException(path, "file", $"is not a readable decoded.h5: {e.Message}", e);
        }
    }

    /// <summary>
    /// The item ids and the samples per item of a <c>decoded.h5</c>, without reading its pixels: what names the PNGs
    /// decode wrote beside it.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not a readable decoded.h5.</exception>
    public static (string[] StimulusIds, int Samples) ReadImageNames(string path)
    {
        try
        {
            using var file = H5File.OpenRead(path);
            foreach (var name in new[] { "images", "stimulus_id" })
                if (!file.LinkExists(name)) throw new DataFormatException(path, "/" + name, "is missing");
            var dims = file.Dataset("images").Space.Dimensions;
            if (dims.Length != 5) throw new DataFormatException(path, "/images", $"has {dims.Length} dimensions, expected (N, K, H, W, C)");
            return (file.Dataset("stimulus_id").Read<string[]>(), (int)dims[1]);
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException(path, "file", $"is not a readable decoded.h5: {e.Message}", e);
        }
    }

    private static DecodedMethod MethodOf(IReadOnlyDictionary<string, string> a)
    {
        if (!a.TryGetValue("method", out var name)) return DecodedMethod.Legacy(a.TryGetValue("shuffle_fmri", out var s) && s == "1");
        string Text(string key) => a.TryGetValue(key, out var v) ? v : "";
        string controlOf = Text("control_of");
        return new DecodedMethod(name, Text("kind"), Text("route"), Text("uses_fmri") == "1", Text("uses_true_label") == "1",
            controlOf.Length == 0 ? null : controlOf, Text("description"));
    }

    private static string AttributeText(IH5Attribute attribute)
    {
        try
        {
            return attribute.Type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => attribute.Read<string>(),
                H5DataTypeClass.FloatingPoint => attribute.Read<double>().ToString(CultureInfo.InvariantCulture),
                H5DataTypeClass.FixedPoint when attribute.Type.Size == 4 => attribute.Read<int>().ToString(CultureInfo.InvariantCulture),
                _ => attribute.Read<long>().ToString(CultureInfo.InvariantCulture),
            };
        }
        catch (Exception)
        {
            return "(unreadable attribute)";
        }
    }
}
