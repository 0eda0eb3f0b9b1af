using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Fmri.Data.Import;

/// <summary>
/// Reads MATLAB Level 5 MAT-files (MATLAB's <c>-v6</c> and <c>-v7</c> formats; <c>scipy.io.savemat</c> writes them),
/// following MathWorks' "MAT-File Format" document:
/// <list type="bullet">
/// <item>a 128-byte header: 116 bytes of text, 8 bytes of subsystem offset, the version 0x0100 and the endian indicator
/// <c>IM</c> (little-endian) or <c>MI</c> (big-endian);</item>
/// <item>then data elements, each an 8-byte tag (data type, byte count) or a 4-byte "small element" tag holding up
/// to 4 bytes of data, padded to 8 bytes; <c>miCOMPRESSED</c> elements hold a zlib stream of further elements;</item>
/// <item>a variable is an <c>miMATRIX</c> element: array flags (class, complex, logical), dimensions, name, then the
/// data: real (and imaginary) part for numeric classes, the characters for <c>char</c>, one <c>miMATRIX</c> per
/// element for <c>cell</c>, field names then one <c>miMATRIX</c> per element and field for <c>struct</c>.</item>
/// </list>
/// Numeric data may be stored in a smaller type than their class (MATLAB writes a double array of small integers as
/// uint8); values are returned as doubles, in row-major order of MATLAB's dimensions. Complex, sparse, object and
/// function-handle variables, struct arrays and cells of anything but single strings or numbers cannot be read: each
/// is listed, with the reason, among the file's unreadable variables, and the others are read as usual.
/// </summary>
public static class MatV5File
{
    private const int HeaderSize = 128;

    // Data types (miXXX) of the format.
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16, MiUtf16 = 17, MiUtf32 = 18;

    // Array classes (mxXXX_CLASS).
    private const int MxCell = 1, MxStruct = 2, MxObject = 3, MxChar = 4, MxSparse = 5, MxDouble = 6, MxSingle = 7,
        MxInt8 = 8, MxUInt8 = 9, MxInt16 = 10, MxUInt16 = 11, MxInt32 = 12, MxUInt32 = 13, MxInt64 = 14, MxUInt64 = 15;

    private static readonly string[] ClassNames =
        ["unknown", "cell", "struct", "object", "char", "sparse", "double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"];

    /// <summary>True when the first 128 bytes of <paramref name="path"/> are a Level 5 header (v6/v7; v7.3 files carry one too).</summary>
    public static bool HasLevel5Header(string path, out int version)
    {
        version = 0;
        using var stream = File.OpenRead(path);
        var header = new byte[HeaderSize];
        if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize) return false;
        bool little = header[126] == 'I' && header[127] == 'M';
        bool big = header[126] == 'M' && header[127] == 'I';
        if (!little && !big) return false;
        version = little ? BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(124)) : BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(124));
        return true;
    }

    /// <summary>Every variable of the file, in file order; struct fields become <c>name.field</c> variables. A variable
    /// (or struct field) that cannot be decoded is added to <paramref name="unreadable"/> instead.</summary>
    /// <exception cref="DataFormatException">The file is not a Level 5 MAT-file, or is truncated or damaged between its variables.</exception>
    public static IReadOnlyList<NamedArray> Read(string path, List<UnreadableVariable> unreadable)
    {
        ArgumentNullException.ThrowIfNull(unreadable);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderSize) throw new DataFormatException(path, "header", $"file has {bytes.Length} bytes, a MAT-file header needs {HeaderSize}");
        bool little = bytes[126] == 'I' && bytes[127] == 'M';
        if (!little && !(bytes[126] == 'M' && bytes[127] == 'I'))
            throw new DataFormatException(path, "header", "has no MAT-file endian indicator (IM or MI) at bytes 126-127: not a MATLAB v5/v7 file (MATLAB v4 files are not supported; save with -v7)");
        var reader = new ElementReader(path, little, unreadable);
        var variables = new List<NamedArray>();
        int position = HeaderSize;
        while (position < bytes.Length)
        {
            if (bytes.Length - position < 8) break;   // trailing padding
            var (type, size, dataStart, next) = reader.Tag(bytes, position, "variable");
            if (type == MiCompressed)
            {
                byte[] inflated = Inflate(path, bytes.AsSpan(dataStart, size));
                int inner = 0;
                while (inner + 8 <= inflated.Length)
                {
                    var (innerType, innerSize, innerStart, innerNext) = reader.Tag(inflated, inner, "compressed variable");
                    if (innerType == MiMatrix) reader.Matrix(inflated.AsSpan(innerStart, innerSize), null, variables);
                    inner = innerNext;
                }
            }
            else if (type == MiMatrix)
            {
                reader.Matrix(bytes.AsSpan(dataStart, size), null, variables);
            }
            position = next;
        }
        return variables;
    }

    private static byte[] Inflate(string path, ReadOnlySpan<byte> compressed)
    {
        try
        {
            using var input = new MemoryStream(compressed.ToArray());
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "miCOMPRESSED", $"is not a valid zlib stream (the file may be truncated): {e.Message}", e);
        }
    }

    /// <summary>Parses tags and matrices of one file with its byte order; errors name the file and the variable.</summary>
    private sealed class ElementReader(string path, bool little, List<UnreadableVariable> unreadable)
    {
        /// <summary>(type, byte count, data start, start of the next element) of the element at <paramref name="at"/>.</summary>
        public (int Type, int Size, int DataStart, int Next) Tag(ReadOnlySpan<byte> buffer, int at, string what)
        {
            if (buffer.Length - at < 8) throw new DataFormatException(path, what, $"is truncated: a tag needs 8 bytes at byte {at}");
            uint first = U32(buffer[at..]);
            if ((first >> 16) != 0)
            {
                // Small data element: the byte count in the upper 16 bits, up to 4 bytes of data in the tag's second half.
                int small = (int)(first >> 16);
                if (small > 4) throw new DataFormatException(path, what, $"has a small element of {small} bytes (at most 4)");
                return ((int)(first & 0xFFFF), small, at + 4, at + 8);
            }
            long size = U32(buffer[(at + 4)..]);
            long end = at + 8 + size;
            if (end > buffer.Length) throw new DataFormatException(path, what, $"is truncated: an element of {size} bytes at byte {at} runs past the end ({buffer.Length} bytes)");
            // Elements are padded to 8 bytes, except miCOMPRESSED ones, which the next element follows at once.
            long padded = (int)first == MiCompressed ? end : at + 8 + (size + 7) / 8 * 8;
            return ((int)first, (int)size, at + 8, (int)Math.Min(padded, buffer.Length));
        }

        /// <summary>Parses an miMATRIX body; adds the variable (or, for a struct, its fields) to <paramref name="output"/>,
        /// or, when it cannot be decoded, to the unreadable variables. The element's tag delimits it, so the variables
        /// after it are read either way.</summary>
        /// <param name="inheritedName">The name for a matrix inside a cell or struct (their own name fields are empty).</param>
        public void Matrix(ReadOnlySpan<byte> body, string? inheritedName, List<NamedArray> output)
        {
            try
            {
                var value = ParseMatrix(body, inheritedName);
                if (value.Array is not null) output.Add(value.Array);
                if (value.Fields is not null) output.AddRange(value.Fields);
            }
            catch (DataFormatException e)
            {
                unreadable.Add(UnreadableVariable.From(e));
            }
        }

        private (NamedArray? Array, List<NamedArray>? Fields) ParseMatrix(ReadOnlySpan<byte> body, string? inheritedName)
        {
            if (body.Length == 0) return (null, null);   // an empty element (MATLAB writes [] in cells this way)
            var (flagsType, flagsSize, flagsStart, next) = Tag(body, 0, inheritedName ?? "variable");
            if (flagsType != MiUInt32 || flagsSize < 8) throw new DataFormatException(path, inheritedName ?? "variable", "has no array flags (miUINT32, 8 bytes) after its miMATRIX tag");
            uint flags = U32(body[flagsStart..]);
            int mxClass = (int)(flags & 0xFF);
            bool complex = (flags & 0x0800) != 0;
            bool logical = (flags & 0x0200) != 0;

            var (dimsType, dimsSize, dimsStart, afterDims) = Tag(body, next, inheritedName ?? "variable");
            if (dimsType != MiInt32) throw new DataFormatException(path, inheritedName ?? "variable", $"has dimensions of type {dimsType}, expected miINT32");
            var dims = new int[dimsSize / 4];
            for (int i = 0; i < dims.Length; i++) dims[i] = (int)U32(body[(dimsStart + 4 * i)..]);

            var (nameType, nameSize, nameStart, afterName) = Tag(body, afterDims, inheritedName ?? "variable");
            if (nameType != MiInt8) throw new DataFormatException(path, inheritedName ?? "variable", $"has a name of type {nameType}, expected miINT8");
            string name = Encoding.ASCII.GetString(body.Slice(nameStart, nameSize));
            if (name.Length == 0) name = inheritedName ?? "";
            string stored = mxClass < ClassNames.Length ? ClassNames[mxClass] : $"class {mxClass}";
            long count = dims.Aggregate(1L, (a, d) => a * d);
            if (count > int.MaxValue) throw new DataFormatException(path, name, $"has {count} elements, more than this reader holds in memory");

            switch (mxClass)
            {
                case MxSparse:
                    throw new DataFormatException(path, name, "is a sparse matrix; convert it with full() before saving");
                case MxObject:
                    throw new DataFormatException(path, name, "is a MATLAB object; save its data as plain arrays");
                case MxCell:
                    return (Cell(body, afterName, name, dims), null);
                case MxStruct:
                    return (null, Struct(body, afterName, name, dims));
                case MxChar:
                {
                    var (charType, charSize, charStart, _) = Tag(body, afterName, name);
                    return (CharArray(name, dims, Numbers(body.Slice(charStart, charSize), charType, name)), null);
                }
                case >= MxDouble and <= MxUInt64:
                {
                    if (complex) throw new DataFormatException(path, name, "is complex; only real arrays can be read (save real() and imag() separately)");
                    var (realType, realSize, realStart, _) = Tag(body, afterName, name);
                    var values = Numbers(body.Slice(realStart, realSize), realType, name);
                    if (values.Length != count)
                        throw new DataFormatException(path, name, $"holds {values.Length} values for dimensions {NamedArray.FormatShape(dims)}");
                    return (new NamedArray(name, dims, ColumnMajorToRowMajor(values, dims), null, logical ? "logical" : stored), null);
                }
                default:
                    throw new DataFormatException(path, name, $"is of MATLAB class {stored}, which cannot be read (numeric, logical, char, cell and struct can)");
            }
        }

        /// <summary>A cell array: of char rows it becomes text; of numeric scalars, numbers; anything else is refused.</summary>
        private NamedArray Cell(ReadOnlySpan<byte> body, int at, string name, int[] dims)
        {
            int count = dims.Aggregate(1, (a, d) => a * d);
            var texts = new string[count];
            var numbers = new double[count];
            bool allText = true, allNumbers = true;
            for (int i = 0; i < count; i++)
            {
                var (type, size, start, next) = Tag(body, at, name);
                if (type != MiMatrix) throw new DataFormatException(path, name, $"cell {i + 1} is not a matrix element (type {type})");
                NamedArray? element;
                List<NamedArray>? fields;
                try
                {
                    (element, fields) = ParseMatrix(body.Slice(start, size), $"{name}{{{i + 1}}}");
                }
                catch (DataFormatException e) when (e.Field != name)
                {
                    // The cell's own name, so that the variable a user asks for carries the reason.
                    throw new DataFormatException(path, name, $"cell {i + 1} {e.Problem}", e);
                }
                if (fields is not null)
                    throw new DataFormatException(path, name, $"cell {i + 1} is a struct; cells of text or of numbers can be read");
                if (element is null) { texts[i] = ""; numbers[i] = double.NaN; }
                else if (element.IsText && element.Count <= 1) { texts[i] = element.Count == 0 ? "" : element.Texts![0]; allNumbers = false; }
                else if (!element.IsText && element.Count == 1) { numbers[i] = element.Numbers![0]; texts[i] = ""; allText = false; }
                else throw new DataFormatException(path, name, $"cell {i + 1} holds {element.Describe()}; cells of single strings or single numbers can be read");
                at = next;
            }
            var shape = dims.ToArray();
            return allText
                ? new NamedArray(name, shape, null, ColumnMajorToRowMajor(texts, dims), "cell")
                : allNumbers ? new NamedArray(name, shape, ColumnMajorToRowMajor(numbers, dims), null, "cell")
                : throw new DataFormatException(path, name, "is a cell array mixing text and numbers");
        }

        /// <summary>A 1 x 1 struct: each field becomes a variable <c>name.field</c>.</summary>
        private List<NamedArray> Struct(ReadOnlySpan<byte> body, int at, string name, int[] dims)
        {
            var (lengthType, _, lengthStart, afterLength) = Tag(body, at, name);
            if (lengthType != MiInt32) throw new DataFormatException(path, name, "struct has no field name length");
            int fieldLength = (int)U32(body[lengthStart..]);
            var (_, namesSize, namesStart, afterNames) = Tag(body, afterLength, name);
            int fieldCount = fieldLength == 0 ? 0 : namesSize / fieldLength;
            var fieldNames = new string[fieldCount];
            for (int f = 0; f < fieldCount; f++)
                fieldNames[f] = Encoding.ASCII.GetString(body.Slice(namesStart + f * fieldLength, fieldLength)).TrimEnd('\0');
            int elements = dims.Aggregate(1, (a, d) => a * d);
            if (elements != 1 && fieldCount > 0)
                throw new DataFormatException(path, name, $"is a {NamedArray.FormatShape(dims)} struct array; only a single struct (1 x 1) can be read");
            var result = new List<NamedArray>();
            at = afterNames;
            for (int f = 0; f < fieldCount * elements; f++)
            {
                var (type, size, start, next) = Tag(body, at, name);
                if (type != MiMatrix) throw new DataFormatException(path, $"{name}.{fieldNames[f]}", $"is not a matrix element (type {type})");
                try
                {
                    var (array, fields) = ParseMatrix(body.Slice(start, size), $"{name}.{fieldNames[f]}");
                    if (array is not null) result.Add(array);
                    if (fields is not null) result.AddRange(fields);
                }
                catch (DataFormatException e)
                {
                    // One field that cannot be decoded leaves the struct's other fields readable.
                    unreadable.Add(UnreadableVariable.From(e));
                }
                at = next;
            }
            return result;
        }

        /// <summary>A char array: a row vector is one string; a matrix (rows x columns) is one string per row, right-trimmed of the blanks MATLAB pads with.</summary>
        private NamedArray CharArray(string name, int[] dims, double[] codes)
        {
            if (dims.Length > 2) throw new DataFormatException(path, name, $"is a {NamedArray.FormatShape(dims)} char array; only char rows and matrices can be read");
            int rows = dims.Length > 0 ? dims[0] : 0;
            int columns = rows == 0 ? 0 : codes.Length / rows;
            var texts = new string[rows];
            var builder = new StringBuilder();
            for (int r = 0; r < rows; r++)
            {
                builder.Clear();
                for (int c = 0; c < columns; c++) builder.Append((char)(int)codes[r + c * rows]);   // column-major
                texts[r] = builder.ToString().TrimEnd(' ', '\0');
            }
            return new NamedArray(name, [rows], null, texts, "char");
        }

        /// <summary>The values of a numeric data element as doubles (character data: their code units).</summary>
        private double[] Numbers(ReadOnlySpan<byte> data, int type, string name)
        {
            int width = type switch
            {
                MiInt8 or MiUInt8 or MiUtf8 => 1,
                MiInt16 or MiUInt16 or MiUtf16 => 2,
                MiInt32 or MiUInt32 or MiSingle or MiUtf32 => 4,
                MiDouble or MiInt64 or MiUInt64 => 8,
                _ => throw new DataFormatException(path, name, $"stores its data as type {type}, which is not a numeric MAT data type"),
            };
            if (type == MiUtf8)
            {
                string text = Encoding.UTF8.GetString(data);
                return text.Select(c => (double)c).ToArray();
            }
            var values = new double[data.Length / width];
            for (int i = 0; i < values.Length; i++)
            {
                var v = data.Slice(i * width, width);
                values[i] = type switch
                {
                    MiInt8 => (sbyte)v[0],
                    MiUInt8 => v[0],
                    MiInt16 => little ? BinaryPrimitives.ReadInt16LittleEndian(v) : BinaryPrimitives.ReadInt16BigEndian(v),
                    MiUInt16 or MiUtf16 => little ? BinaryPrimitives.ReadUInt16LittleEndian(v) : BinaryPrimitives.ReadUInt16BigEndian(v),
                    MiInt32 => little ? BinaryPrimitives.ReadInt32LittleEndian(v) : BinaryPrimitives.ReadInt32BigEndian(v),
                    MiUInt32 or MiUtf32 => little ? BinaryPrimitives.ReadUInt32LittleEndian(v) : BinaryPrimitives.ReadUInt32BigEndian(v),
                    MiSingle => little ? BinaryPrimitives.ReadSingleLittleEndian(v) : BinaryPrimitives.ReadSingleBigEndian(v),
                    MiDouble => little ? BinaryPrimitives.ReadDoubleLittleEndian(v) : BinaryPrimitives.ReadDoubleBigEndian(v),
                    MiInt64 => little ? BinaryPrimitives.ReadInt64LittleEndian(v) : BinaryPrimitives.ReadInt64BigEndian(v),
                    _ => little ? BinaryPrimitives.ReadUInt64LittleEndian(v) : BinaryPrimitives.ReadUInt64BigEndian(v),
                };
            }
            return values;
        }

        private uint U32(ReadOnlySpan<byte> at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(at) : BinaryPrimitives.ReadUInt32BigEndian(at);
    }

    /// <summary>Reorders MATLAB's column-major values into row-major order of the same dimensions.</summary>
    internal static T[] ColumnMajorToRowMajor<T>(T[] values, int[] dims)
    {
        if (dims.Length < 2 || dims.Count(d => d != 1) <= 1) return values;   // vectors need no reordering
        var result = new T[values.Length];
        int rank = dims.Length;
        var index = new int[rank];
        // Walk the column-major order (first index fastest) and place each value at its row-major position.
        var rowStrides = new long[rank];
        rowStrides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--) rowStrides[d] = rowStrides[d + 1] * dims[d + 1];
        for (int k = 0; k < values.Length; k++)
        {
            long target = 0;
            for (int d = 0; d < rank; d++) target += index[d] * rowStrides[d];
            result[target] = values[k];
            for (int d = 0; d < rank; d++)
            {
                if (++index[d] < dims[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }
}
