using System.Buffers.Binary;
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
    private const int HeaderSize = 348;

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
        if (bytes.Length < HeaderSize) throw new DataFormatException(path, "header", $"file has {bytes.Length} bytes, a NIfTI-1 header needs {HeaderSize}");
        var header = bytes.AsSpan(0, HeaderSize);
        bool little = BinaryPrimitives.ReadInt32LittleEndian(header) == HeaderSize;
        if (!little && BinaryPrimitives.ReadInt32BigEndian(header) != HeaderSize)
        {
            bool nifti2 = BinaryPrimitives.ReadInt32LittleEndian(header) == 540 || BinaryPrimitives.ReadInt32BigEndian(header) == 540;
            throw new DataFormatException(path, "sizeof_hdr", nifti2 ? "this is a NIfTI-2 file; only NIfTI-1 is supported" : "is not 348: not a NIfTI-1 file");
        }
        string magic = System.Text.Encoding.ASCII.GetString(header.Slice(344, 3));
        if (magic == "ni1") throw new DataFormatException(path, "magic", "is 'ni1' (separate .hdr/.img pair); convert it to a single .nii file");
        if (magic != "n+1") throw new DataFormatException(path, "magic", $"is '{magic}', expected 'n+1' (single-file NIfTI-1)");

        short I16(int at) => little ? BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(at));
        float F32(int at) => little ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(at));

        int rank = I16(40);
        if (rank is < 1 or > 7) throw new DataFormatException(path, "dim[0]", $"is {rank}, expected 1..7");
        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = I16(42 + 2 * d);
            if (dims[d] < 1) throw new DataFormatException(path, $"dim[{d + 1}]", $"is {dims[d]}, expected a positive size");
            count *= dims[d];
        }
        int datatype = I16(70);
        int bytesPerValue = datatype switch
        {
            2 or 256 => 1,
            4 or 512 => 2,
            8 or 16 or 768 => 4,
            64 or 1024 or 1280 => 8,
            _ => throw new DataFormatException(path, "datatype", $"code {datatype} is not a supported scalar type (uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)"),
        };
        long offset = (long)F32(108);
        if (offset < HeaderSize) offset = HeaderSize + 4; // vox_offset 0 is invalid for .nii; the data follow the 4-byte extension flag.
        long needed = offset + count * bytesPerValue;
        if (bytes.Length < needed)
            throw new DataFormatException(path, "data", $"is truncated: {count} values of {bytesPerValue} bytes from byte {offset} need {needed} bytes, the file has {bytes.Length}");

        float slope = F32(112);
        float inter = F32(116);
        bool scaled = slope != 0 && float.IsFinite(slope) && float.IsFinite(inter) && !(slope == 1 && inter == 0);
        var values = new float[count];
        var data = bytes.AsSpan((int)offset, (int)(count * bytesPerValue));
        for (long i = 0; i < count; i++)
        {
            var v = data.Slice((int)(i * bytesPerValue), bytesPerValue);
            double raw = datatype switch
            {
                2 => v[0],
                256 => (sbyte)v[0],
                4 => little ? BinaryPrimitives.ReadInt16LittleEndian(v) : BinaryPrimitives.ReadInt16BigEndian(v),
                512 => little ? BinaryPrimitives.ReadUInt16LittleEndian(v) : BinaryPrimitives.ReadUInt16BigEndian(v),
                8 => little ? BinaryPrimitives.ReadInt32LittleEndian(v) : BinaryPrimitives.ReadInt32BigEndian(v),
                768 => little ? BinaryPrimitives.ReadUInt32LittleEndian(v) : BinaryPrimitives.ReadUInt32BigEndian(v),
                16 => little ? BinaryPrimitives.ReadSingleLittleEndian(v) : BinaryPrimitives.ReadSingleBigEndian(v),
                64 => little ? BinaryPrimitives.ReadDoubleLittleEndian(v) : BinaryPrimitives.ReadDoubleBigEndian(v),
                1024 => little ? BinaryPrimitives.ReadInt64LittleEndian(v) : BinaryPrimitives.ReadInt64BigEndian(v),
                _ => little ? BinaryPrimitives.ReadUInt64LittleEndian(v) : BinaryPrimitives.ReadUInt64BigEndian(v),
            };
            values[i] = (float)(scaled ? raw * slope + inter : raw);
        }

        // pixdim[0..7] @76, quatern_b/c/d and qoffset_x/y/z @256, srow_x/y/z @280: read them all as 26 floats.
        var pixdim = new double[8];
        for (int d = 0; d < 8; d++) pixdim[d] = F32(76 + 4 * d);
        var placement = new double[18];
        for (int i = 0; i < 18; i++) placement[i] = F32(256 + 4 * i);
        return new NiftiVolume
        {
            Dimensions = dims,
            Values = values,
            VoxelToMm = Affine(I16(252), I16(254), pixdim, placement),
            DataTypeCode = datatype,
        };
    }

    /// <summary>NIfTI-1's three ways to place voxels in space: method 3 (sform), method 2 (qform quaternion), method 1 (voxel sizes).</summary>
    /// <param name="placement">quatern_b, quatern_c, quatern_d, qoffset_x, qoffset_y, qoffset_z, then srow_x, srow_y, srow_z (4 each).</param>
    private static double[] Affine(int qformCode, int sformCode, double[] pixdim, double[] placement)
    {
        if (sformCode > 0) return placement[6..18];
        double dx = pixdim[1], dy = pixdim[2], dz = pixdim[3];
        if (qformCode > 0)
        {
            double b = placement[0], c = placement[1], d = placement[2];
            double a = Math.Sqrt(Math.Max(0, 1 - (b * b + c * c + d * d)));
            double qfac = pixdim[0] < 0 ? -1 : 1;
            double[,] r =
            {
                { a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) },
                { 2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b) },
                { 2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c },
            };
            double[] scale = [dx, dy, dz * qfac];
            double[] origin = [placement[3], placement[4], placement[5]];
            var m = new double[12];
            for (int row = 0; row < 3; row++)
            {
                for (int col = 0; col < 3; col++) m[row * 4 + col] = r[row, col] * scale[col];
                m[row * 4 + 3] = origin[row];
            }
            return m;
        }
        return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0];
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
