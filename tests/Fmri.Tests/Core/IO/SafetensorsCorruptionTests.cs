using Fmri.Core.IO;

namespace Fmri.Tests.Core.IO;

/// <summary>Broken files are refused with one line naming the file and the header field.</summary>
public class SafetensorsCorruptionTests
{
    private static readonly byte[] EightBytes = new byte[8];

    private static DataFormatException Reject(byte[] bytes, string expectedField, string expectedWords)
    {
        using var folder = new TempFolder();
        string path = folder.File("broken.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(expectedField, e.Field);
        Assert.Contains(expectedWords, e.Message);
        Assert.StartsWith(path + ": " + expectedField + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static byte[] File1(string json, byte[] data, int? declaredLength = null)
        => SafetensorsFileTests.FileBytes(json, data, declaredLength);

    [Fact]
    public void Header_length_past_the_end_of_the_file()
        => Reject(File1("{}", EightBytes, declaredLength: 1000), "header length", "runs past the end of the file");

    [Fact]
    public void File_shorter_than_the_length_prefix()
        => Reject([1, 2, 3, 4, 5], "header length", "shorter than the 8-byte header length");

    [Fact]
    public void Header_that_is_not_json()
        => Reject(File1("{\"a\": [", []), "header", "not valid JSON");

    [Fact]
    public void Unknown_dtype()
        => Reject(File1("{\"w\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes), "tensor 'w'.dtype", "unknown dtype 'F17'");

    [Fact]
    public void Known_dtype_that_torchsharp_cannot_hold()
        => Reject(File1("{\"w\":{\"dtype\":\"U16\",\"shape\":[4],\"data_offsets\":[0,8]}}", EightBytes), "tensor 'w'.dtype", "TorchSharp has no tensor type");

    [Fact]
    public void Byte_count_that_does_not_match_shape_and_dtype()
        // F32 [2, 2] needs 2 * 2 * 4 = 16 bytes, the offsets cover 8.
        => Reject(File1("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", EightBytes), "tensor 'w'.data_offsets", "covers 8 bytes but shape [2, 2] of F32 needs 16");

    [Fact]
    public void Overlapping_offsets()
        // Two F32 [1] tensors at [0, 4] and [2, 6] share bytes 2 and 3.
        => Reject(File1("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", EightBytes),
            "tensor 'b'.data_offsets", "overlaps tensor 'a' [0, 4]");

    [Fact]
    public void Offsets_past_the_end_of_the_data()
        // The second tensor ends at byte 8 but only 6 data bytes follow the header.
        => Reject(File1("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[6]),
            "tensor 'b'.data_offsets", "runs past the end of the data section (6 bytes)");

    [Fact]
    public void Offsets_with_a_gap()
        => Reject(File1("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", EightBytes), "tensor 'a'.data_offsets", "leaves a gap after byte 0");

    [Fact]
    public void Trailing_bytes_after_the_last_tensor()
        => Reject(File1("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", EightBytes), "data_offsets", "cover 4 bytes but the data section after the header is 8 bytes");

    [Fact]
    public void Negative_shape()
        => Reject(File1("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a'.shape", "not a non-negative integer");

    [Fact]
    public void Metadata_value_that_is_not_a_string()
        => Reject(File1("{\"__metadata__\":{\"epoch\":3}}", []), "__metadata__.epoch", "must be a string");

    [Fact]
    public void Missing_file_is_a_file_not_found_error_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Read(path));
        Assert.Contains(path, e.Message);
    }
}
