using System.Globalization;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using PureHDF.Selections;

namespace Fmri.Data.Import;

/// <summary>
/// The images of an NSD experiment from <c>nsd_stimuli.hdf5</c>: dataset <c>/imgBrick</c>, 73,000 x 425 x 425 x 3
/// uint8 (C order as h5py shows it). Only the images a data set shows are read, one image at a time (its bytes at
/// their file offset when the brick is stored contiguously, else a hyperslab through PureHDF), and
/// each is brought to the requested size by the geometry rule as soon as it is read, so memory holds the output set,
/// not the 40 GB brick. Ids are <c>nsd_NNNNN</c> (1-based NSD index, as <see cref="NsdDesign.StimulusOf"/> names trials);
/// NSD has no category labels (-1).
/// </summary>
public static class NsdStimulusImport
{
    public const string BrickPath = "/imgBrick";

    /// <summary>True when <paramref name="path"/> is an HDF5 file with <c>/imgBrick</c>.</summary>
    public static bool Matches(string path)
    {
        try
        {
            using var input = Hdf5Input.Open(path);
            return input.Exists(BrickPath);
        }
        catch (DataFormatException)
        {
            return false;
        }
    }

    /// <summary>The root members of <paramref name="path"/> when it is an HDF5 file (at its start, so not a MATLAB v7.3
    /// file) without <c>/imgBrick</c>, e.g. "/imgbrick, /meta"; null when it is not HDF5 or has the brick.</summary>
    public static string? RootWithoutBrick(string path)
    {
        try
        {
            if (!Hdf5Input.HasSignatureAtStart(path)) return null;
            using var input = Hdf5Input.Open(path);
            if (input.Exists(BrickPath)) return null;
            var names = input.ChildNames("/");
            return names.Count == 0 ? "nothing" : string.Join(", ", names.Take(20).Select(n => "/" + n)) + (names.Count > 20 ? $", ... ({names.Count} members)" : "");
        }
        catch (DataFormatException)
        {
            return null;
        }
    }

    /// <summary>How many images the brick holds (its first axis).</summary>
    public static int ImageCount(string path)
    {
        using var input = Hdf5Input.Open(path);
        return checked((int)input.Shape(BrickPath, 4)[0]);
    }

    /// <summary>True when the brick is stored contiguously and its images are read at their file offsets (not through PureHDF).</summary>
    public static bool ReadsDirectly(string path)
    {
        using var input = Hdf5Input.Open(path);
        input.Shape(BrickPath, 4);
        return input.ContiguousDataOffset(BrickPath) is not null;
    }

    /// <param name="ids">The stimuli to read (<c>nsd_00042</c> ...), each once, in this order.</param>
    /// <param name="size">Bring each image to size x size (null: keep 425 x 425).</param>
    /// <param name="readBytes">When given, receives every byte read from the brick, image after image in read order
    /// (a run's record of its input: hashing the whole 40 GB brick would read all of it).</param>
    public static StimulusImageSet Read(string path, IReadOnlyList<StimulusId> ids, int? size, ImageGeometry geometry, IProgress<double>? progress = null,
        System.Security.Cryptography.IncrementalHash? readBytes = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var input = Hdf5Input.Open(path);
        var dims = input.Shape(BrickPath, 4);
        var type = input.Dataset(BrickPath).Type;
        if (type.Class != PureHDF.H5DataTypeClass.FixedPoint || type.Size != 1)
            throw input.Error(BrickPath, $"has dtype {Hdf5Input.DescribeType(type)}, expected uint8");
        int count = checked((int)dims[0]), height = checked((int)dims[1]), width = checked((int)dims[2]), channels = checked((int)dims[3]);
        if (channels is not (1 or 3)) throw input.Error(BrickPath, $"has {channels} channels (last axis), expected 3");
        int outHeight = size ?? height, outWidth = size ?? width;
        var dataset = input.Dataset(BrickPath);
        var pixels = new byte[(long)ids.Count * outHeight * outWidth * channels];
        var buffer = new byte[height * width * channels];
        // An image is one run of bytes in C order. From a contiguous brick (as NSD ships it) that run is read directly
        // at its file offset; PureHDF would walk the hyperslab as H x W runs of 3 bytes. A chunked brick goes through PureHDF.
        long? dataOffset = input.ContiguousDataOffset(BrickPath);
        using var direct = dataOffset is null ? null : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        for (int i = 0; i < ids.Count; i++)
        {
            int index = IndexOf(ids[i], path, count);
            if (direct is not null)
            {
                direct.Position = dataOffset!.Value + (long)(index - 1) * buffer.Length;
                if (direct.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
                    throw input.Error(BrickPath, $"is truncated: image {index} lies past the end of the file");
            }
            else
            {
                var slab = new HyperslabSelection(4, [(ulong)(index - 1), 0, 0, 0], [1, (ulong)height, (ulong)width, (ulong)channels]);
                input.Guard(BrickPath, () => { dataset.Read<byte>(buffer.AsSpan(), slab, null, null); return true; });
            }
            readBytes?.AppendData(buffer);
            var one = new StimulusImageSet(buffer, 1, height, width, channels, [ids[i]], [-1], []);
            var fitted = size is int s ? ImageGeometries.Apply(one, s, geometry) : one;
            fitted.Pixels.CopyTo(pixels, (long)i * outHeight * outWidth * channels);
            progress?.Report((i + 1.0) / ids.Count);
        }
        return new StimulusImageSet(pixels, ids.Count, outHeight, outWidth, channels, [.. ids], Enumerable.Repeat(-1, ids.Count).ToArray(), []);
    }

    private static int IndexOf(StimulusId id, string path, int count)
    {
        string v = id.Value ?? "";
        if (!v.StartsWith("nsd_", StringComparison.Ordinal) || !int.TryParse(v.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new DataFormatException(path, BrickPath, $"cannot hold stimulus '{v}': NSD images are named nsd_NNNNN (a 1-based index into imgBrick)");
        if (index < 1 || index > count) throw new DataFormatException(path, BrickPath, $"has {count} images; stimulus '{v}' is outside 1..{count}");
        return index;
    }
}
