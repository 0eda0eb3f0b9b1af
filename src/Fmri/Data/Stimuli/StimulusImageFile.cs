using Fmri.Core.IO;
using PureHDF;
using PureHDF.VOL.Native;

namespace Fmri.Data.Stimuli;

/// <summary>
/// The project's stimulus file (e.g. <c>stimuli.h5</c>), HDF5:
/// <list type="bullet">
/// <item><c>/images</c> uint8 (N, H, W, C), chunked by images, gzip; a 3-D (N, H, W) array is read as C = 1.</item>
/// <item><c>/stimulus_id</c> N variable-length UTF-8 strings (e.g. <c>n00001009_17</c>).</item>
/// <item><c>/category</c> int32 (N), an index into <c>/category_names</c>, -1 when unknown.</item>
/// <item><c>/category_names</c> strings (K); optional on reading.</item>
/// <item><c>/held_out_test_categories</c> strings (optional): names of categories whose images are test images
/// only, none of them a training image (an out-of-category test, as written by the simulator).</item>
/// <item>root attributes <c>layout</c> = "stimulus-images" and <c>layout_version</c> = 1; optional <c>geometry</c>: how the
/// importer brought the images to their size (<see cref="ImageGeometry"/>).</item>
/// </list>
/// </summary>
public static class StimulusImageFile
{
    public const string LayoutName = "stimulus-images";
    public const int LayoutVersion = 1;

    public const string HeldOutTestCategoriesField = "held_out_test_categories";

    /// <summary>
    /// Writes <paramref name="set"/> to <paramref name="path"/> atomically; <paramref name="heldOutTestCategories"/>,
    /// when not empty, lists the categories that only test images come from.
    /// </summary>
    /// <exception cref="ArgumentException">A held-out category is not one of the set's category names.</exception>
    public static void Write(StimulusImageSet set, string path, IReadOnlyList<string>? heldOutTestCategories = null, string? geometry = null)
    {
        heldOutTestCategories ??= [];
        foreach (var name in heldOutTestCategories)
            if (!set.CategoryNames.Contains(name))
                throw new ArgumentException($"heldOutTestCategories: '{name}' is not one of the category names", nameof(heldOutTestCategories));
        var file = new H5File
        {
            ["images"] = Hdf5Fields.Compressed(set.Pixels, [(ulong)set.Count, (ulong)set.Height, (ulong)set.Width, (ulong)set.Channels], rowsPerChunk: 256),
            ["stimulus_id"] = set.StimulusIds.Select(id => id.Value).ToArray(),
            ["category"] = set.CategoryLabels.ToArray(),
            ["category_names"] = set.CategoryNames.ToArray(),
        };
        if (heldOutTestCategories.Count > 0) file[HeldOutTestCategoriesField] = heldOutTestCategories.ToArray();
        file.Attributes["layout"] = LayoutName;
        file.Attributes["layout_version"] = LayoutVersion;
        // How the images reached their size, when the writer changed it (e.g. "28x28 padded to 32x32 ...").
        if (geometry is not null) file.Attributes["geometry"] = geometry;
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <summary>The held-out test categories recorded in a stimulus file (empty when it records none).</summary>
    public static string[] ReadHeldOutTestCategories(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: stimulus file not found", path);
        using var file = OpenHdf5(path);
        return Hdf5Fields.Has(file, HeldOutTestCategoriesField)
            ? Hdf5Fields.ReadArray<string>(file, path, HeldOutTestCategoriesField, rank: 1)
            : [];
    }

    /// <summary>What every layout error ends with: how to make a valid file.</summary>
    public const string ConvertHint = "make the stimulus file with 'decoding stimuli import' (from a folder of PNG/JPEG, a .mat or a .npz file)";

    /// <summary>
    /// Reads a stimulus file, checking the layout field by field; each error names the field, says what was found and
    /// what is expected, and how to convert (<see cref="ConvertHint"/>).
    /// </summary>
    /// <exception cref="DataFormatException">A dataset is missing or has the wrong shape or type.</exception>
    public static StimulusImageSet Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: stimulus file not found", path);
        using var file = OpenHdf5(path);
        if (file.AttributeExists("layout") && TryStringAttribute(file, "layout") is { } layout && layout != LayoutName)
            throw new DataFormatException(path, "@layout", $"is '{layout}', not a stimulus file (layout '{LayoutName}'); fMRI files go to --data; {ConvertHint}");
        Expect(file, path, "images", "uint8 images (N, H, W) or (N, H, W, C) with C = 1 or 3");
        var dims = Hdf5Fields.Dimensions(file, path, "images");
        if (dims.Length is not (3 or 4))
            throw new DataFormatException(path, "/images", $"has {dims.Length} dimensions ({string.Join(" x ", dims)}); expected (N, H, W) or (N, H, W, C); {ConvertHint}");
        var imageType = file.Dataset("images").Type;
        if (imageType.Class != H5DataTypeClass.FixedPoint || imageType.Size != 1 || imageType.FixedPoint.IsSigned)
            throw new DataFormatException(path, "/images", $"is {TypeName(imageType)}; expected uint8 pixels 0..255; {ConvertHint}");
        int channels = dims.Length == 4 ? (int)dims[3] : 1;
        if (channels is not (1 or 3))
            throw new DataFormatException(path, "/images", $"has {channels} channels (last axis of {string.Join(" x ", dims)}); expected 1 or 3; {ConvertHint}");
        byte[] pixels = Hdf5Fields.ReadArray<byte>(file, path, "images");
        int count = (int)dims[0];

        Expect(file, path, "stimulus_id", "one id string per image");
        var idType = file.Dataset("stimulus_id").Type;
        if (idType.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw new DataFormatException(path, "/stimulus_id", $"is {TypeName(idType)}; expected one string per image (numeric ids are written as text, e.g. \"17\"); {ConvertHint}");
        string[] ids = Array.ConvertAll(Hdf5Fields.ReadArray<string>(file, path, "stimulus_id", rank: 1), v => (v ?? "").TrimEnd('\0'));
        if (ids.Length != count)
            throw new DataFormatException(path, "/stimulus_id", $"has {ids.Length} entries for {count} images; expected one per image");

        Expect(file, path, "category", "int32 category index per image (-1 = unknown)");
        var categoryType = file.Dataset("category").Type;
        if (categoryType.Class != H5DataTypeClass.FixedPoint)
            throw new DataFormatException(path, "/category", $"is {TypeName(categoryType)}; expected int32 indices into /category_names (-1 = unknown); {ConvertHint}");
        int[] labels = ReadIntegers(file, path, "category", categoryType);
        if (labels.Length != count)
            throw new DataFormatException(path, "/category", $"has {labels.Length} entries for {count} images; expected one per image");
        string[] names = [];
        if (Hdf5Fields.Has(file, "category_names"))
        {
            var nameType = file.Dataset("category_names").Type;
            if (nameType.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
                throw new DataFormatException(path, "/category_names", $"is {TypeName(nameType)}; expected one name string per category; {ConvertHint}");
            names = Array.ConvertAll(Hdf5Fields.ReadArray<string>(file, path, "category_names", rank: 1), v => (v ?? "").TrimEnd('\0'));
        }
        var stimulusIds = ids.Select(v => new StimulusId(v)).ToArray();
        try
        {
            return new StimulusImageSet(pixels, count, (int)dims[1], (int)dims[2], channels, stimulusIds, labels, names);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(path, e.ParamName is null ? "/images" : "/" + FieldOf(e.ParamName), e.Message, e);
        }
    }

    private static void Expect(NativeFile file, string path, string name, string expected)
    {
        if (!Hdf5Fields.Has(file, name))
        {
            var present = file.Children().Select(c => "/" + c.Name).ToList();
            throw new DataFormatException(path, "/" + name, $"is missing (expected {expected}); the file holds {(present.Count == 0 ? "nothing" : string.Join(", ", present))}; {ConvertHint}");
        }
    }

    private static int[] ReadIntegers(NativeFile file, string path, string name, IH5DataType type)
    {
        var dataset = file.Dataset(name);
        try
        {
            return (type.Size, type.FixedPoint.IsSigned) switch
            {
                (4, true) => dataset.Read<int[]>(),
                (1, true) => Array.ConvertAll(dataset.Read<sbyte[]>(), v => (int)v),
                (2, true) => Array.ConvertAll(dataset.Read<short[]>(), v => (int)v),
                (8, true) => Array.ConvertAll(dataset.Read<long[]>(), v => checked((int)v)),
                (1, false) => Array.ConvertAll(dataset.Read<byte[]>(), v => (int)v),
                (2, false) => Array.ConvertAll(dataset.Read<ushort[]>(), v => (int)v),
                (4, false) => Array.ConvertAll(dataset.Read<uint[]>(), v => checked((int)v)),
                _ => Array.ConvertAll(dataset.Read<ulong[]>(), v => checked((int)v)),
            };
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException(path, "/" + name, $"cannot be read as integers: {e.Message}", e);
        }
    }

    private static string? TryStringAttribute(NativeFile file, string name)
    {
        try
        {
            return file.Attribute(name).Read<string>();
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static string TypeName(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FloatingPoint => $"float{type.Size * 8}",
        H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{type.Size * 8}",
        H5DataTypeClass.String or H5DataTypeClass.VariableLength => "text",
        _ => type.Class.ToString().ToLowerInvariant(),
    };

    internal static NativeFile OpenHdf5(string path)
    {
        try
        {
            return H5File.OpenRead(path);
        }
        catch (Exception e)
        {
            throw new DataFormatException(path, "file", $"is not a readable HDF5 file: {e.Message}", e);
        }
    }

    private static string FieldOf(string parameter) => parameter switch
    {
        "stimulusIds" => "stimulus_id",
        "categoryLabels" => "category",
        _ => "images",
    };
}
