using PureHDF;

namespace Decoding.Decode;

/// <summary>
/// The decoded test images of one run, as <c>decoded.h5</c> holds them (see
/// <see cref="DecodedImagesFile"/>): uint8 pixels (N, K, H, W, C), the stimulus id and category of each
/// item, and the file's root attributes (sampling settings, paths, whether the fMRI was shuffled).
/// </summary>
public sealed record DecodedImages(byte[] Pixels, int Count, int Samples, int Height, int Width, int Channels,
    IReadOnlyList<string> StimulusIds, IReadOnlyList<int> Categories, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>Bytes of sample k of item i, (H, W, C) row-major.</summary>
    public ReadOnlySpan<byte> Image(int item, int sample)
    {
        int length = Height * Width * Channels;
        return Pixels.AsSpan((item * Samples + sample) * length, length);
    }

    /// <summary>Reads <c>decoded.h5</c>; <paramref name="path"/> may be the file or the folder holding it.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFormatException">A dataset is missing or has the wrong shape.</exception>
    public static DecodedImages Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, DecodedImagesFile.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: decoded images file not found", path);
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
            var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in file.Attributes())
                attributes[attribute.Name] = AttributeText(attribute);
            return new DecodedImages(pixels, n, k, h, w, c, ids, categories, attributes);
        }
        catch (Exception e) when (e is not DataFormatException and not FileNotFoundException)
        {
            throw new DataFormatException(path, "file", $"is not a readable decoded.h5: {e.Message}", e);
        }
    }

    private static string AttributeText(IH5Attribute attribute)
    {
        try
        {
            return attribute.Type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => attribute.Read<string>(),
                H5DataTypeClass.FloatingPoint => attribute.Read<double>().ToString(System.Globalization.CultureInfo.InvariantCulture),
                H5DataTypeClass.FixedPoint when attribute.Type.Size == 4 => attribute.Read<int>().ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => attribute.Read<long>().ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        catch (Exception)
        {
            return "(unreadable attribute)";
        }
    }

    /// <summary>True when the decode step permuted the fMRI rows (the shuffled control).</summary>
    public bool IsShuffledControl => Attributes.TryGetValue("shuffle_fmri", out var v) && v == "1";
}
