using static TorchSharp.torch;

namespace Fmri.Core.IO;

/// <summary>
/// The element types of the safetensors format that this project reads and writes, with their names in
/// the file header, their sizes in bytes and the matching TorchSharp scalar types.
/// The order of the members is the reference writer's order (huggingface/safetensors, <c>Dtype</c> enum:
/// "MUST be in increasing alignment order"); the writer lays tensors out in decreasing order of it, so that
/// every tensor starts at a multiple of its element size.
/// </summary>
public enum SafetensorsDtype
{
    BOOL,
    U8,
    I8,
    I16,
    F16,
    BF16,
    I32,
    F32,
    F64,
    I64,
}

/// <summary>Conversions between <see cref="SafetensorsDtype"/>, header names and TorchSharp scalar types.</summary>
public static class SafetensorsDtypes
{
    /// <summary>
    /// Element types that the safetensors format defines but TorchSharp 0.107.0 has no scalar type for
    /// (unsigned 16/32/64-bit, 8-bit floats). Files using them are valid; this reader names them in its error.
    /// </summary>
    public static readonly IReadOnlySet<string> KnownButUnsupported =
        new HashSet<string>(StringComparer.Ordinal) { "U16", "U32", "U64", "F8_E5M2", "F8_E4M3" };

    /// <summary>Size of one element in bytes.</summary>
    public static int SizeInBytes(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.BOOL or SafetensorsDtype.U8 or SafetensorsDtype.I8 => 1,
        SafetensorsDtype.I16 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 2,
        SafetensorsDtype.I32 or SafetensorsDtype.F32 => 4,
        SafetensorsDtype.F64 or SafetensorsDtype.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The name written in the header ("F32", "BF16", ...).</summary>
    public static string HeaderName(this SafetensorsDtype dtype) => dtype.ToString();

    /// <summary>Parses a header name; false for names this reader does not support.</summary>
    public static bool TryParse(string name, out SafetensorsDtype dtype)
    {
        // Enum.TryParse would also accept numbers ("7") and other casings; the format spells names exactly.
        foreach (var candidate in Enum.GetValues<SafetensorsDtype>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The TorchSharp scalar type that holds this element type bit for bit.</summary>
    public static ScalarType ToScalarType(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.BOOL => ScalarType.Bool,
        SafetensorsDtype.U8 => ScalarType.Byte,
        SafetensorsDtype.I8 => ScalarType.Int8,
        SafetensorsDtype.I16 => ScalarType.Int16,
        SafetensorsDtype.F16 => ScalarType.Float16,
        SafetensorsDtype.BF16 => ScalarType.BFloat16,
        SafetensorsDtype.I32 => ScalarType.Int32,
        SafetensorsDtype.F32 => ScalarType.Float32,
        SafetensorsDtype.F64 => ScalarType.Float64,
        SafetensorsDtype.I64 => ScalarType.Int64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The safetensors element type for a TorchSharp scalar type; false for complex and quantised types.</summary>
    public static bool TryFromScalarType(ScalarType scalarType, out SafetensorsDtype dtype)
    {
        switch (scalarType)
        {
            case ScalarType.Bool: dtype = SafetensorsDtype.BOOL; return true;
            case ScalarType.Byte: dtype = SafetensorsDtype.U8; return true;
            case ScalarType.Int8: dtype = SafetensorsDtype.I8; return true;
            case ScalarType.Int16: dtype = SafetensorsDtype.I16; return true;
            case ScalarType.Float16: dtype = SafetensorsDtype.F16; return true;
            case ScalarType.BFloat16: dtype = SafetensorsDtype.BF16; return true;
            case ScalarType.Int32: dtype = SafetensorsDtype.I32; return true;
            case ScalarType.Float32: dtype = SafetensorsDtype.F32; return true;
            case ScalarType.Float64: dtype = SafetensorsDtype.F64; return true;
            case ScalarType.Int64: dtype = SafetensorsDtype.I64; return true;
            default: dtype = default; return false;
        }
    }
}
