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
}
