using System.Text.Json;
using Fmri.Core;
using Fmri.Data;
using Fmri.Data.Import;

namespace Fmri.Tests.Data.Import;

/// <summary>
/// MinD-Vis's conversion of Generic Object Decoding (sbj_N.npz, images_256.npz) on files numpy wrote
/// (Fixtures/make_mindvis_fixtures.py), against the ids, splits and values numpy recorded in mindvis_expected.json.
/// </summary>
public class MindVisGodImportTests
{
    private static readonly string Folder = Path.Combine(Fmri.Tests.Data.Fixtures.RepositoryRoot, "tests", "Fmri.Tests", "Data", "Import", "Fixtures");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "mindvis_expected.json"))).RootElement;

    private static string[] Strings(string name) => Expected.GetProperty(name).EnumerateArray().Select(v => v.GetString()!).ToArray();

    [Fact]
    public void Single_test_trials_take_the_image_of_their_group_of_repeats()
    {
        var data = MindVisGodImport.Read(ArrayFile.Read(Path.Combine(Folder, "mindvis_sbj_1.npz")), averagedTest: false, subject: null);

        Assert.Equal(Strings("single_ids"), data.StimulusIds.Select(id => id.Value));
        Assert.Equal(Expected.GetProperty("voxels").GetInt32(), data.VoxelCount);
        Assert.Equal(Expected.GetProperty("single_values").Doubles(), data.Voxels.Select(v => (double)v));
        Assert.Equal([.. Enumerable.Repeat(DataSplit.Train, 6), .. Enumerable.Repeat(DataSplit.Test, 15)], data.Splits);
        Assert.All(data.RepeatCounts, r => Assert.Equal(1, r));
        Assert.Equal(Expected.GetProperty("rois").GetProperty("VC").Ints(), data.Rois["VC"]);
        Assert.Equal(Expected.GetProperty("rois").GetProperty("V1").Ints(), data.Rois["V1"]);
        Assert.Equal("mindvis_sbj_1", data.Subject);
    }

    [Fact]
    public void Averaged_test_trials_are_one_sample_per_image_with_their_repeat_count()
    {
        var data = MindVisGodImport.Read(ArrayFile.Read(Path.Combine(Folder, "mindvis_sbj_1.npz")), averagedTest: true, subject: "sbj_1");

        Assert.Equal(Strings("averaged_ids"), data.StimulusIds.Select(id => id.Value));
        Assert.Equal(Expected.GetProperty("averaged_values").Doubles(), data.Voxels.Select(v => (double)v));
        int repeats = Expected.GetProperty("repeats").GetInt32();
        Assert.Equal([.. Enumerable.Repeat(1, 6), .. Enumerable.Repeat(repeats, 5)], data.RepeatCounts);
        Assert.Equal("sbj_1", data.Subject);
    }

    [Fact]
    public void Single_trials_in_scan_order_are_refused_and_the_averaged_ones_still_read()
    {
        var file = ArrayFile.Read(Path.Combine(Folder, "mindvis_sbj_scan.npz"));

        var e = Assert.Throws<DataFormatException>(() => MindVisGodImport.Read(file, averagedTest: false, subject: null));
        Assert.Equal("arr_1", e.Field);
        Assert.Contains("is not grouped by test image in arr_2's order", e.Problem);
        Assert.Contains("--averaged-test", e.Problem);

        var averaged = MindVisGodImport.Read(file, averagedTest: true, subject: null);
        Assert.Equal(Strings("averaged_ids"), averaged.StimulusIds.Select(id => id.Value));
    }

    [Fact]
    public void Grouped_single_trials_pass_when_the_averages_are_zscored_per_voxel_and_the_trials_keep_a_baseline()
    {
        var data = MindVisGodImport.Read(ArrayFile.Read(Path.Combine(Folder, "mindvis_sbj_zscored.npz")), averagedTest: false, subject: null);
        Assert.Equal(Strings("single_ids"), data.StimulusIds.Select(id => id.Value));
    }

    [Fact]
    public void The_images_file_gives_the_ids_the_trials_use()
    {
        var (set, rule) = StimulusArrayImport.ReadMindVisGod(ArrayFile.Read(Path.Combine(Folder, "mindvis_images.npz")));

        Assert.Equal(Strings("image_ids"), set.StimulusIds.Select(id => id.Value));
        Assert.Equal((4, 5, 3), (set.Height, set.Width, set.Channels));
        Assert.Equal(Expected.GetProperty("image_pixels").Ints().Select(v => (byte)v), set.Pixels);
        Assert.All(set.CategoryLabels, l => Assert.Equal(-1, l));
        Assert.Contains("as stored", rule);
    }
}
