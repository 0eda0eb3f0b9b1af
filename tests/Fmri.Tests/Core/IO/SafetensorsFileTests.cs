using System.Text;
using Fmri.Core.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.IO;

public class SafetensorsFileTests
{
    /// <summary>8-byte little-endian length, the header text (padded with spaces to a multiple of 8), the data.</summary>
    internal static byte[] FileBytes(string headerJson, byte[] data, int? declaredLength = null)
    {
        var header = new StringBuilder(headerJson);
        while (header.Length % 8 != 0) header.Append(' ');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var bytes = new List<byte>(BitConverter.GetBytes((ulong)(declaredLength ?? headerBytes.Length)));
        bytes.AddRange(headerBytes);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Fact]
    public void Writer_matches_the_reference_writers_published_bytes()
    {
        // Expected bytes from huggingface/safetensors, safetensors/src/tensor.rs, test
        // `test_serialization_forced_alignement`: tensor "attn0", F32, shape [1, 1, 2, 3], values 0..5.
        // The header length is 72 (65 bytes of JSON + 7 spaces), then the six floats little-endian.
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        using var folder = new TempFolder();
        string path = folder.File("attn0.safetensors");
        using var attn0 = arange(6, dtype: ScalarType.Float32).reshape(1, 1, 2, 3);
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["attn0"] = attn0 });
        Assert.Equal(expected, File.ReadAllBytes(path));

        File.WriteAllBytes(path, expected);
        using var read = SafetensorsFile.Read(path);
        var tensor = Assert.Single(read.Tensors).Value;
        Assert.Equal(new long[] { 1, 1, 2, 3 }, tensor.shape);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, tensor.data<float>().ToArray());
        Assert.Empty(read.Metadata);
    }

    [Fact]
    public void Metadata_only_file_matches_the_reference_writers_published_bytes()
    {
        // huggingface/safetensors, safetensors/src/tensor.rs, `test_empty`: no tensors, metadata {"framework": "pt"}
        // serialises to header length 40: {"__metadata__":{"framework":"pt"}} (35 bytes) + 5 spaces.
        byte[] expected =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        using var folder = new TempFolder();
        string path = folder.File("empty.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(expected, File.ReadAllBytes(path));
        using var read = SafetensorsFile.Read(path);
        Assert.Empty(read.Tensors);
        Assert.Equal("pt", read.Metadata["framework"]);
    }

    /// <summary>
    /// A file built byte by byte: half, bfloat16, float and int64 values whose bit patterns are known by hand.
    /// Layout in the reference writer's order (dtype alignment descending: I64, F32, BF16, F16).
    /// </summary>
    private static byte[] MixedDtypeFile()
    {
        string json =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"d_i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"c_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}," +
            "\"b_bf16\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[12,14]}," +
            "\"a_f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[14,18]}}";
        byte[] data =
        [
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // int64 -2 (two's complement)
            0x00, 0x00, 0x80, 0x3F,                         // float32 1.0 = 0x3F800000
            0x80, 0x3F,                                     // bfloat16 1.0 = 0x3F80 (top half of 0x3F800000)
            0x00, 0x3C, 0x00, 0xC0,                         // float16 1.0 = 0x3C00, -2.0 = 0xC000 (IEEE 754 binary16)
        ];
        return FileBytes(json, data);
    }

    [Fact]
    public void Hand_built_file_with_half_bfloat16_float_and_int64_reads_and_rewrites_identically()
    {
        using var folder = new TempFolder();
        string path = folder.File("mixed.safetensors");
        byte[] bytes = MixedDtypeFile();
        File.WriteAllBytes(path, bytes);

        using var read = SafetensorsFile.Read(path);
        Assert.Equal(new[] { "d_i64", "c_f32", "b_bf16", "a_f16" }, read.Tensors.Keys);
        Assert.Equal(ScalarType.Float16, read.Tensors["a_f16"].dtype);
        Assert.Equal(ScalarType.BFloat16, read.Tensors["b_bf16"].dtype);
        Assert.Equal(new float[] { 1f, -2f }, read.Tensors["a_f16"].to(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(1f, read.Tensors["b_bf16"].to(ScalarType.Float32).item<float>());
        Assert.Equal(1f, read.Tensors["c_f32"].item<float>());
        Assert.Equal(-2L, read.Tensors["d_i64"].item<long>());
        Assert.Equal("pt", read.Metadata["format"]);

        string rewritten = folder.File("rewritten.safetensors");
        SafetensorsFile.Write(rewritten, read.Tensors, read.Metadata);
        Assert.Equal(bytes, File.ReadAllBytes(rewritten));
    }

    [Fact]
    public void Round_trip_is_bit_exact_for_every_supported_dtype_with_metadata()
    {
        var gen = new Generator(1234);
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(new long[] { 3, 4 }, generator: gen),
            ["f16"] = randn(new long[] { 5 }, generator: gen).to(ScalarType.Float16),
            ["bf16"] = randn(new long[] { 2, 3 }, generator: gen).to(ScalarType.BFloat16),
            ["f64"] = randn(new long[] { 2 }, dtype: ScalarType.Float64, generator: gen),
            ["i64"] = randint(-1_000_000, 1_000_000, new long[] { 7 }, dtype: ScalarType.Int64, generator: gen),
            ["i32"] = randint(-1000, 1000, new long[] { 3 }, dtype: ScalarType.Int32, generator: gen),
            ["i16"] = randint(-1000, 1000, new long[] { 3 }, dtype: ScalarType.Int16, generator: gen),
            ["i8"] = randint(-100, 100, new long[] { 3 }, dtype: ScalarType.Int8, generator: gen),
            ["u8"] = randint(0, 255, new long[] { 3 }, dtype: ScalarType.Byte, generator: gen),
            ["bool"] = tensor(new[] { true, false, true }),
            ["scalar"] = tensor(2.5f),
            ["empty"] = zeros(0, 3),
            ["transposed"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t(), // not contiguous
        };
        var metadata = new Dictionary<string, string> { ["epoch"] = "3", ["note"] = "λ = 0.5, \"quoted\"" };
        using var folder = new TempFolder();
        string path = folder.File("all.safetensors");
        SafetensorsFile.Write(path, tensors, metadata);

        using var read = SafetensorsFile.Read(path);
        Assert.Equal(tensors.Keys.OrderBy(k => k), read.Tensors.Keys.OrderBy(k => k));
        foreach (var (name, original) in tensors)
        {
            var back = read.Tensors[name];
            Assert.Equal(original.dtype, back.dtype);
            Assert.Equal(original.shape, back.shape);
            Assert.Equal(original.contiguous().bytes.ToArray(), back.bytes.ToArray());
        }
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, read.Tensors["transposed"].data<float>().ToArray());
        Assert.Equal(metadata, read.Metadata);
        Assert.Equal(0, SafetensorsFile.ReadHeader(path).DataStart % 8);
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Within a dtype the reference writer orders tensors by their names' UTF-8 bytes. UTF-16 ordinal order
    /// differs when a name holds a character above U+FFFF (a surrogate pair, 0xD83D...) beside one in U+E000-U+FFFF:
    /// "a\uFF01" is EF BC 81 in UTF-8, before the emoji's F0 9F 98 80, but after its surrogate in UTF-16.</summary>
    [Fact]
    public void Names_are_ordered_by_their_utf8_bytes_as_the_reference_writer_orders_them()
    {
        using var folder = new TempFolder();
        string path = folder.File("names.safetensors");
        using var first = tensor(new[] { 1f });
        using var second = tensor(new[] { 2f });
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["a\U0001F600"] = second, ["a\uFF01"] = first });
        var header = SafetensorsFile.ReadHeader(path);
        Assert.Equal(0, header.Tensors.Single(t => t.Name == "a\uFF01").Begin);
        Assert.Equal(4, header.Tensors.Single(t => t.Name == "a\U0001F600").Begin);
    }

    /// <summary>serde_json, which the reference writer serialises the header with, escapes only quotes, backslashes
    /// and control characters (\b \t \n \f \r by their short forms, the rest as \u00xx in lower-case hex): a character
    /// above U+FFFF, U+2028 and DEL stay as their UTF-8 bytes. The expected header is written out by hand.</summary>
    [Fact]
    public void Names_and_metadata_are_escaped_as_the_reference_writer_escapes_them()
    {
        using var folder = new TempFolder();
        string path = folder.File("unicode.safetensors");
        using var one = tensor(new[] { 1f });
        using var two = tensor(new[] { 2f });
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["w\u00e9"] = two, ["n\U0001F600"] = one },
            new Dictionary<string, string> { ["k"] = "\U0001F600\u2028\u007f\"\\\n\u0001" });
        string expected = "{\"__metadata__\":{\"k\":\"\U0001F600\u2028\u007f\\\"\\\\\\n\\u0001\"},"
            + "\"n\U0001F600\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"w\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0, length % 8);
        Assert.Equal(expected, Encoding.UTF8.GetString(bytes, 8, length).TrimEnd(' '));
        using var read = SafetensorsFile.Read(path);
        Assert.Equal("\U0001F600\u2028\u007f\"\\\n\u0001", read.Metadata["k"]);
    }

    [Theory]
    [InlineData(" {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("\n\n{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    public void A_header_that_does_not_open_with_a_brace_is_refused_as_the_reference_reader_refuses_it(string header)
    {
        using var folder = new TempFolder();
        string path = folder.File("lead.safetensors");
        File.WriteAllBytes(path, FileBytes(header, [0, 0, 128, 63]));
        var error = Assert.Throws<Fmri.Core.DataFormatException>(() => SafetensorsFile.Read(path));
        Assert.Contains("does not start with '{'", error.Message);
    }

    [Fact]
    public void Writer_refuses_complex_tensors_naming_the_tensor()
    {
        using var folder = new TempFolder();
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);
        var e = Assert.Throws<ArgumentException>(() =>
            SafetensorsFile.Write(folder.File("c.safetensors"), new Dictionary<string, Tensor> { ["z"] = complex }));
        Assert.Contains("'z'", e.Message);
        Assert.False(File.Exists(folder.File("c.safetensors")));
    }
}
