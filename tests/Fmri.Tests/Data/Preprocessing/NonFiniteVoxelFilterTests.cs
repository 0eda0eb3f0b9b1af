using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class NonFiniteVoxelFilterTests
{
    private const float NaN = float.NaN;
    private const float Inf = float.PositiveInfinity;

    /// <summary>
    /// 5 voxels: 0 and 2 finite everywhere; 1 NaN in a training sample; 3 +Inf in a test sample only;
    /// 4 NaN in a training and a test sample. Expected: 2 dropped by the training rule (1, 4), 1 by the test rule (3).
    /// </summary>
    private static FmriDataset WithNonFinite() => Build(
        [
            Train(1, "a", 1, 2, 3, 4, 5),
            Train(1, "b", 6, NaN, 8, 9, NaN),
            Train(2, "c", 11, 12, 13, 14, 15),
            Test(3, "x", 21, 22, 23, Inf, 25),
            Test(3, "y", 31, 32, 33, 34, NaN),
        ],
        new Dictionary<string, int[]> { ["VC"] = [0, 1, 2, 3, 4], ["V1"] = [1, 2], ["V2"] = [3, 4] });

    [Fact]
    public void Drops_and_counts_voxels_by_the_training_rule_and_the_test_only_rule()
    {
        var result = NonFiniteVoxelFilter.Apply(WithNonFinite(), SourceFile);
        Assert.Equal(2, result.DroppedNonFiniteInTraining);
        Assert.Equal(1, result.DroppedNonFiniteOnlyInTest);
        var d = result.Dataset;
        Assert.Equal(2, d.VoxelCount);
        Assert.Equal([1f, 3f, 6f, 8f, 11f, 13f, 21f, 23f, 31f, 33f], d.Voxels); // columns 0 and 2
        Assert.Equal([0, 1], d.Rois["VC"]);
        Assert.Equal([1], d.Rois["V1"]);            // old voxel 2 is new voxel 1
        Assert.False(d.Rois.ContainsKey("V2"));     // both its voxels were dropped
    }

    [Fact]
    public void The_report_says_which_rule_dropped_how_many()
    {
        var result = Preprocessor.Run(WithNonFinite(), new PreprocessingOptions { PatchSize = 1 }, SourceFile);
        Assert.Equal(2, result.Report.DroppedNonFiniteInTraining);
        Assert.Equal(1, result.Report.DroppedNonFiniteOnlyInTest);
        Assert.Contains("Non-finite voxels dropped: 2 NaN/Inf in a training sample, 1 NaN/Inf only in a test sample; 2 voxels remain", result.Report.Summary);
    }

    [Fact]
    public void An_all_NaN_matrix_fails_naming_the_voxel_field()
    {
        var allNaN = Build([Train(1, "a", NaN, NaN), Test(2, "b", NaN, NaN)]);
        var error = Assert.Throws<DataFormatException>(() => Preprocessor.Run(allNaN, new PreprocessingOptions(), SourceFile));
        Assert.Equal("voxels", error.Field);
        Assert.StartsWith($"{SourceFile}: voxels: every value", error.Message);
    }

    [Fact]
    public void Dropping_every_voxel_fails()
    {
        var d = Build([Train(1, "a", NaN, 1), Test(2, "b", 2, Inf)]);
        var error = Assert.Throws<DataFormatException>(() => NonFiniteVoxelFilter.Apply(d, SourceFile));
        Assert.Equal("voxels", error.Field);
        Assert.Contains("every one of the 2 voxels", error.Message);
    }

    [Fact]
    public void A_finite_data_set_is_passed_through()
    {
        var d = Build([Train(1, "a", 1, 2), Test(2, "b", 3, 4)]);
        var result = NonFiniteVoxelFilter.Apply(d, SourceFile);
        Assert.Same(d, result.Dataset);
        Assert.Equal(0, result.DroppedNonFiniteInTraining + result.DroppedNonFiniteOnlyInTest);
    }
}
