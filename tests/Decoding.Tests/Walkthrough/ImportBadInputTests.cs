using System.Buffers.Binary;
using System.Text;
using Decoding.Tests.Cli;
using Fmri.Data.Layouts;

namespace Decoding.Tests.Walkthrough;

/// <summary>
/// Bad input to the import commands and to the training commands' stimulus file: one line on standard error that
/// names the file or the option and says what to do, exit code 2, and no output file.
/// </summary>
public class ImportBadInputTests
{
    private static readonly string Mat = Path.Combine(RepositoryPaths.Root, "data", "examples", "own_data.mat");

    private static void AssertBadInput((int Exit, string Out, string Err) result, string expected, params string[] notWritten)
    {
        Assert.True(result.Exit == 2, $"exit {result.Exit}: {result.Err}{result.Out}");
        string line = result.Err.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        foreach (string path in notWritten) Assert.False(File.Exists(path), $"{path} was written despite the error");
    }

    [Fact]
    public void A_missing_variable_lists_the_files_variables_with_their_shapes()
    {
        using var temp = new TempFolder();
        var result = CliTestHarness.Run("import", Mat, "-o", temp.Sub("f.h5"), "--train", "fmriTrain", "--test", "fmriTest");
        AssertBadInput(result, "--train 'fmriTrain': is not a variable of", temp.Sub("f.h5"));
        Assert.Contains("fmriTrn (90 x 563 single)", result.Err);
        Assert.Contains("stimTrn (28 x 28 x 90 uint8)", result.Err);
    }

    [Fact]
    public void Text_where_numbers_belong_and_labels_of_the_wrong_length_name_the_option()
    {
        using var temp = new TempFolder();
        AssertBadInput(CliTestHarness.Run("import", Mat, "-o", temp.Sub("a.h5"), "--train", "categoryNames"), "--train 'categoryNames': holds text", temp.Sub("a.h5"));
        AssertBadInput(CliTestHarness.Run("import", Mat, "-o", temp.Sub("b.h5"), "--train", "fmriTrn", "--train-labels", "labelTest"),
            "--train-labels 'labelTest': has 10 values for 90 items", temp.Sub("b.h5"));
        AssertBadInput(CliTestHarness.Run("import", Mat, "-o", temp.Sub("c.h5"), "--fmri", "fmriTrn", "--train", "fmriTrn"), "--fmri 'fmriTrn': cannot be combined with --train/--test", temp.Sub("c.h5"));
        AssertBadInput(CliTestHarness.Run("stimuli", "import", Mat, "-o", temp.Sub("d.h5"), "--train", "fmriTrn"), "--train 'fmriTrn': is 90 x 563; expected images", temp.Sub("d.h5"));
    }

    [Fact]
    public void Pixel_values_outside_0_255_are_refused()
    {
        using var temp = new TempFolder();
        // A hand-written .npy (format 1.0): 2 images of 2 x 2 float64 pixels, one of them -5.
        string npy = temp.Sub("images.npy");
        string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }";
        header = header.PadRight(64 - 10 - 1) + "\n";
        using (var stream = File.Create(npy))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length);
            stream.Write(Encoding.ASCII.GetBytes(header));
            foreach (double v in new[] { 0, 10, 20, -5, 30, 40, 50, 60.0 })
            {
                var bytes = new byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(bytes, v);
                stream.Write(bytes);
            }
        }
        // 2 x 2 x 2 reads either way, so the axis is named (without it the import asks for it first).
        AssertBadInput(CliTestHarness.Run("stimuli", "import", npy, "-o", temp.Sub("s.h5"), "--images", "images", "--image-axis", "first"),
            "--images 'images': has pixel values from -5 to 60; expected 0..255 or 0..1", temp.Sub("s.h5"));
        AssertBadInput(CliTestHarness.Run("stimuli", "import", npy, "-o", temp.Sub("s.h5"), "--images", "images"),
            "--images 'images': is 2 x 2 x 2: 2 images of 2x2 with the image axis first or last; set --image-axis", temp.Sub("s.h5"));
    }

    [Fact]
    public void A_truncated_file_and_an_output_path_that_is_a_folder_are_one_line_errors()
    {
        using var temp = new TempFolder();
        string cut = temp.Sub("cut.mat");
        var bytes = File.ReadAllBytes(Mat);
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        AssertBadInput(CliTestHarness.Run("import", cut, "-o", temp.Sub("f.h5"), "--train", "fmriTrn"), cut, temp.Sub("f.h5"));
        Directory.CreateDirectory(temp.Sub("folder"));
        AssertBadInput(CliTestHarness.Run("import", Mat, "-o", temp.Sub("folder"), "--train", "fmriTrn"), "is an existing folder; name a file");
    }

    [Fact]
    public void Training_commands_refuse_a_stimulus_file_that_misses_training_stimuli_or_is_not_a_stimulus_file()
    {
        using var temp = new TempFolder();
        string fmri = temp.Sub("fmri.h5"), testOnly = temp.Sub("test-only.h5");
        Assert.Equal(0, CliTestHarness.Run("import", Mat, "-o", fmri, "--train", "fmriTrn", "--test", "fmriTest", "--train-labels", "labelTrn", "--test-labels", "labelTest").Exit);
        // The test images alone, numbered 1..10: they cannot stand for the 90 training trials (ids 1..90).
        Assert.Equal(0, CliTestHarness.Run("stimuli", "import", Mat, "-o", testOnly, "--images", "stimTest", "--labels", "labelTest").Exit);
        AssertBadInput(CliTestHarness.Run("train-vae", "--images", testOnly, "--data", fmri, "--preset", "tiny", "--steps", "1", "--out", temp.Sub("vae")),
            "has no image for 80 of the 90 training stimuli", Path.Combine(temp.Sub("vae"), "run.json"));
        AssertBadInput(CliTestHarness.Run("train-vae", "--images", testOnly, "--preset", "tiny", "--steps", "1", "--out", temp.Sub("vae")),
            "--data: is required with the stimulus file");
        AssertBadInput(CliTestHarness.Run("train-classifier", "--images", fmri, "--all-images", "--out", temp.Sub("c")),
            "@layout: is 'fmri-decoding/canonical', not a stimulus file");
    }

    [Fact]
    public void Plain_numeric_ids_survive_a_bdata_round_trip()
    {
        using var temp = new TempFolder();
        string bdata = temp.Sub("fmri-bdata.h5");
        Assert.Equal(0, CliTestHarness.Run("import", Mat, "-o", bdata, "--format", "bdata", "--train", "fmriTrn", "--test", "fmriTest",
            "--train-labels", "labelTrn", "--test-labels", "labelTest", "--category-names", "categoryNames").Exit);
        var data = BDataFile.Read(bdata);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), data.StimulusIds.Select(s => s.Value));
        Assert.Equal(["T-shirt/top", "Trouser"], data.CategoryNames);
    }
}
