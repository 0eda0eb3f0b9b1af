using System.Buffers.Binary;
using System.IO.Compression;

namespace Fmri.Data.Stimuli;

/// <summary>
/// An IDX file (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a 4-byte magic number
/// (two zero bytes, a data-type code, the number of dimensions), one big-endian int32 per dimension,
/// then the values in row-major order. Only unsigned-byte data (type code 0x08) is supported, which is
/// what MNIST and Fashion-MNIST images and labels use.
/// </summary>
public sealed class IdxFile
{
    /// <summary>IDX data-type code of unsigned bytes.</summary>
    public const byte UnsignedByteType = 0x08;

    private IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file the values were read from.</summary>
    public string Path { get; }

    /// <summary>Size of each dimension, outermost first (e.g. count, rows, columns).</summary>
    public int[] Dimensions { get; }

    /// <summary>The values, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Reads an IDX file of unsigned bytes; gzip compression is detected from the content.</summary>
    /// <exception cref="DataFormatException">The header or the data do not form a valid unsigned-byte IDX file.</exception>
    public static IdxFile Read(string path)
    {
        byte[] bytes = ReadDecompressed(path);
        if (bytes.Length < 4)
            throw new DataFormatException(path, "magic", $"file has {bytes.Length} bytes, too short for the 4-byte IDX magic number");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new DataFormatException(path, "magic", $"starts with 0x{bytes[0]:X2}{bytes[1]:X2}, an IDX file starts with two zero bytes");
        if (bytes[2] != UnsignedByteType)
            throw new DataFormatException(path, "magic", $"data type code 0x{bytes[2]:X2} is not supported; expected 0x08 (unsigned byte)");
        int rank = bytes[3];
        if (rank == 0)
            throw new DataFormatException(path, "magic", "declares 0 dimensions");
        int headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
            throw new DataFormatException(path, "dimensions", $"file ends after {bytes.Length} bytes, inside the {rank} dimension sizes");

        var dimensions = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d, 4));
            if (dimensions[d] < 0)
                throw new DataFormatException(path, "dimensions", $"dimension {d} has negative size {dimensions[d]}");
            count *= dimensions[d];
        }
        long available = bytes.Length - headerLength;
        if (available != count)
            throw new DataFormatException(path, "data", $"has {available} bytes but the dimensions {string.Join(" x ", dimensions)} need {count}");
        return new IdxFile(path, dimensions, bytes.AsSpan(headerLength).ToArray());
    }

    /// <summary>Reads an image file: three dimensions (count, rows, columns).</summary>
    public static IdxFile ReadImages(string path)
    {
        var file = Read(path);
        if (file.Dimensions.Length != 3)
            throw new DataFormatException(path, "dimensions", $"has {file.Dimensions.Length} dimensions, an image file has 3 (count, rows, columns)");
        return file;
    }

    /// <summary>Reads a label file: one dimension (count).</summary>
    public static byte[] ReadLabels(string path)
    {
        var file = Read(path);
        if (file.Dimensions.Length != 1)
            throw new DataFormatException(path, "dimensions", $"has {file.Dimensions.Length} dimensions, a label file has 1 (count)");
        return file.Data;
    }

    private static byte[] ReadDecompressed(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: IDX file not found", path);
        byte[] raw = File.ReadAllBytes(path);
        bool gzip = raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B;
        if (!gzip) return raw;
        try
        {
            using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "gzip", $"is not a valid gzip stream ({e.Message})", e);
        }
    }
}
