using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// An HDF5 file opened for reading through PureHDF. Every failure, PureHDF's own included, becomes one
/// <see cref="DataFormatException"/> naming the file and the dataset (as an absolute HDF5 path, e.g. <c>/metadata/key</c>).
/// </summary>
internal sealed partial class Hdf5Input : IDisposable
{
    private readonly NativeFile file;
    private readonly Dictionary<string, IH5Object?> objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, IH5Attribute>> attributes = new(StringComparer.Ordinal);
    // The direct read paths (contiguous blocks, heap collections) read through one handle of their own, opened on first use.
    private readonly Lazy<SafeFileHandle> raw;
    private readonly Lazy<long> fileLength;
    private readonly Lazy<bool> superblockAtStart;
    private readonly Lazy<Hdf5VariableLengthStrings?> strings;

    private Hdf5Input(string path, NativeFile file)
    {
        FilePath = path;
        this.file = file;
        raw = new Lazy<SafeFileHandle>(() => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess));
        fileLength = new Lazy<long>(() => RandomAccess.GetLength(raw.Value));
        superblockAtStart = new Lazy<bool>(() => SuperblockAtStart(raw.Value));
        strings = new Lazy<Hdf5VariableLengthStrings?>(() => superblockAtStart.Value ? new Hdf5VariableLengthStrings(raw.Value) : null);
    }

    /// <summary>The path the file was opened with (used in messages).</summary>
    public string FilePath { get; }

    /// <summary>Opens <paramref name="path"/>, first checking that it exists, is HDF5 and is not truncated.</summary>
    public static Hdf5Input Open(string path)
    {
        if (Directory.Exists(path)) throw new DataFormatException(path, "file", "is a directory, not an HDF5 file");
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        Hdf5Superblock.Check(path);
        try
        {
            return new Hdf5Input(path, H5File.OpenRead(path));
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            throw new DataFormatException(path, "file", $"cannot be opened as HDF5: {OneLine(e.Message)}", e);
        }
    }

    public void Dispose()
    {
        if (raw.IsValueCreated) raw.Value.Dispose();
        file.Dispose();
    }

    /// <summary>
    /// The byte offset in the file of a contiguous dataset's values, or null (chunked or compact storage, space not
    /// allocated, a user block before the superblock, or the offset not found). Callers then read through PureHDF.
    /// </summary>
    public long? ContiguousDataOffset(string path) => RawStorage(Dataset(path)).Address;

    /// <summary>
    /// Where a dataset's raw values are (<see cref="PureHdfInternals.Storage"/>): the bytes themselves for compact
    /// storage, or the file offset and byte count for contiguous storage (null when not allocated, starting past the
    /// end of the file, or when a user block makes storage addresses differ from file offsets; a file cut short is the
    /// caller's check). Empty when PureHDF's internals are not there; callers then read through PureHDF as usual.
    /// </summary>
    private (byte[]? Compact, long? Address, long Size) RawStorage(NativeDataset dataset)
    {
        var (compact, address, size) = PureHdfInternals.Storage(dataset);
        if (compact is not null) return (compact, null, 0);
        if (address is not { } a || size is not { } n || !superblockAtStart.Value) return (null, null, 0);
        return a < (ulong)fileLength.Value && n <= long.MaxValue ? (null, (long)a, (long)n) : (null, null, 0);
    }

    /// <summary>True when the file at <paramref name="path"/> starts with the HDF5 signature (no user block).</summary>
    public static bool HasSignatureAtStart(string path)
    {
        using var handle = File.OpenHandle(path);
        return SuperblockAtStart(handle);
    }

    /// <summary>True when the HDF5 signature is at byte 0 (no user block), so storage addresses are file offsets.</summary>
    private static bool SuperblockAtStart(SafeFileHandle handle)
    {
        Span<byte> head = stackalloc byte[4];
        return RandomAccess.Read(handle, head, 0) == 4 && head[0] == 0x89 && head[1] == (byte)'H' && head[2] == (byte)'D' && head[3] == (byte)'F';
    }

    /// <summary>Runs a PureHDF call, turning its exceptions into a <see cref="DataFormatException"/> for <paramref name="field"/>.</summary>
    public T Guard<T>(string field, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            throw new DataFormatException(FilePath, field, $"cannot be read: {OneLine(e.Message)}", e);
        }
    }

    /// <summary>A bad-input error about <paramref name="field"/> of this file.</summary>
    public DataFormatException Error(string field, string problem) => new(FilePath, field, problem);

    /// <summary>True when a link (group or dataset) exists at <paramref name="path"/>.</summary>
    public bool Exists(string path) => Find(path) is not null;

    /// <summary>True when <paramref name="path"/> exists and is a group.</summary>
    public bool IsGroup(string path) => Find(path) is IH5Group;

    /// <summary>
    /// The object at <paramref name="path"/>, or null when there is none. Looked up once per path: PureHDF walks the
    /// hierarchy and decodes the object header on every lookup, and a reader asks about the same paths several times.
    /// </summary>
    private IH5Object? Find(string path)
    {
        string relative = Relative(path);
        if (relative.Length == 0) return file;
        if (objects.TryGetValue(relative, out var known)) return known;
        // Looked up by name in the (cached) parent group, so each level of the hierarchy is walked once; LinkExists
        // fails on a path whose parent is a dataset, which this also rules out.
        int slash = relative.LastIndexOf('/');
        IH5Object? found = null;
        if ((slash < 0 ? file : Find(relative[..slash])) is IH5Group parent)
        {
            string field = Absolute(path);
            string name = relative[(slash + 1)..];
            if (Guard(field, () => parent.LinkExists(name))) found = Guard(field, () => parent.Get(name));
        }
        objects[relative] = found;
        return found;
    }

    /// <summary>The dataset at <paramref name="path"/>; a clear error when it is missing or is a group.</summary>
    public NativeDataset Dataset(string path)
    {
        string field = Absolute(path);
        var obj = Find(path) ?? throw Error(field, "dataset is missing");
        var dataset = obj as NativeDataset ?? throw Error(field, "is a group, expected a dataset");
        // Decode the type, dataspace and layout now, so a damaged header fails here, named, not later.
        return Guard(field, () =>
        {
            _ = dataset.Type.Class;
            _ = dataset.Space.Rank;
            _ = dataset.Layout.Class;
            return dataset;
        });
    }

    /// <summary>The object an HDF5 object reference points to (MATLAB v7.3 cells hold such references into <c>/#refs#</c>).</summary>
    public IH5Object Dereference(NativeObjectReference1 reference, string field) => Guard(field, () => file.Get(reference));

    /// <summary>The group at <paramref name="path"/>; a clear error when it is missing or is a dataset.</summary>
    public IH5Group Group(string path)
    {
        var obj = Find(path) ?? throw Error(Absolute(path), "group is missing");
        return obj as IH5Group ?? throw Error(Absolute(path), "is a dataset, expected a group");
    }

    /// <summary>Names of the members of a group, in the file's order.</summary>
    public IReadOnlyList<string> ChildNames(string groupPath)
    {
        var group = Group(groupPath);
        return Guard(Absolute(groupPath), () => group.Children().Select(c => c.Name).ToList());
    }

    /// <summary>Dimensions of the dataset at <paramref name="path"/>, checked to have <paramref name="rank"/> axes.</summary>
    public long[] Shape(string path, int rank)
    {
        var dims = Dims(path);
        if (dims.Length != rank)
            throw Error(Absolute(path), $"has rank {dims.Length} (shape {FormatShape(dims)}), expected rank {rank}");
        return dims;
    }

    /// <summary>Dimensions of the dataset at <paramref name="path"/> (empty for a scalar).</summary>
    public long[] Dims(string path)
    {
        var ds = Dataset(path);
        return Guard(Absolute(path), () => ds.Space.Dimensions.Select(d => checked((long)d)).ToArray());
    }

    /// <summary>Reads a numeric dataset (any integer or float type) as doubles, optionally through a selection.</summary>
    public double[] ReadDoubles(string path, Selection? selection = null) => ReadDoubles(Dataset(path), Absolute(path), selection);

    /// <summary>A numeric dataset (float of 4 or 8 bytes, or integers of any size and sign) as doubles; <paramref name="field"/>
    /// names it in errors (a dataset reached by reference has no path of its own).</summary>
    public double[] ReadDoubles(IH5Dataset ds, string field, Selection? selection = null)
    {
        var type = ds.Type;
        return Guard(field, () => type.Class switch
        {
            H5DataTypeClass.FloatingPoint when type.Size == 8 => ds.Read<double[]>(selection),
            H5DataTypeClass.FloatingPoint when type.Size == 4 => Array.ConvertAll(ds.Read<float[]>(selection), v => (double)v),
            H5DataTypeClass.FixedPoint => Array.ConvertAll(ReadIntegerValues(ds, type, selection), v => (double)v),
            _ => throw Error(field, $"has dtype {DescribeType(type)}, expected numbers"),
        });
    }

    /// <summary>Reads an integer dataset (any size, signed or unsigned) as 64-bit integers.</summary>
    public long[] ReadIntegers(string path)
    {
        var ds = Dataset(path);
        var type = ds.Type;
        string field = Absolute(path);
        if (type.Class != H5DataTypeClass.FixedPoint) throw Error(field, $"has dtype {DescribeType(type)}, expected integers");
        return Guard(field, () => ReadIntegerValues(ds, type, null));
    }

    /// <summary>Reads a string dataset (fixed-length or variable-length), trimming trailing NUL padding.</summary>
    public string[] ReadStrings(string path) => ReadStrings(Dataset(path), Absolute(path));

    /// <summary>
    /// The first string of every dataset directly in a group (e.g. bdpy's <c>/vmap/&lt;key&gt;/&lt;value&gt;</c>), by
    /// member name. Walks the group once: looking each member up by name is slow in large groups.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> ReadStringMembers(string groupPath)
    {
        var group = Group(groupPath);
        string field = Absolute(groupPath);
        var members = Guard(field, () => group.Children().OfType<IH5Dataset>().ToList());
        return members.Select(d => (d.Name, ReadStrings(d, $"{field}/{d.Name}").FirstOrDefault() ?? "")).ToList();
    }

    private string[] ReadStrings(IH5Dataset ds, string field)
    {
        var type = ds.Type;
        if (type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw Error(field, $"has dtype {DescribeType(type)}, expected strings");
        bool scalar = Guard(field, () => ds.Space.Type == H5DataspaceType.Scalar);
        if (!scalar && type.Class == H5DataTypeClass.VariableLength && ds is NativeDataset native && Guard(field, () => native.Space.Dimensions) is [var count]
            && strings.Value is { } heap && Guard(field, () => heap.TryRead(native, (long)count, RawStorage(native))) is { } fast)
            return Array.ConvertAll(fast, v => v.TrimEnd('\0'));
        var values = Guard(field, () => scalar ? [ds.Read<string>()] : ds.Read<string[]>());
        return Array.ConvertAll(values, v => (v ?? "").TrimEnd('\0'));
    }

    /// <summary>A string attribute of the object at <paramref name="objectPath"/>, or null when absent.</summary>
    public string? StringAttribute(string objectPath, string name)
    {
        var attribute = FindAttribute(objectPath, name);
        if (attribute is null) return null;
        string field = $"{Absolute(objectPath).TrimEnd('/')}@{name}";
        if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw Error(field, $"has dtype {DescribeType(attribute.Type)}, expected a string");
        if (Hdf5VariableLengthStrings.IsString(attribute.Type) && PureHdfInternals.AttributeBytes(attribute) is { } stored && strings.Value is { } heap
            && Guard(field, () => heap.TryDecode(stored.Span)) is [var first, ..])
            return first.TrimEnd('\0');
        return Guard(field, () => attribute.Space.Type == H5DataspaceType.Scalar ? attribute.Read<string>() : attribute.Read<string[]>().FirstOrDefault() ?? "").TrimEnd('\0');
    }

    /// <summary>An integer attribute of the object at <paramref name="objectPath"/>, or null when absent.</summary>
    public long? IntegerAttribute(string objectPath, string name)
    {
        var attribute = FindAttribute(objectPath, name);
        if (attribute is null) return null;
        string field = $"{Absolute(objectPath).TrimEnd('/')}@{name}";
        var type = attribute.Type;
        if (type.Class != H5DataTypeClass.FixedPoint) throw Error(field, $"has dtype {DescribeType(type)}, expected an integer");
        return Guard(field, () =>
        {
            bool signed = type.FixedPoint.IsSigned;
            bool scalar = attribute.Space.Type == H5DataspaceType.Scalar;
            return (type.Size, signed) switch
            {
                (1, true) => scalar ? attribute.Read<sbyte>() : attribute.Read<sbyte[]>()[0],
                (1, false) => scalar ? attribute.Read<byte>() : attribute.Read<byte[]>()[0],
                (2, true) => scalar ? attribute.Read<short>() : attribute.Read<short[]>()[0],
                (2, false) => scalar ? attribute.Read<ushort>() : attribute.Read<ushort[]>()[0],
                (4, true) => scalar ? attribute.Read<int>() : attribute.Read<int[]>()[0],
                (4, false) => scalar ? attribute.Read<uint>() : attribute.Read<uint[]>()[0],
                (8, true) => scalar ? attribute.Read<long>() : attribute.Read<long[]>()[0],
                _ => throw Error(field, $"has dtype {DescribeType(type)}, expected an integer of at most 63 bits"),
            };
        });
    }

    /// <summary>
    /// Reads a 2-D float32 or float64 matrix (rows x columns) into <paramref name="output"/> as float32, keeping only
    /// <paramref name="columns"/> (sorted, distinct; null = all). A whole float32 matrix is read straight into the
    /// output; otherwise blocks of whole chunks of rows are read through hyperslabs spanning the selected column
    /// range and converted or picked, so memory beyond the output is one block.
    /// </summary>
    public void ReadMatrix(string path, int[]? columns, float[] output)
    {
        string field = Absolute(path);
        var ds = Dataset(path);
        var shape = Shape(path, 2);
        int rows = checked((int)shape[0]);
        int width = checked((int)shape[1]);
        var type = ds.Type;
        if (type.Class != H5DataTypeClass.FloatingPoint || type.Size is not (4 or 8))
            throw Error(field, $"has dtype {DescribeType(type)}, expected float32 or float64");
        int first = columns is null || columns.Length == 0 ? 0 : columns[0];
        int last = columns is null ? width - 1 : columns.Length == 0 ? -1 : columns[^1];
        int selected = columns?.Length ?? width;
        if (output.Length != (long)rows * selected)
            throw new ArgumentException($"output holds {output.Length} values, expected {rows} x {selected}", nameof(output));
        if (rows == 0 || selected == 0) return;
        if (first < 0 || last >= width) throw new ArgumentOutOfRangeException(nameof(columns), $"column outside 0..{width - 1}");
        if (columns is null && type.Size == 4 && TryReadContiguousFloat32(ds, output)) return;
        int span = last - first + 1;
        int blockRows = BlockRows(ds, rows, span);
        // Sorted distinct columns as many as their range are that whole range: no picking needed.
        var offsets = columns is null || columns.Length == span ? null : Array.ConvertAll(columns, c => c - first);

        if (type.Size == 4) ReadBlocks<float>(ds, field, rows, width, first, span, blockRows, offsets, output.AsSpan());
        else ReadBlocks<double>(ds, field, rows, width, first, span, blockRows, offsets, output.AsSpan());
    }

    private void ReadBlocks<T>(NativeDataset ds, string field, int rows, int width, int first, int span, int blockRows, int[]? offsets,
        Span<float> output) where T : unmanaged, INumberBase<T>
    {
        int selected = offsets?.Length ?? span;
        if (typeof(T) == typeof(float) && offsets is null && span == width)
        {
            // float32, every column: one read of the whole dataset straight into the output, no copy.
            ReadInto(ds, field, MemoryMarshal.Cast<float, T>(output), null);
            return;
        }
        if (typeof(T) == typeof(float) && offsets is null)
        {
            // float32, one range of columns: each block of rows is read straight into its place in the output.
            var target = MemoryMarshal.Cast<float, T>(output);
            for (int r0 = 0; r0 < rows; r0 += blockRows)
            {
                int n = Math.Min(blockRows, rows - r0);
                var rowsSlab = new HyperslabSelection(2, [(ulong)r0, (ulong)first], [(ulong)n, (ulong)span]);
                ReadInto(ds, field, target.Slice(r0 * span, n * span), rowsSlab);
            }
            return;
        }
        var block = new T[(long)Math.Min(blockRows, rows) * span];
        for (int r0 = 0; r0 < rows; r0 += blockRows)
        {
            int n = Math.Min(blockRows, rows - r0);
            var slab = new HyperslabSelection(2, [(ulong)r0, (ulong)first], [(ulong)n, (ulong)span]);
            ReadInto(ds, field, block.AsSpan(0, n * span), slab);
            for (int r = 0; r < n; r++)
            {
                var src = block.AsSpan(r * span, span);
                var dst = output.Slice((r0 + r) * selected, selected);
                if (offsets is null)
                {
                    for (int c = 0; c < span; c++) dst[c] = float.CreateTruncating(src[c]);
                }
                else
                {
                    for (int c = 0; c < offsets.Length; c++) dst[c] = float.CreateTruncating(src[offsets[c]]);
                }
            }
        }
    }

    /// <summary>
    /// Reads a whole contiguous float32 dataset straight from the file into <paramref name="output"/>; false when it
    /// is not one such block (the caller then reads through PureHDF). See <see cref="TryReadContiguous{T}"/>.
    /// </summary>
    private bool TryReadContiguousFloat32(NativeDataset ds, float[] output)
        => ds.Type.Class == H5DataTypeClass.FloatingPoint && ds.Type.Size == sizeof(float) && TryReadContiguous(ds, output);

    /// <summary>
    /// Reads a whole contiguous dataset of <typeparamref name="T"/>-sized values straight from the file into
    /// <paramref name="output"/> (no copy through PureHDF's buffers), in two halves at once when it is large and there
    /// is a second core; big-endian values (which PureHDF 2.2.0 refuses) are byte-swapped in place. The caller checks
    /// that the stored type is <typeparamref name="T"/>. False when the storage is not one block of exactly the
    /// output's size or the byte order is unknown.
    /// </summary>
    private bool TryReadContiguous<T>(NativeDataset ds, T[] output) where T : unmanaged
    {
        string? order = PureHdfInternals.BitField(ds.Type, "ByteOrder");
        if (ds.Type.Size != Unsafe.SizeOf<T>() || order is not ("LittleEndian" or "BigEndian")) return false;
        var (_, address, size) = RawStorage(ds);
        long bytes = output.LongLength * Unsafe.SizeOf<T>();
        if (address is not { } start || size != bytes || start + bytes > fileLength.Value) return false;
        var handle = raw.Value;
        const long ParallelFromBytes = 4L << 20; // below this one read is as fast
        bool read;
        if (Environment.ProcessorCount < 2 || bytes < ParallelFromBytes)
        {
            read = ReadValues(handle, start, output, 0, output.Length);
        }
        else
        {
            int half = output.Length / 2;
            bool first = false, second = false;
            Parallel.Invoke(
                () => first = ReadValues(handle, start, output, 0, half),
                () => second = ReadValues(handle, start, output, half, output.Length - half));
            read = first && second;
        }
        if (read && order == "BigEndian" == BitConverter.IsLittleEndian)
        {
            switch (Unsafe.SizeOf<T>())
            {
                case 2: var shorts = MemoryMarshal.Cast<T, short>(output.AsSpan()); System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(shorts, shorts); break;
                case 4: var ints = MemoryMarshal.Cast<T, int>(output.AsSpan()); System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(ints, ints); break;
                case 8: var longs = MemoryMarshal.Cast<T, long>(output.AsSpan()); System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(longs, longs); break;
            }
        }
        return read;
    }

    /// <summary>Reads values [<paramref name="from"/>, from + count) of a block starting at file offset <paramref name="start"/>.</summary>
    private static bool ReadValues<T>(SafeFileHandle handle, long start, T[] output, int from, int count) where T : unmanaged
    {
        var target = MemoryMarshal.AsBytes(output.AsSpan(from, count));
        long offset = start + (long)from * Unsafe.SizeOf<T>();
        while (target.Length > 0)
        {
            int read = RandomAccess.Read(handle, target, offset);
            if (read <= 0) return false;
            target = target[read..];
            offset += read;
        }
        return true;
    }

    private void ReadInto<T>(NativeDataset ds, string field, Span<T> target, Selection? selection) where T : unmanaged
    {
        try
        {
            ds.Read<T>(target, selection, null, null);
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            throw new DataFormatException(FilePath, field, $"cannot be read: {OneLine(e.Message)}", e);
        }
    }

    /// <summary>Rows per read: a whole number of chunk rows when chunked, else about 4 M values.</summary>
    private int BlockRows(NativeDataset ds, int rows, int span)
    {
        const int TargetValues = 1 << 22;
        int byBudget = Math.Max(1, TargetValues / Math.Max(1, span));
        var layout = Guard(FilePath, () => ds.Layout);
        if (layout.Class == H5DataLayoutClass.Chunked && layout.Chunks is { Length: >= 1 } chunks && chunks[0] > 0)
        {
            int chunkRows = (int)Math.Min(chunks[0], (uint)rows);
            return Math.Max(chunkRows, byBudget / chunkRows * chunkRows);
        }
        return Math.Min(rows, byBudget);
    }

    /// <summary>
    /// An attribute of the object at <paramref name="objectPath"/>, or null. The object's attributes are listed once:
    /// PureHDF walks every attribute message on each lookup by name, and readers ask for several of one object.
    /// </summary>
    private IH5Attribute? FindAttribute(string objectPath, string name)
    {
        string relative = Relative(objectPath);
        if (!attributes.TryGetValue(relative, out var byName))
        {
            var obj = Find(objectPath);
            if (obj is null) return null;
            byName = Guard(Absolute(objectPath), () =>
            {
                var all = new Dictionary<string, IH5Attribute>(StringComparer.Ordinal);
                foreach (var attribute in obj.Attributes()) all.TryAdd(attribute.Name, attribute);
                return all;
            });
            attributes[relative] = byName;
        }
        return byName.GetValueOrDefault(name);
    }

    private long[] ReadIntegerValues(IH5Dataset ds, IH5DataType type, Selection? selection)
    {
        bool signed = type.FixedPoint.IsSigned;
        if (selection is null && ds is NativeDataset native && TryReadContiguousIntegers(native, type.Size, signed) is { } direct) return direct;
        return (type.Size, signed) switch
        {
            (1, true) => Array.ConvertAll(ds.Read<sbyte[]>(selection), v => (long)v),
            (1, false) => Array.ConvertAll(ds.Read<byte[]>(selection), v => (long)v),
            (2, true) => Array.ConvertAll(ds.Read<short[]>(selection), v => (long)v),
            (2, false) => Array.ConvertAll(ds.Read<ushort[]>(selection), v => (long)v),
            (4, true) => Array.ConvertAll(ds.Read<int[]>(selection), v => (long)v),
            (4, false) => Array.ConvertAll(ds.Read<uint[]>(selection), v => (long)v),
            (8, true) => ds.Read<long[]>(selection),
            (8, false) => Array.ConvertAll(ds.Read<ulong[]>(selection), v => v > long.MaxValue ? throw new OverflowException($"value {v} exceeds the int64 range") : (long)v),
            _ => throw new NotSupportedException($"integer of {type.Size} bytes"),
        };
    }

    /// <summary>A whole contiguous integer dataset read straight from the file (see <see cref="TryReadContiguous{T}"/>), or null.</summary>
    private long[]? TryReadContiguousIntegers(NativeDataset ds, int size, bool signed)
    {
        long count = ds.Space.Dimensions.Aggregate(1L, (a, d) => checked(a * (long)d));
        if (count == 0 || count > Array.MaxLength) return null;
        long[]? Widen<T>(Func<T, long> widen) where T : unmanaged
        {
            var values = GC.AllocateUninitializedArray<T>((int)count);
            return TryReadContiguous(ds, values) ? Array.ConvertAll(values, v => widen(v)) : null;
        }
        return (size, signed) switch
        {
            (1, true) => Widen<sbyte>(v => v),
            (1, false) => Widen<byte>(v => v),
            (2, true) => Widen<short>(v => v),
            (2, false) => Widen<ushort>(v => v),
            (4, true) => Widen<int>(v => v),
            (4, false) => Widen<uint>(v => v),
            (8, true) => Widen<long>(v => v),
            (8, false) => Widen<ulong>(v => v > long.MaxValue ? throw new OverflowException($"value {v} exceeds the int64 range") : (long)v),
            _ => null,
        };
    }

    /// <summary>A short name for an HDF5 data type, as numpy would print it: float64, int16, uint8, string.</summary>
    public static string DescribeType(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FloatingPoint => $"float{type.Size * 8}",
        H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{type.Size * 8}",
        H5DataTypeClass.String => $"fixed-length string ({type.Size} bytes)",
        H5DataTypeClass.VariableLength => "variable-length string",
        _ => type.Class.ToString().ToLowerInvariant(),
    };

    /// <summary>"1200 x 4500" (or "scalar").</summary>
    public static string FormatShape(IReadOnlyList<long> dims) => dims.Count == 0 ? "scalar" : string.Join(" x ", dims);

    /// <summary>"/a/b" for "a/b", "/a/b" or "a/b/".</summary>
    public static string Absolute(string path) => "/" + Relative(path);

    private static string Relative(string path) => path.Trim('/');

    private static string OneLine(string message)
    {
        string line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        // PureHDF 2.2.0 reads only little-endian numbers outside the contiguous fast path: say how to convert the file.
        if (line.Contains("Byte order conversion", StringComparison.Ordinal))
            return "its numbers are big-endian, which this reader handles only when an integer dataset or a float32 matrix is read whole from contiguous storage; rewrite the file little-endian (h5py: f[name][...].astype('<f8'), or h5repack)";
        // PureHDF decodes deflate (gzip), shuffle and Fletcher-32 itself; a third-party filter (h5py's lzf, blosc, ...) it
        // names by its registry: say what the user can do instead.
        var filter = UnknownFilter().Match(line);
        return filter.Success
            ? $"is compressed with the HDF5 filter '{filter.Groups[1].Value}' (filter id {filter.Groups[2].Value}), which this reader does not decode; rewrite the file with gzip (h5repack -f GZIP=4 in.h5 out.h5, or h5py's compression='gzip')"
            : line;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Could not find filter '([^']*)' with ID '(\d+)'")]
    private static partial System.Text.RegularExpressions.Regex UnknownFilter();

    /// <summary>PureHDF failures (it throws plain exceptions) as opposed to our own bad-input errors and fatal runtime errors.</summary>
    private static bool IsLibraryFailure(Exception e) => e is not (DataFormatException or OutOfMemoryException);
}
