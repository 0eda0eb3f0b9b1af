using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Fmri.Core.IO;

/// <summary>One tensor's entry in a safetensors header: its element type, shape and byte range in the data section.</summary>
/// <param name="Name">Tensor name (a state-dict key).</param>
/// <param name="Dtype">Element type.</param>
/// <param name="Shape">Shape, outermost axis first (C order); empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the start of the data section (just after the header).</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDtype Dtype, long[] Shape, long Begin, long End)
{
    public long ByteCount => End - Begin;
}

/// <summary>
/// The parsed and checked header of a safetensors file:
/// 8 bytes little-endian u64 N, N bytes of UTF-8 JSON, then the data section.
/// The JSON maps each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> and may hold a
/// <c>"__metadata__"</c> map of strings. Checks follow the reference reader (huggingface/safetensors
/// <c>Metadata::validate</c>): the tensors tile the data section exactly, in offset order, with no overlap,
/// gap or trailing bytes, and each byte range is exactly the size its shape and dtype need.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The reference reader refuses headers over 100,000,000 bytes (<c>MAX_HEADER_SIZE</c>).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved header key holding free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long headerLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        HeaderLength = headerLength;
    }

    /// <summary>Tensor entries in the order of their data in the file.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>N, the length of the JSON header in bytes (including padding).</summary>
    public long HeaderLength { get; }

    /// <summary>Position of the data section in the file: 8 + N.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>Reads and checks the header of the file open in <paramref name="stream"/>; errors name <paramref name="path"/>.</summary>
    public static SafetensorsHeader Read(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new DataFormatException(path, "header length", $"file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (n > MaxHeaderLength)
            throw new DataFormatException(path, "header length", $"{n} bytes exceeds the format's limit of {MaxHeaderLength} (not a safetensors file?)");
        if ((long)n > fileLength - 8)
            throw new DataFormatException(path, "header length", $"{n} bytes runs past the end of the file ({fileLength} bytes)");

        var json = new byte[n];
        stream.ReadExactly(json);
        long dataLength = fileLength - 8 - (long)n;
        return Parse(json, dataLength, path, (long)n);
    }

    private static SafetensorsHeader Parse(byte[] json, long dataLength, string path, long headerLength)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(json);
        }
        catch (DecoderFallbackException)
        {
            throw new DataFormatException(path, "header", "is not valid UTF-8");
        }

        // The reference reader refuses a header that does not open with '{' (InvalidHeaderStart), leading white space too.
        if (json.Length == 0 || json[0] != (byte)'{')
            throw new DataFormatException(path, "header", "does not start with '{' (the header is a JSON object starting at byte 8)");

        JsonDocument document;
        try
        {
            // The reference writer pads the JSON with trailing spaces; JSON allows trailing whitespace.
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, "header", $"is not valid JSON ({FirstLine(e.Message)})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, "header", $"must be a JSON object, found {root.ValueKind}");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new DataFormatException(path, Field(property.Name), "appears twice in the header");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, path);
                else
                    tensors.Add(ReadTensorInfo(property.Name, property.Value, path));
            }

            CheckLayout(tensors, dataLength, path);
            return new SafetensorsHeader(tensors, metadata, headerLength);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new DataFormatException(path, MetadataKey, $"must be an object of strings, found {value.ValueKind}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, $"{MetadataKey}.{entry.Name}", $"must be a string, found {entry.Value.ValueKind}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensorInfo(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new DataFormatException(path, Field(name), $"must be an object with dtype, shape and data_offsets, found {value.ValueKind}");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new DataFormatException(path, Field(name, "dtype"), "is missing or not a string");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDtypes.TryParse(dtypeName, out var dtype))
        {
            string problem = SafetensorsDtypes.KnownButUnsupported.Contains(dtypeName)
                ? $"'{dtypeName}' is a safetensors dtype that TorchSharp has no tensor type for"
                : $"unknown dtype '{dtypeName}' (expected one of {string.Join(", ", Enum.GetNames<SafetensorsDtype>())})";
            throw new DataFormatException(path, Field(name, "dtype"), problem);
        }

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, Field(name, "shape"), "is missing or not an array");
        var shape = new long[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var size in shapeElement.EnumerateArray())
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long s) || s < 0)
                throw new DataFormatException(path, Field(name, "shape"), $"axis {axis} is {size.GetRawText()}, not a non-negative integer");
            shape[axis++] = s;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new DataFormatException(path, Field(name, "data_offsets"), "is missing or not a [begin, end] pair");
        long begin = Offset(offsets[0], name, path);
        long end = Offset(offsets[1], name, path);
        if (end < begin)
            throw new DataFormatException(path, Field(name, "data_offsets"), $"[{begin}, {end}] ends before it begins");

        long needed;
        try
        {
            needed = checked(shape.Aggregate(1L, (product, s) => product * s) * dtype.SizeInBytes());
        }
        catch (OverflowException)
        {
            throw new DataFormatException(path, Field(name, "shape"), $"{ShapeText(shape)} of {dtype} overflows a 64-bit byte count");
        }
        if (end - begin != needed)
            throw new DataFormatException(path, Field(name, "data_offsets"),
                $"[{begin}, {end}] covers {end - begin} bytes but shape {ShapeText(shape)} of {dtype} needs {needed}");

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long Offset(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long offset) || offset < 0)
            throw new DataFormatException(path, Field(name, "data_offsets"), $"{element.GetRawText()} is not a non-negative integer offset");
        return offset;
    }

    /// <summary>Sorts by offset and checks that the tensors tile the data section exactly.</summary>
    private static void CheckLayout(List<SafetensorsTensorInfo> tensors, long dataLength, string path)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors)
        {
            if (t.End > dataLength)
                throw new DataFormatException(path, Field(t.Name, "data_offsets"),
                    $"[{t.Begin}, {t.End}] runs past the end of the data section ({dataLength} bytes)");
            if (t.Begin < position)
                throw new DataFormatException(path, Field(t.Name, "data_offsets"),
                    $"[{t.Begin}, {t.End}] overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (t.Begin > position)
                throw new DataFormatException(path, Field(t.Name, "data_offsets"),
                    $"[{t.Begin}, {t.End}] leaves a gap after byte {position} (the format requires tensors to be contiguous)");
            position = t.End;
            previous = t;
        }
        if (position != dataLength)
            throw new DataFormatException(path, "data_offsets",
                $"the tensors cover {position} bytes but the data section after the header is {dataLength} bytes");
    }

    /// <summary>Field name of a tensor (or one of its keys) in error messages: <c>tensor 'name'.dtype</c>.</summary>
    private static string Field(string tensor, string? key = null)
        => key is null ? $"tensor '{tensor}'" : $"tensor '{tensor}'.{key}";

    internal static string ShapeText(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
