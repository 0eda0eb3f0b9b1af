namespace Fmri.Data.Import;

/// <summary>
/// The variables of a MATLAB (<c>.mat</c>, v5/v6/v7 or v7.3) or NumPy (<c>.npy</c>, <c>.npz</c>) file, looked up by
/// name with errors that list what the file holds. The format is recognised from the content, not only the name:
/// a v7.3 MAT-file is HDF5 behind a 512-byte header, a v5 file starts with a 128-byte text header, <c>.npz</c> is a zip
/// archive, <c>.npy</c> starts with <c>\x93NUMPY</c>. A MATLAB variable this reader cannot decode (a sparse matrix, a
/// struct array, a cell of vectors ...) does not stop the others from being read: it is listed in
/// <see cref="Unreadable"/>, and only asking for it (<see cref="Get"/>) is an error.
/// </summary>
public sealed class ArrayFile
{
    private readonly Dictionary<string, NamedArray> byName;
    private readonly Dictionary<string, UnreadableVariable> unreadableByName;

    private ArrayFile(string path, string format, IReadOnlyList<NamedArray> variables, IReadOnlyList<UnreadableVariable>? unreadable = null)
    {
        Path = path;
        Format = format;
        Variables = variables;
        Unreadable = unreadable ?? [];
        byName = new Dictionary<string, NamedArray>(StringComparer.Ordinal);
        foreach (var v in variables) byName.TryAdd(v.Name, v);
        unreadableByName = new Dictionary<string, UnreadableVariable>(StringComparer.Ordinal);
        foreach (var v in Unreadable) unreadableByName.TryAdd(v.Name, v);
    }

    public string Path { get; }

    /// <summary>"MATLAB v5", "MATLAB v7.3 (HDF5)", "NumPy .npz" or "NumPy .npy".</summary>
    public string Format { get; }

    public IReadOnlyList<NamedArray> Variables { get; }

    /// <summary>The variables of a MATLAB file that cannot be decoded, each with the reason (empty for NumPy files).</summary>
    public IReadOnlyList<UnreadableVariable> Unreadable { get; }

    /// <summary>True for the file kinds <see cref="Read"/> understands (by extension).</summary>
    public static bool IsArrayFile(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() is ".mat" or ".npz" or ".npy";

    /// <exception cref="DataFormatException">The file is none of the supported kinds, or is damaged.</exception>
    public static ArrayFile Read(string path)
    {
        if (Directory.Exists(path)) throw new DataFormatException(path, "file", "is a folder, not a .mat, .npy or .npz file");
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        var head = new byte[8];
        using (var stream = File.OpenRead(path)) stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (head[0] == 0x93 && head[1] == (byte)'N') return new ArrayFile(path, "NumPy .npy", [NpyFile.Read(path)]);
        if (head[0] == (byte)'P' && head[1] == (byte)'K') return new ArrayFile(path, "NumPy .npz", NpyFile.ReadArchive(path));
        var unreadable = new List<UnreadableVariable>();
        if (HasHdf5SignatureAt512(path)) return new ArrayFile(path, "MATLAB v7.3 (HDF5)", MatV73File.Read(path, unreadable), unreadable);
        if (MatV5File.HasLevel5Header(path, out _)) return new ArrayFile(path, "MATLAB v5", MatV5File.Read(path, unreadable), unreadable);
        if (IsMatV4(path)) throw MatV4Refused(path);
        throw new DataFormatException(path, "file", "is neither a MATLAB MAT-file (v5, v7 or v7.3) nor a NumPy .npy/.npz file");
    }

    /// <summary>True when the file starts as a NumPy .npy (its magic string) or .npz does: a zip archive whose first entry
    /// is an array (<c>name.npy</c>; the local file header holds the name's length at byte 26 and the name from byte 30).</summary>
    public static bool IsNumPy(string path)
    {
        var head = new byte[30 + 256];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 2 && head[0] == 0x93 && head[1] == (byte)'N') return true;
        if (read < 30 || head[0] != (byte)'P' || head[1] != (byte)'K' || head[2] != 3 || head[3] != 4) return false;
        int nameLength = head[26] | (head[27] << 8);
        return nameLength > 4 && 30 + nameLength <= read
            && System.Text.Encoding.ASCII.GetString(head, 30, nameLength).EndsWith(".npy", StringComparison.Ordinal);
    }

    /// <summary>The line for a MATLAB v4 MAT-file, which no reader here takes.</summary>
    public static DataFormatException MatV4Refused(string path) =>
        new(path, "file", "is a MATLAB v4 MAT-file, which is not read; save it again as v7 or v7.3 (MATLAB: save(file, ..., '-v7'); SciPy: savemat(file, data, format='5'))");

    /// <summary>
    /// True when the file starts as a MATLAB v4 MAT-file does (it has no text header, only a matrix header): five int32
    /// (type MOPT with M the byte order 0-1, O 0, P the number type 0-5, T the matrix type 0-2; rows; columns; imaginary
    /// flag 0 or 1; name length with its NUL) in either byte order, then the variable's name, printable ASCII ending in NUL.
    /// </summary>
    public static bool IsMatV4(string path)
    {
        var head = new byte[20 + 64];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < 22) return false;
        foreach (bool bigEndian in new[] { false, true })
        {
            int Int(int offset) => bigEndian ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(offset))
                                             : System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(offset));
            int type = Int(0), rows = Int(4), columns = Int(8), imaginary = Int(12), nameLength = Int(16);
            int m = type / 1000, o = type / 100 % 10, p = type / 10 % 10, t = type % 10;
            bool header = type >= 0 && m == (bigEndian ? 1 : 0) && o == 0 && p <= 5 && t <= 2 && rows >= 0 && columns >= 0
                && imaginary is 0 or 1 && nameLength >= 2 && 20 + nameLength <= read;
            if (header && head[20 + nameLength - 1] == 0 && head.AsSpan(20, nameLength - 1).ToArray().All(b => b is >= 0x20 and < 0x7f))
                return true;
        }
        return false;
    }

    /// <summary>The variable <paramref name="name"/>; <paramref name="option"/> is the flag that named it, for the message.</summary>
    /// <exception cref="InvalidSettingException">The file has no such variable.</exception>
    /// <exception cref="DataFormatException">The file has it, but it cannot be decoded (the message says why).</exception>
    public NamedArray Get(string name, string option)
    {
        if (byName.TryGetValue(name, out var array)) return array;
        if (unreadableByName.TryGetValue(name, out var unreadable)) throw new DataFormatException(Path, name, unreadable.Reason);
        throw new InvalidSettingException(option, $"'{name}'", $"is not a variable of {Path}; it holds {Listing()}");
    }

    /// <summary>True when the file holds a variable of that name, whether or not it can be decoded (<see cref="Get"/> says).</summary>
    public bool Has(string name) => byName.ContainsKey(name) || unreadableByName.ContainsKey(name);

    /// <summary>"fmriTrn (90 x 3092 double), labelTrn (1 x 90 double), ..." (at most 20 entries), then the variables
    /// that cannot be decoded, with the reason.</summary>
    public string Listing()
    {
        var all = Variables.Select(v => v.Describe()).Concat(Unreadable.Select(v => v.Describe())).ToList();
        return string.Join(", ", all.Take(20)) + (all.Count > 20 ? $", ... ({all.Count} variables)" : "");
    }

    private static bool HasHdf5SignatureAt512(string path)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];
        using var stream = File.OpenRead(path);
        if (stream.Length < 520) return false;
        stream.Position = 512;
        var bytes = new byte[8];
        return stream.ReadAtLeast(bytes, 8, throwOnEndOfStream: false) == 8 && bytes.AsSpan().SequenceEqual(signature);
    }
}
