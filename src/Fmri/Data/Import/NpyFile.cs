using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Fmri.Data.Import;

/// <summary>
/// Reads NumPy's <c>.npy</c> arrays and <c>.npz</c> archives (a zip of <c>.npy</c> files, stored or deflated, as
/// <c>numpy.savez</c> and <c>savez_compressed</c> write them). An <c>.npy</c> file is the magic <c>\x93NUMPY</c>, a
/// format version (1.0: 2-byte header length; 2.0 and 3.0: 4 bytes), a Python-literal header
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (90, 3092), }</c>, then the raw data. Supported dtypes:
/// booleans, signed and unsigned integers, float16/32/64 in either byte order, fixed-width unicode (<c>&lt;U</c>) and
/// byte strings (<c>|S</c>). Object arrays (<c>|O</c>) are Python pickles and are refused: save text as a fixed-width
/// string array (<c>np.array(ids, dtype=str)</c>).
/// </summary>
public static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The array of a <c>.npy</c> file, named after the file (without extension).</summary>
    public static NamedArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileNameWithoutExtension(path), path);
    }

    /// <summary>Every array of an <c>.npz</c> archive, named by its member name without <c>.npy</c>, in archive order.</summary>
    public static IReadOnlyList<NamedArray> ReadArchive(string path)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "file", $"is not a readable .npz (zip) archive: {e.Message}", e);
        }
        using (archive)
        {
            var arrays = new List<NamedArray>();
            foreach (var entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string name = entry.FullName[..^4];
                try
                {
                    using var member = entry.Open();
                    using var buffered = new MemoryStream();
                    member.CopyTo(buffered);
                    buffered.Position = 0;
                    arrays.Add(Read(buffered, name, path));
                }
                catch (InvalidDataException e)
                {
                    throw new DataFormatException(path, entry.FullName, $"cannot be decompressed (the archive may be truncated): {e.Message}", e);
                }
            }
            if (arrays.Count == 0) throw new DataFormatException(path, "file", "holds no .npy member");
            return arrays;
        }
    }

    private static NamedArray Read(Stream stream, string name, string file)
    {
        Span<byte> start = stackalloc byte[8];
        if (stream.ReadAtLeast(start, 8, throwOnEndOfStream: false) < 8 || !start[..6].SequenceEqual(Magic))
            throw new DataFormatException(file, name, "is not a NumPy .npy array (no \\x93NUMPY magic)");
        int major = start[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            ReadExactly(stream, length, file, name);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            ReadExactly(stream, length, file, name);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        }
        else throw new DataFormatException(file, name, $"has .npy format version {major}.{start[7]}; versions 1, 2 and 3 can be read");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, file, name);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        string descr = Field(DescrPattern(), header, file, name, "descr");
        bool fortran = Field(FortranPattern(), header, file, name, "fortran_order") == "True";
        string shapeText = Field(ShapePattern(), header, file, name, "shape");
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s.TrimEnd('L'), CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count > int.MaxValue) throw new DataFormatException(file, name, $"has {count} elements, more than this reader holds in memory");

        char order = descr[0];
        char kind = descr[1];
        bool little = order != '>';
        if (kind == 'O') throw new DataFormatException(file, name, "is an object array (a Python pickle), which is not read; save text as a fixed-width string array (np.array(values, dtype=str))");
        if (kind is not ('b' or 'i' or 'u' or 'f' or 'U' or 'S'))
            throw new DataFormatException(file, name, $"has dtype '{descr}'; booleans, integers, floats and fixed-width strings can be read");
        if (descr.Length == 2) throw new DataFormatException(file, name, $"has dtype '{descr}' without an item size");
        int size = int.Parse(descr.AsSpan(2), CultureInfo.InvariantCulture);
        int itemSize = kind == 'U' ? 4 * size : size;
        var data = new byte[count * itemSize];
        ReadExactly(stream, data, file, name);

        if (kind is 'U' or 'S')
        {
            var texts = new string[count];
            for (int i = 0; i < count; i++)
            {
                var item = data.AsSpan(i * itemSize, itemSize);
                texts[i] = (kind == 'U' ? (little ? Encoding.UTF32 : new UTF32Encoding(bigEndian: true, byteOrderMark: false)).GetString(item) : Encoding.UTF8.GetString(item)).TrimEnd('\0');
            }
            return new NamedArray(name, shape, null, fortran ? MatV5File.ColumnMajorToRowMajor(texts, shape) : texts, descr);
        }
        var numbers = new double[count];
        for (int i = 0; i < count; i++)
        {
            var v = data.AsSpan(i * size, size);
            numbers[i] = (kind, size) switch
            {
                ('b', 1) => v[0] != 0 ? 1 : 0,
                ('i', 1) => (sbyte)v[0],
                ('u', 1) => v[0],
                ('i', 2) => little ? BinaryPrimitives.ReadInt16LittleEndian(v) : BinaryPrimitives.ReadInt16BigEndian(v),
                ('u', 2) => little ? BinaryPrimitives.ReadUInt16LittleEndian(v) : BinaryPrimitives.ReadUInt16BigEndian(v),
                ('i', 4) => little ? BinaryPrimitives.ReadInt32LittleEndian(v) : BinaryPrimitives.ReadInt32BigEndian(v),
                ('u', 4) => little ? BinaryPrimitives.ReadUInt32LittleEndian(v) : BinaryPrimitives.ReadUInt32BigEndian(v),
                ('i', 8) => little ? BinaryPrimitives.ReadInt64LittleEndian(v) : BinaryPrimitives.ReadInt64BigEndian(v),
                ('u', 8) => little ? BinaryPrimitives.ReadUInt64LittleEndian(v) : BinaryPrimitives.ReadUInt64BigEndian(v),
                ('f', 2) => (double)(little ? BinaryPrimitives.ReadHalfLittleEndian(v) : BinaryPrimitives.ReadHalfBigEndian(v)),
                ('f', 4) => little ? BinaryPrimitives.ReadSingleLittleEndian(v) : BinaryPrimitives.ReadSingleBigEndian(v),
                ('f', 8) => little ? BinaryPrimitives.ReadDoubleLittleEndian(v) : BinaryPrimitives.ReadDoubleBigEndian(v),
                _ => throw new DataFormatException(file, name, $"has dtype '{descr}', an item size this reader does not handle"),
            };
        }
        return new NamedArray(name, shape, fortran ? MatV5File.ColumnMajorToRowMajor(numbers, shape) : numbers, null, descr);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string file, string name)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
            throw new DataFormatException(file, name, $"is truncated: fewer bytes than its header announces");
    }

    private static string Field(Regex pattern, string header, string file, string name, string key)
    {
        var match = pattern.Match(header);
        if (!match.Success) throw new DataFormatException(file, name, $"has no '{key}' in its .npy header ({header.Trim()})");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-zA-Z]\d*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
