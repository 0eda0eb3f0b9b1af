using System.Buffers.Binary;
using System.IO.Compression;

namespace Fmri.Data.Layouts;

/// <summary>
/// The parts of a NIfTI-1 header (the first 348 bytes of a <c>.nii</c> or <c>.nii.gz</c>) the readers use: byte order,
/// dimensions, datatype, where the voxel data start, the value scaling and the voxel-to-millimetre placement.
/// </summary>
public sealed record NiftiHeader
{
    public const int Size = 348;

    /// <summary>True when the file is little-endian (sizeof_hdr reads 348 that way).</summary>
    public required bool LittleEndian { get; init; }

    /// <summary>dim[1..dim[0]]: X, Y, Z (and T, ... for 4-D and higher).</summary>
    public required int[] Dimensions { get; init; }

    /// <summary>The NIfTI datatype code (2 uint8, 4 int16, 16 float32, ...).</summary>
    public required int DataTypeCode { get; init; }

    public required int BytesPerValue { get; init; }

    /// <summary>Byte offset of the voxel data in the (decompressed) file.</summary>
    public required long DataOffset { get; init; }

    /// <summary>scl_slope and scl_inter when they change the values (slope not 0, 1 with intercept 0), else null.</summary>
    public (float Slope, float Intercept)? Scaling { get; init; }

    /// <summary>3 x 4 row-major affine taking voxel indices (i, j, k, 1) to millimetres: sform if set, else qform, else the voxel sizes.</summary>
    public required double[] VoxelToMm { get; init; }

    /// <summary>Number of values in the data (product of the dimensions).</summary>
    public long ValueCount => Dimensions.Aggregate(1L, (a, d) => a * d);

    /// <summary>numpy's name of the stored type, for messages.</summary>
    public string DataTypeName => DataTypeCode switch
    {
        2 => "uint8", 256 => "int8", 4 => "int16", 512 => "uint16", 8 => "int32", 768 => "uint32",
        16 => "float32", 64 => "float64", 1024 => "int64", 1280 => "uint64", _ => $"code {DataTypeCode}",
    };

    /// <summary>Parses and checks the 348 header bytes of <paramref name="path"/>.</summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < Size) throw new DataFormatException(path, "header", $"file has {bytes.Length} bytes, a NIfTI-1 header needs {Size}");
        var header = bytes[..Size];
        bool little = BinaryPrimitives.ReadInt32LittleEndian(header) == Size;
        if (!little && BinaryPrimitives.ReadInt32BigEndian(header) != Size)
        {
            bool nifti2 = BinaryPrimitives.ReadInt32LittleEndian(header) == 540 || BinaryPrimitives.ReadInt32BigEndian(header) == 540;
            throw new DataFormatException(path, "sizeof_hdr", nifti2 ? "this is a NIfTI-2 file; only NIfTI-1 is supported" : "is not 348: not a NIfTI-1 file");
        }
        string magic = System.Text.Encoding.ASCII.GetString(header.Slice(344, 3));
        if (magic == "ni1") throw new DataFormatException(path, "magic", "is 'ni1' (separate .hdr/.img pair); convert it to a single .nii file");
        if (magic != "n+1") throw new DataFormatException(path, "magic", $"is '{magic}', expected 'n+1' (single-file NIfTI-1)");

        short I16(ReadOnlySpan<byte> h, int at) => little ? BinaryPrimitives.ReadInt16LittleEndian(h[at..]) : BinaryPrimitives.ReadInt16BigEndian(h[at..]);
        float F32(ReadOnlySpan<byte> h, int at) => little ? BinaryPrimitives.ReadSingleLittleEndian(h[at..]) : BinaryPrimitives.ReadSingleBigEndian(h[at..]);

        int rank = I16(header, 40);
        if (rank is < 1 or > 7) throw new DataFormatException(path, "dim[0]", $"is {rank}, expected 1..7");
        var dims = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = I16(header, 42 + 2 * d);
            if (dims[d] < 1) throw new DataFormatException(path, $"dim[{d + 1}]", $"is {dims[d]}, expected a positive size");
        }
        int datatype = I16(header, 70);
        int bytesPerValue = datatype switch
        {
            2 or 256 => 1,
            4 or 512 => 2,
            8 or 16 or 768 => 4,
            64 or 1024 or 1280 => 8,
            _ => throw new DataFormatException(path, "datatype", $"code {datatype} is not a supported scalar type (uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)"),
        };
        long offset = (long)F32(header, 108);
        if (offset < Size) offset = Size + 4; // vox_offset 0 is invalid for .nii; the data follow the 4-byte extension flag.

        float slope = F32(header, 112);
        float inter = F32(header, 116);
        bool scaled = slope != 0 && float.IsFinite(slope) && float.IsFinite(inter) && !(slope == 1 && inter == 0);

        // pixdim[0..7] @76, quatern_b/c/d and qoffset_x/y/z @256, srow_x/y/z @280.
        var pixdim = new double[8];
        for (int d = 0; d < 8; d++) pixdim[d] = F32(header, 76 + 4 * d);
        var placement = new double[18];
        for (int i = 0; i < 18; i++) placement[i] = F32(header, 256 + 4 * i);
        return new NiftiHeader
        {
            LittleEndian = little,
            Dimensions = dims,
            DataTypeCode = datatype,
            BytesPerValue = bytesPerValue,
            DataOffset = offset,
            Scaling = scaled ? (slope, inter) : null,
            VoxelToMm = Affine(I16(header, 252), I16(header, 254), pixdim, placement),
        };
    }

    /// <summary>Value <paramref name="i"/> of <paramref name="data"/> (stored values from the data offset), scaled.</summary>
    public double ValueAt(ReadOnlySpan<byte> data, long i)
    {
        var v = data.Slice((int)(i * BytesPerValue), BytesPerValue);
        bool little = LittleEndian;
        double raw = DataTypeCode switch
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
        return Scaling is var (slope, inter) ? raw * slope + inter : raw;
    }

    /// <summary>True when <paramref name="path"/> is named like a single-file NIfTI (<c>.nii</c> or <c>.nii.gz</c>).</summary>
    public static bool IsNiftiName(string path)
    {
        string lower = path.ToLowerInvariant();
        return lower.EndsWith(".nii", StringComparison.Ordinal) || lower.EndsWith(".nii.gz", StringComparison.Ordinal);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for sequential reading of its decompressed bytes (gzip detected from the content),
    /// parses the header and leaves the stream at the first voxel value. The caller disposes the stream.
    /// </summary>
    public static (NiftiHeader Header, Stream Data) OpenStream(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        var file = File.OpenRead(path);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            bool gzip = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            file.Position = 0;
            Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            var bytes = new byte[Size];
            int got = ReadFully(stream, bytes, path);
            var header = Parse(bytes.AsSpan(0, got), path);
            long skip = header.DataOffset - Size;
            var skipBuffer = new byte[Math.Max(1, skip)];
            if (skip > 0 && ReadFully(stream, skipBuffer, path) < skip)
                throw new DataFormatException(path, "vox_offset", $"is {header.DataOffset}, past the end of the file");
            return (header, stream);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    public static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "file", $"is not a valid gzip stream: {e.Message}", e);
        }
        return total;
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
}
