using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Fmri.Core.IO;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors), the format the diffusion ecosystem
/// exchanges weights in (TorchSharp's <c>Module.load</c> reads only TorchSharp's own format).
/// <para>Layout: 8 bytes little-endian u64 N; N bytes of UTF-8 JSON mapping each tensor name to
/// <c>{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}</c> (offsets relative to the data section)
/// and an optional <c>"__metadata__"</c> string map; then the raw little-endian C-order data.</para>
/// <para>The writer produces the same bytes as the reference writer (<c>safetensors::serialize</c>): tensors
/// sorted by decreasing dtype alignment then by name, data laid out in that order, compact JSON with
/// <c>__metadata__</c> first, header padded with spaces to a multiple of 8 bytes. The reference keeps metadata
/// in a hash map (unordered); this writer sorts its keys so output is deterministic.</para>
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Writes <paramref name="tensors"/> (and optional string metadata) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">A tensor has an element type safetensors cannot hold, or a name is reserved.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        var layout = Layout(tensors, path);
        byte[] header = HeaderBytes(layout, metadata);

        AtomicFile.WriteStream(path, stream =>
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
            stream.Write(lengthBytes);
            stream.Write(header);
            foreach (var (name, _, _, _) in layout)
            {
                // A scope disposes only the copies made here: cpu() and contiguous() return the tensor itself when it is already so.
                using var scope = NewDisposeScope();
                stream.Write(tensors[name].to(TorchDevice.Host).contiguous().bytes);
            }
        });
    }

    /// <summary>Reads the header only (names, dtypes, shapes, metadata) without loading tensor data.</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return SafetensorsHeader.Read(stream, path);
    }

    /// <summary>
    /// Reads every tensor of the file into CPU tensors of the file's element types (F16 stays Float16, BF16 stays
    /// BFloat16). A file that breaks the format is rejected with a <see cref="DataFormatException"/> naming the
    /// file and the header field.
    /// </summary>
    public static SafetensorsContent Read(string path)
    {
        EnsureLittleEndian();
        using var stream = OpenRead(path);
        var header = SafetensorsHeader.Read(stream, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in header.Tensors)
            {
                var tensor = empty(info.Shape, info.Dtype.ToScalarType());
                tensors.Add(info.Name, tensor);
                if (info.ByteCount == 0) continue;
                if (info.ByteCount > int.MaxValue)
                    throw new DataFormatException(path, $"tensor '{info.Name}'", $"{info.ByteCount} bytes is larger than one tensor read supports (2 GiB)");
                stream.Position = header.DataStart + info.Begin;
                stream.ReadExactly(tensor.bytes);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafetensorsContent(path, tensors, header.Metadata);
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: safetensors file not found", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    /// <summary>The reference writer's order (dtype alignment descending, then name) with each tensor's byte range.</summary>
    private static List<(string Name, SafetensorsDtype Dtype, long[] Shape, (long Begin, long End) Offsets)> Layout(
        IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        var entries = new List<(string Name, SafetensorsDtype Dtype, long[] Shape)>();
        foreach (var (name, tensor) in tensors)
        {
            if (name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"{path}: tensor name '{name}' is reserved for the metadata map");
            if (!SafetensorsDtypes.TryFromScalarType(tensor.dtype, out var dtype))
                throw new ArgumentException($"{path}: tensor '{name}' has element type {tensor.dtype}, which safetensors cannot hold");
            entries.Add((name, dtype, tensor.shape));
        }
        entries.Sort((a, b) =>
        {
            int byDtype = b.Dtype.CompareTo(a.Dtype);
            // Names in the order of their UTF-8 bytes, as the reference writer (Rust's String order) sorts them; UTF-16
            // ordinal order differs for names with characters above U+FFFF.
            return byDtype != 0 ? byDtype : System.Text.Encoding.UTF8.GetBytes(a.Name).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b.Name));
        });

        var layout = new List<(string, SafetensorsDtype, long[], (long, long))>(entries.Count);
        long offset = 0;
        foreach (var (name, dtype, shape) in entries)
        {
            long bytes = checked(shape.Aggregate(1L, (p, s) => p * s) * dtype.SizeInBytes());
            layout.Add((name, dtype, shape, (offset, offset + bytes)));
            offset += bytes;
        }
        return layout;
    }

    private static byte[] HeaderBytes(
        List<(string Name, SafetensorsDtype Dtype, long[] Shape, (long Begin, long End) Offsets)> layout,
        IReadOnlyDictionary<string, string>? metadata)
    {
        // Written by hand rather than with System.Text.Json, whose encoders escape characters serde_json leaves as
        // UTF-8 (those above U+FFFF, U+2028, DEL): the header is then byte for byte the reference writer's.
        var json = new StringBuilder("{");
        bool first = true;
        void Key(string key)
        {
            if (!first) json.Append(',');
            first = false;
            AppendJsonString(json, key);
            json.Append(':');
        }
        if (metadata is not null)
        {
            Key(SafetensorsHeader.MetadataKey);
            json.Append('{');
            bool firstEntry = true;
            foreach (var key in metadata.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                if (!firstEntry) json.Append(',');
                firstEntry = false;
                AppendJsonString(json, key);
                json.Append(':');
                AppendJsonString(json, metadata[key]);
            }
            json.Append('}');
        }
        foreach (var (name, dtype, shape, (begin, end)) in layout)
        {
            Key(name);
            json.Append("{\"dtype\":");
            AppendJsonString(json, dtype.HeaderName());
            json.Append(",\"shape\":[").AppendJoin(',', shape.Select(v => v.ToString(CultureInfo.InvariantCulture))).Append(']');
            json.Append(",\"data_offsets\":[").Append(begin.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(end.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        json.Append('}');
        // Pad with spaces so the data section starts at a multiple of 8 bytes (reference: "Force alignment to 8 bytes").
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetBytes(json.ToString());
        int padding = (8 - bytes.Length % 8) % 8;
        return [.. bytes, .. Enumerable.Repeat((byte)' ', padding)];
    }

    /// <summary>A JSON string as serde_json writes it: quotes and backslashes escaped, control characters as \b \t \n \f
    /// \r or \u00xx (lower-case hex), every other character as itself.</summary>
    internal static void AppendJsonString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\t': json.Append("\\t"); break;
                case '\n': json.Append("\\n"); break;
                case '\f': json.Append("\\f"); break;
                case '\r': json.Append("\\r"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian and this reader copies it without byte swapping; big-endian machines are not supported");
    }
}
