using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;
using PureHDF;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// Reads variable-length strings (h5py's <c>str</c> dtype, which the canonical layout uses for stimulus ids, category
/// names and its string attributes) of one file: a dataset's elements are read once, every global heap collection
/// they point into is read once per file, and each string is decoded from it. PureHDF 2.2.0 looks each element up in
/// the heap separately, which for the 1,200 ids of a GOD-sized file costs more than reading the voxel matrix.
/// <para>
/// HDF5 file format (version 3.0 specification): a variable-length element is a 4-byte length (bytes, for
/// strings) followed by a global heap id, which is the collection's address (the file's offset size, 8 here) and a
/// 4-byte object index. A collection starts with <c>GCOL</c>, a version byte (1), 3 reserved bytes and its size
/// (the file's length size, 8); its objects follow, each a 2-byte index, a 2-byte reference count, 4 reserved bytes,
/// an 8-byte size and the data padded to a multiple of 8 bytes; index 0 is the free space that ends the list.
/// </para>
/// Anything else (chunked storage, other offset sizes, a user block before the superblock, a malformed
/// collection) returns null and the caller reads through PureHDF, which reports real damage with its own message.
/// </summary>
internal sealed class Hdf5VariableLengthStrings
{
    private const int ElementSize = 16; // 4-byte length + 8-byte collection address + 4-byte object index

    private readonly SafeFileHandle file;
    private readonly long fileLength;
    private readonly Dictionary<ulong, HeapCollection?> collections = new();

    /// <summary>A reader through <paramref name="file"/> (not owned), a file with no user block: heap addresses are file offsets.</summary>
    public Hdf5VariableLengthStrings(SafeFileHandle file)
    {
        this.file = file;
        fileLength = RandomAccess.GetLength(file);
    }

    /// <summary>The strings of <paramref name="dataset"/> (trailing NULs kept), or null when this reader does not apply.</summary>
    /// <param name="storage">Where the elements are: the bytes of compact storage, or the file offset and byte count of contiguous storage.</param>
    public string[]? TryRead(NativeDataset dataset, long count, (byte[]? Compact, long? Address, long Size) storage)
    {
        if (!IsString(dataset.Type)) return null;
        if (count is <= 0 or > int.MaxValue / ElementSize) return null;
        var (compact, address, size) = storage;
        long bytes = count * ElementSize;
        if (compact is not null) return compact.Length < bytes ? null : TryDecode(compact.AsSpan(0, (int)bytes));
        if (address is not { } start || size < bytes || start + bytes > fileLength) return null;
        var elements = new byte[bytes];
        return RandomAccess.Read(file, elements, start) == bytes ? TryDecode(elements) : null;
    }

    /// <summary>
    /// True for a variable-length string type this reader decodes (8-byte heap addresses); false for a sequence of
    /// bytes, which is not text (the kind PureHDF keeps internal: <see cref="PureHdfInternals.BitField"/>; when it
    /// cannot be read the answer is false and callers read through PureHDF).
    /// </summary>
    public static bool IsString(IH5DataType type)
        => type.Class == H5DataTypeClass.VariableLength && type.Size == ElementSize && type.VariableLength.BaseType.Size == 1
           && PureHdfInternals.BitField(type, "Type") == "String";

    /// <summary>
    /// The strings whose variable-length elements are <paramref name="elements"/> (16 bytes each, e.g. an attribute's
    /// stored value), or null when one does not resolve. Each heap collection is read once per file, however many
    /// datasets and attributes point into it.
    /// </summary>
    public string[]? TryDecode(ReadOnlySpan<byte> elements)
    {
        if (elements.Length % ElementSize != 0) return null;
        var strings = new string[elements.Length / ElementSize];
        for (int i = 0; i < strings.Length; i++)
        {
            var element = elements.Slice(i * ElementSize, ElementSize);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(element);
            ulong collection = BinaryPrimitives.ReadUInt64LittleEndian(element[4..]);
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(element[12..]);
            if (length == 0)
            {
                strings[i] = "";
                continue;
            }
            if (!collections.TryGetValue(collection, out var heap))
                collections[collection] = heap = ReadCollection(collection);
            if (heap is null || !heap.Objects.TryGetValue(index, out var found) || found.Size < length) return null;
            strings[i] = Encoding.UTF8.GetString(heap.Bytes, found.Offset, (int)length);
        }
        return strings;
    }

    /// <summary>A global heap collection's bytes and where each object's data lies in them, by object index.</summary>
    private sealed record HeapCollection(byte[] Bytes, Dictionary<uint, (int Offset, int Size)> Objects);

    /// <summary>The global heap collection at <paramref name="address"/>, or null when it is not one.</summary>
    private HeapCollection? ReadCollection(ulong address)
    {
        Span<byte> header = stackalloc byte[16];
        if (address > (ulong)(fileLength - header.Length)) return null;
        if (RandomAccess.Read(file, header, (long)address) != header.Length) return null;
        if (header[0] != (byte)'G' || header[1] != (byte)'C' || header[2] != (byte)'O' || header[3] != (byte)'L' || header[4] != 1) return null;
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (size < 16 || size > int.MaxValue || address + size > (ulong)fileLength) return null;
        var content = new byte[size];
        if (RandomAccess.Read(file, content, (long)address) != content.Length) return null;

        var objects = new Dictionary<uint, (int, int)>();
        int position = 16;
        while (position + 16 <= content.Length)
        {
            uint index = BinaryPrimitives.ReadUInt16LittleEndian(content.AsSpan(position));
            ulong objectSize = BinaryPrimitives.ReadUInt64LittleEndian(content.AsSpan(position + 8));
            if (index == 0) break; // free space: the rest of the collection
            int data = position + 16;
            if (objectSize > (ulong)(content.Length - data)) return null;
            objects[index] = (data, (int)objectSize);
            position = data + (int)((objectSize + 7) / 8 * 8);
        }
        return new HeapCollection(content, objects);
    }
}
