using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Fmri.Data.Stimuli;

/// <summary>
/// Small PureHDF helpers shared by the stimulus and simulation files: reading a named dataset or attribute
/// with one-line errors that name the file and the field, and writing chunked, gzip-compressed datasets.
/// </summary>
internal static class Hdf5Fields
{
    /// <summary>gzip (deflate) level used for compressed datasets.</summary>
    public const int CompressionLevel = 6;

    public static bool Has(IH5Group group, string name) => group.LinkExists(name);

    /// <summary>The dimensions of dataset <paramref name="name"/>.</summary>
    public static ulong[] Dimensions(IH5Group group, string file, string name)
        => Dataset(group, file, name).Space.Dimensions;

    /// <summary>Reads dataset <paramref name="name"/> as a flat array of <typeparamref name="T"/>, checking its rank.</summary>
    public static T[] ReadArray<T>(IH5Group group, string file, string name, int? rank = null)
    {
        var dataset = Dataset(group, file, name);
        var dims = dataset.Space.Dimensions;
        if (rank is int r && dims.Length != r)
            throw new DataFormatException(file, FieldName(name), $"has {dims.Length} dimensions ({string.Join(" x ", dims)}), expected {r}");
        try
        {
            return dataset.Read<T[]>();
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException(file, FieldName(name), $"cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Reads a scalar attribute of <paramref name="obj"/>.</summary>
    public static T ReadAttribute<T>(IH5Object obj, string file, string name)
    {
        if (!obj.AttributeExists(name))
            throw new DataFormatException(file, $"@{name}", "attribute is missing");
        try
        {
            return obj.Attribute(name).Read<T>();
        }
        catch (Exception e)
        {
            throw new DataFormatException(file, $"@{name}", $"cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>A dataset chunked along its first axis and gzip-compressed.</summary>
    public static H5Dataset Compressed(Array data, ulong[] dims, int rowsPerChunk)
    {
        var chunks = new uint[dims.Length];
        chunks[0] = (uint)Math.Clamp((long)rowsPerChunk, 1, Math.Max(1, (long)dims[0]));
        for (int d = 1; d < dims.Length; d++) chunks[d] = (uint)Math.Max(1UL, dims[d]);
        var creation = new H5DatasetCreation(Filters:
        [
            new H5Filter(DeflateFilter.Id, new Dictionary<string, object> { [DeflateFilter.COMPRESSION_LEVEL] = CompressionLevel }),
        ]);
        return new H5Dataset(data, chunks: chunks, fileDims: dims, datasetCreation: creation);
    }

    /// <summary>An uncompressed dataset with the given shape (for small arrays).</summary>
    public static H5Dataset Shaped(Array data, params ulong[] dims) => new(data, fileDims: dims);

    private static IH5Dataset Dataset(IH5Group group, string file, string name)
    {
        if (!group.LinkExists(name))
            throw new DataFormatException(file, FieldName(name), "dataset is missing");
        try
        {
            return group.Dataset(name);
        }
        catch (Exception e)
        {
            throw new DataFormatException(file, FieldName(name), $"is not a dataset: {e.Message}", e);
        }
    }

    private static string FieldName(string name) => name.StartsWith('/') ? name : "/" + name;
}
