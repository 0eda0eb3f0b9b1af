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
/// <item>root attributes <c>layout</c> = "stimulus-images" and <c>layout_version</c> = 1.</item>
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
    public static void Write(StimulusImageSet set, string path, IReadOnlyList<string>? heldOutTestCategories = null)
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

    /// <exception cref="DataFormatException">A dataset is missing or has the wrong shape or type.</exception>
    public static StimulusImageSet Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: stimulus file not found", path);
        using var file = OpenHdf5(path);
        var dims = Hdf5Fields.Dimensions(file, path, "images");
        if (dims.Length is not (3 or 4))
            throw new DataFormatException(path, "/images", $"has {dims.Length} dimensions, expected (N, H, W, C) or (N, H, W)");
        int channels = dims.Length == 4 ? (int)dims[3] : 1;
        if (channels is not (1 or 3))
            throw new DataFormatException(path, "/images", $"has {channels} channels, expected 1 or 3");
        byte[] pixels = Hdf5Fields.ReadArray<byte>(file, path, "images");
        int count = (int)dims[0];

        string[] ids = Hdf5Fields.ReadArray<string>(file, path, "stimulus_id", rank: 1);
        if (ids.Length != count)
            throw new DataFormatException(path, "/stimulus_id", $"has {ids.Length} entries for {count} images");
        int[] labels = Hdf5Fields.ReadArray<int>(file, path, "category", rank: 1);
        if (labels.Length != count)
            throw new DataFormatException(path, "/category", $"has {labels.Length} entries for {count} images");
        string[] names = Hdf5Fields.Has(file, "category_names")
            ? Hdf5Fields.ReadArray<string>(file, path, "category_names", rank: 1)
            : [];
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
