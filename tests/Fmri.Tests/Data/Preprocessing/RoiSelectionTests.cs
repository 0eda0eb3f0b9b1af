using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class RoiSelectionTests
{
    /// <summary>6 voxels with values 0..5 (training) and 10..15 (test). V1 {0,1}, V2 {1,2}, V3 {3}, VC {0..4}, FFA {5}.</summary>
    private static FmriDataset SixVoxels(string prefix = "") => Build(
        [Train(1, "a", 0, 1, 2, 3, 4, 5), Test(2, "b", 10, 11, 12, 13, 14, 15)],
        new Dictionary<string, int[]>
        {
            [prefix + "V1"] = [0, 1], [prefix + "V2"] = [1, 2], [prefix + "V3"] = [3], [prefix + "VC"] = [0, 1, 2, 3, 4], [prefix + "FFA"] = [5],
        }) with { VoxelCoordinates = Enumerable.Range(0, 18).Select(i => (float)i).ToArray() };

    [Fact]
    public void A_union_keeps_each_voxel_once_and_reindexes_the_other_masks()
    {
        // V1 ∪ V2 ∪ V3 = {0,1} ∪ {1,2} ∪ {3} = {0,1,2,3}: 4 voxels, voxel 1 counted once.
        var result = RoiSelection.Apply(SixVoxels(), "V1+V2+V3", SourceFile);
        var d = result.Dataset;
        Assert.Equal(4, result.VoxelsSelected);
        Assert.Equal(6, result.VoxelsBefore);
        Assert.Equal(["V1", "V2", "V3"], result.Regions);
        Assert.Equal(2, result.VoxelsPerRegion["V2"]);
        Assert.Equal([0f, 1f, 2f, 3f, 10f, 11f, 12f, 13f], d.Voxels);
        Assert.Equal([0, 1, 2, 3], d.Rois["VC"]); // VC loses voxel 4
        Assert.Equal([1, 2], d.Rois["V2"]);
        Assert.False(d.Rois.ContainsKey("FFA"));  // left empty, dropped
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), d.VoxelCoordinates!); // xyz of voxels 0..3
        d.Validate(SourceFile);
    }

    [Theory]
    [InlineData("VC")]
    [InlineData("ROI_VC")]
    [InlineData("ROI_VC = 1")]
    [InlineData(" roi_vc=1 ")]
    public void BData_spellings_select_the_same_region(string expression)
    {
        var result = RoiSelection.Apply(SixVoxels(), expression, SourceFile);
        Assert.Equal(["VC"], result.Regions);
        Assert.Equal(5, result.Dataset.VoxelCount);
    }

    [Fact]
    public void Plain_names_find_ROIs_stored_with_the_BData_prefix_and_bar_unions_work()
    {
        var result = RoiSelection.Apply(SixVoxels("ROI_"), "ROI_V1 = 1 | V3", SourceFile);
        Assert.Equal(["ROI_V1", "ROI_V3"], result.Regions);
        Assert.Equal([0f, 1f, 3f, 10f, 11f, 13f], result.Dataset.Voxels); // {0,1} ∪ {3}
    }

    [Fact]
    public void An_unknown_ROI_names_the_file_the_roi_and_the_available_ones()
    {
        var error = Assert.Throws<DataFormatException>(() => RoiSelection.Apply(SixVoxels(), "V1+V9", SourceFile));
        Assert.Equal(SourceFile, error.File);
        Assert.Equal("roi/V9", error.Field);
        Assert.Contains("available: FFA, V1, V2, V3, VC", error.Message);
    }

    [Theory]
    [InlineData("ROI_VC = 0")]
    [InlineData("V1+")]
    [InlineData(" ")]
    public void Malformed_expressions_are_argument_errors(string expression)
        => Assert.ThrowsAny<ArgumentException>(() => RoiSelection.Apply(SixVoxels(), expression, SourceFile));

    [Fact]
    public void All_keeps_every_voxel()
    {
        var result = RoiSelection.Apply(SixVoxels(), "all", SourceFile);
        Assert.Equal(6, result.Dataset.VoxelCount);
        Assert.Equal(5, result.Dataset.Rois.Count);
    }
}
