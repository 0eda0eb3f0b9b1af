using System.IO.Compression;

namespace Fmri.Data.Layouts;

/// <summary>
/// A NIfTI-1 volume (<c>.nii</c> or <c>.nii.gz</c>): a 348-byte header, then the voxel array from byte
/// <c>vox_offset</c>, X fastest (then Y, Z, T). Values are returned scaled by <c>scl_slope</c>/<c>scl_inter</c>.
/// Because X varies fastest on disk, the flat file order of a 3-D volume with dims (X, Y, Z) is exactly the C-order
/// (row-major) order of an array shaped (Z, Y, X): element (x, y, z) sits at <c>x + X * (y + Y * z)</c> in both.
/// </summary>
public sealed record NiftiVolume
{
    /// <summary>dim[1..dim[0]]: X, Y, Z (and T, ... for 4-D and higher).</summary>
    public required int[] Dimensions { get; init; }

    /// <summary>Scaled voxel values in file order (X fastest).</summary>
    public required float[] Values { get; init; }

    /// <summary>3 x 4 row-major affine taking voxel indices (i, j, k, 1) to millimetres: sform if set, else qform, else the voxel sizes.</summary>
    public required double[] VoxelToMm { get; init; }

    /// <summary>The NIfTI datatype code of the stored values (2 uint8, 4 int16, 16 float32, ...).</summary>
    public int DataTypeCode { get; init; }

    /// <summary>The first three dimensions as a C-order volume shape (Z, Y, X).</summary>
    public VolumeShape Shape3D => new(Dimensions.Length > 2 ? Dimensions[2] : 1, Dimensions.Length > 1 ? Dimensions[1] : 1, Dimensions[0]);

    /// <summary>Reads a single-file NIfTI-1 volume, gzip-compressed or not (detected from the content).</summary>
    public static NiftiVolume Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        byte[] bytes;
        try
        {
            bytes = ReadAllDecompressed(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "file", $"is not a valid gzip stream: {e.Message}", e);
        }
        var header = NiftiHeader.Parse(bytes, path);
        long count = header.ValueCount;
        long needed = header.DataOffset + count * header.BytesPerValue;
        if (bytes.Length < needed)
            throw new DataFormatException(path, "data", $"is truncated: {count} values of {header.BytesPerValue} bytes from byte {header.DataOffset} need {needed} bytes, the file has {bytes.Length}");
        var values = new float[count];
        var data = bytes.AsSpan((int)header.DataOffset, (int)(count * header.BytesPerValue));
        for (long i = 0; i < count; i++) values[i] = (float)header.ValueAt(data, i);
        return new NiftiVolume
        {
            Dimensions = header.Dimensions,
            Values = values,
            VoxelToMm = header.VoxelToMm,
            DataTypeCode = header.DataTypeCode,
        };
    }

    private static byte[] ReadAllDecompressed(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        if (!gzip)
        {
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return bytes;
        }
        using var unzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        unzip.CopyTo(memory);
        return memory.ToArray();
    }
}
