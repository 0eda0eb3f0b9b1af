using System.Buffers.Binary;

namespace Fmri.Data.Layouts;

/// <summary>
/// Checks the start of an HDF5 file before PureHDF opens it, so that a file that is not HDF5 at all, or was cut
/// short while copying, gets a clear message instead of a parser error. Reads only the superblock: the signature
/// <c>\x89HDF\r\n\x1a\n</c> (at byte 0, or 512, 1024, 2048, ... after a user block, as MATLAB v7.3 files have)
/// and the end-of-file address it records.
/// </summary>
internal static class Hdf5Superblock
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Throws <see cref="DataFormatException"/> when <paramref name="path"/> is not an HDF5 file or is shorter than its superblock says.</summary>
    public static void Check(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length == 0) throw new DataFormatException(path, "file", "is empty, not an HDF5 file");
        Span<byte> head = stackalloc byte[48];
        for (long offset = 0; offset + Signature.Length <= length; offset = offset == 0 ? 512 : offset * 2)
        {
            stream.Position = offset;
            int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (read < Signature.Length || !head[..Signature.Length].SequenceEqual(Signature)) continue;
            long? endOfFile = EndOfFileAddress(head[..read]);
            if (endOfFile is null)
                throw new DataFormatException(path, "file", $"is truncated: the HDF5 superblock is incomplete ({length} bytes)");
            // The recorded end-of-file address is absolute (it includes any user block); h5py writes it so.
            if (endOfFile.Value != long.MaxValue && length < endOfFile.Value)
                throw new DataFormatException(path, "file", $"is truncated: {length} bytes, but its HDF5 superblock says {endOfFile.Value}");
            return;
        }
        // Files a lab may hand over by mistake for an HDF5 one: say what they are and what reads them.
        if (Import.ArrayFile.IsNumPy(path))
            throw new DataFormatException(path, "file", "is a NumPy .npy/.npz file, not HDF5: 'decoding import' turns it into the project's fMRI file (README, Bring your own data)");
        if (Import.ArrayFile.IsMatV4(path)) throw Import.ArrayFile.MatV4Refused(path);
        throw new DataFormatException(path, "file", "is not an HDF5 file (no HDF5 signature)");
    }

    /// <summary>The end-of-file address stored in a superblock (versions 0-3), long.MaxValue when undefined, null when the bytes end early.</summary>
    private static long? EndOfFileAddress(ReadOnlySpan<byte> superblock)
    {
        if (superblock.Length < 14) return null;
        int version = superblock[8];
        int offsetSize;
        int baseAddressAt;
        if (version <= 1)
        {
            // v0: signature(8) versions(4) reserved(1) offset size @13, length size @14, reserved, K values, flags(4), [v1: 4 more], base address.
            offsetSize = superblock[13];
            baseAddressAt = version == 0 ? 24 : 28;
        }
        else
        {
            // v2/v3: signature(8) version(1) offset size @9, length size @10, flags @11, base address @12.
            offsetSize = superblock[9];
            baseAddressAt = 12;
        }
        if (offsetSize is not (2 or 4 or 8)) return long.MaxValue;
        // Base address, then (v0/1) free-space address or (v2/3) superblock-extension address, then the end-of-file address.
        int endOfFileAt = baseAddressAt + 2 * offsetSize;
        if (superblock.Length < endOfFileAt + offsetSize) return null;
        var field = superblock.Slice(endOfFileAt, offsetSize);
        ulong value = offsetSize switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(field),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(field),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(field),
        };
        bool undefined = offsetSize switch { 2 => value == ushort.MaxValue, 4 => value == uint.MaxValue, _ => value == ulong.MaxValue };
        return undefined || value > long.MaxValue ? long.MaxValue : (long)value;
    }
}
