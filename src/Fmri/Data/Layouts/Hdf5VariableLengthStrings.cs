using System.Buffers.Binary;
using System.Text;
using PureHDF;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// Reads a one-dimensional dataset of variable-length strings (h5py's <c>str</c> dtype, which the canonical layout
/// uses for stimulus ids and category names) in one pass: the dataset's elements are read once, every global heap
/// collection they point into is read once, and each string is decoded from it. PureHDF 2.2.0 looks each element
/// up in the heap separately, which for the 1,200 ids of a GOD-sized file costs more than reading the voxel matrix.
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
internal static class Hdf5VariableLengthStrings
{
    private const int ElementSize = 16; // 4-byte length + 8-byte collection address + 4-byte object index

    /// <summary>The strings of <paramref name="dataset"/> (trailing NULs kept), or null when this reader does not apply.</summary>
    /// <param name="storage">Where the elements are: the bytes of compact storage, or the file offset and byte count of contiguous storage.</param>
    public static string[]? TryRead(NativeDataset dataset, string filePath, long count, (byte[]? Compact, long? Address, long Size) storage)
    {
        if (dataset.Type.Class != H5DataTypeClass.VariableLength || dataset.Type.Size != ElementSize) return null;
        if (dataset.Type.VariableLength.BaseType.Size != 1) return null; // a sequence of wider values, not a string
        if (count is <= 0 or > int.MaxValue / ElementSize) return null;
        var (compact, address, size) = storage;
        long bytes = count * ElementSize;
        using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        byte[] elements;
        if (compact is not null)
        {
            if (compact.Length < bytes) return null;
            elements = compact;
        }
        else if (address is { } start && size >= bytes && start + bytes <= file.Length)
        {
            elements = new byte[bytes];
            if (RandomAccess.Read(file.SafeFileHandle, elements, start) != bytes) return null;
        }
        else
        {
            return null;
        }

        var collections = new Dictionary<ulong, HeapCollection?>();
        var strings = new string[count];
        for (int i = 0; i < count; i++)
        {
            var element = elements.AsSpan(i * ElementSize, ElementSize);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(element);
            ulong collection = BinaryPrimitives.ReadUInt64LittleEndian(element[4..]);
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(element[12..]);
            if (length == 0)
            {
                strings[i] = "";
                continue;
            }
            if (!collections.TryGetValue(collection, out var heap))
                collections[collection] = heap = ReadCollection(file, collection);
            if (heap is null || !heap.Objects.TryGetValue(index, out var found) || found.Size < length) return null;
            strings[i] = Encoding.UTF8.GetString(heap.Bytes, found.Offset, (int)length);
        }
        return strings;
    }

    /// <summary>A global heap collection's bytes and where each object's data lies in them, by object index.</summary>
    private sealed record HeapCollection(byte[] Bytes, Dictionary<uint, (int Offset, int Size)> Objects);

    /// <summary>The global heap collection at <paramref name="address"/>, or null when it is not one.</summary>
    private static HeapCollection? ReadCollection(FileStream file, ulong address)
    {
        Span<byte> header = stackalloc byte[16];
        if (address > (ulong)(file.Length - header.Length)) return null;
        if (RandomAccess.Read(file.SafeFileHandle, header, (long)address) != header.Length) return null;
        if (header[0] != (byte)'G' || header[1] != (byte)'C' || header[2] != (byte)'O' || header[3] != (byte)'L' || header[4] != 1) return null;
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (size < 16 || size > int.MaxValue || address + size > (ulong)file.Length) return null;
        var content = new byte[size];
        if (RandomAccess.Read(file.SafeFileHandle, content, (long)address) != content.Length) return null;

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
