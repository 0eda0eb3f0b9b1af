using System.Text.Json;
using Fmri.Data.Import;

namespace Fmri.Tests.Data.Import;

/// <summary>
/// Where the image axis is when the user does not say: images stored as MATLAB users store them (height x width x
/// images, non-square) in a file scipy.io.savemat wrote (Fixtures/make_stimulus_array_fixtures.py), against numpy's slices.
/// </summary>
public class StimulusArrayImportTests
{
    private static readonly string Folder = Path.Combine(Fmri.Tests.Data.Fixtures.RepositoryRoot, "tests", "Fmri.Tests", "Data", "Import", "Fixtures");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "stimuli_hwn_expected.json"))).RootElement;

    private static readonly ArrayFile File_ = ArrayFile.Read(Path.Combine(Folder, "stimuli_hwn.mat"));

    [Fact]
    public void The_axis_as_long_as_the_ids_is_the_image_axis()
    {
        var (set, _) = StimulusArrayImport.Read(File_, new StimulusArrayImportOptions { Train = "stimTrn", TrainIds = "idTrn" });

        Assert.Equal((9, 6, 5, 1), (set.Count, set.Height, set.Width, set.Channels));
        Assert.Equal(Expected.GetProperty("ids").EnumerateArray().Select(v => v.GetString()), set.StimulusIds.Select(id => id.Value));
        var images = Expected.GetProperty("images").EnumerateArray().ToArray();
        for (int k = 0; k < 9; k++)
            Assert.Equal(images[k].Ints().Select(v => (byte)v), set.Pixels.AsSpan(k * 30, 30).ToArray());
    }

    [Fact]
    public void Without_labels_ids_or_axis_a_non_square_array_has_the_image_axis_first_and_the_option_overrides_it()
    {
        var (guessed, _) = StimulusArrayImport.Read(File_, new StimulusArrayImportOptions { Train = "stimTrn" });
        Assert.Equal((6, 5, 9), (guessed.Count, guessed.Height, guessed.Width));

        var (told, _) = StimulusArrayImport.Read(File_, new StimulusArrayImportOptions { Train = "stimTrn", ImageAxis = "last" });
        Assert.Equal((9, 6, 5), (told.Count, told.Height, told.Width));
        Assert.Equal(Expected.GetProperty("images")[8].Ints().Select(v => (byte)v), told.Pixels.AsSpan(8 * 30, 30).ToArray());
    }

    /// <summary>
    /// n x n x m with nothing to decide by: 8 x 8 x 40 can only sensibly be 40 square 8x8 images (the first reading's
    /// 8x40 images are five times wider than high), but 8 x 8 x 6 is 6 images of 8x8 or 8 images of 8x6, and the import
    /// says so instead of guessing; --image-axis settles it.
    /// </summary>
    [Fact]
    public void A_stack_that_reads_either_way_is_refused_until_the_axis_is_named()
    {
        string folder = Directory.CreateTempSubdirectory("npy-axis").FullName;
        try
        {
            var stack = ArrayFile.Read(WriteNpy(Path.Combine(folder, "stack.npy"), [8, 8, 40]));
            var (square, _) = StimulusArrayImport.Read(stack, new StimulusArrayImportOptions { Train = "stack" });
            Assert.Equal((40, 8, 8), (square.Count, square.Height, square.Width));

            var either = ArrayFile.Read(WriteNpy(Path.Combine(folder, "either.npy"), [8, 8, 6]));
            var refused = Assert.Throws<Fmri.Core.InvalidSettingException>(() => StimulusArrayImport.Read(either, new StimulusArrayImportOptions { Train = "either" }));
            Assert.Contains("6 images of 8x8 (image axis last) or 8 images of 8x6 (first); set --image-axis", refused.Message);
            var cube = ArrayFile.Read(WriteNpy(Path.Combine(folder, "cube.npy"), [8, 8, 8]));
            Assert.Contains("8 images of 8x8 with the image axis first or last; set --image-axis",
                Assert.Throws<Fmri.Core.InvalidSettingException>(() => StimulusArrayImport.Read(cube, new StimulusArrayImportOptions { Train = "cube" })).Message);
            var (first, _) = StimulusArrayImport.Read(either, new StimulusArrayImportOptions { Train = "either", ImageAxis = "first" });
            Assert.Equal((8, 8, 6), (first.Count, first.Height, first.Width));
            // Image k, row r, column c is stored at ((k * 8) + r) * 6 + c in C order: its value is that index mod 251.
            Assert.Equal((byte)((((7 * 8) + 2) * 6 + 5) % 251), first.Pixels[(7 * 8 + 2) * 6 + 5]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A NumPy .npy file (format 1.0, C order, uint8) holding index mod 251 at every position.</summary>
    private static string WriteNpy(string path, int[] shape)
    {
        string header = $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
        int count = shape.Aggregate(1, (a, b) => a * b);
        stream.Write(Enumerable.Range(0, count).Select(i => (byte)(i % 251)).ToArray());
        return path;
    }
}
