using Fmri.MaskedBrainModeling;

namespace Fmri.Tests.MaskedBrainModeling;

public class VoxelWidthTests
{
    [Fact]
    public void Matching_width_returns_the_same_array()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        Assert.Same(data, VoxelWidth.EnsureWidth(3, data, 3, WidthPolicy.Error));
    }

    [Fact]
    public void Mismatch_is_an_error_naming_both_widths()
    {
        var data = new float[2 * 4650];
        var error = Assert.Throws<ArgumentException>(() => VoxelWidth.EnsureWidth(4656, data, 4650, WidthPolicy.Error, "trainVoxels"));
        Assert.Contains("4650", error.Message);
        Assert.Contains("4656", error.Message);
        Assert.Contains("trainVoxels", error.Message);
        Assert.StartsWith("trainVoxels: ", error.Message);   // one line naming the data, no "(Parameter ...)" suffix
        Assert.DoesNotContain("(Parameter", error.Message);
    }

    [Fact]
    public void Pad_or_crop_pads_zeros_at_the_end_or_drops_trailing_voxels()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };   // 2 samples x 3 voxels
        Assert.Equal(new float[] { 1, 2, 3, 0, 4, 5, 6, 0 }, VoxelWidth.EnsureWidth(4, data, 3, WidthPolicy.PadOrCrop));
        Assert.Equal(new float[] { 1, 2, 4, 5 }, VoxelWidth.EnsureWidth(2, data, 3, WidthPolicy.PadOrCrop));
    }

    [Fact]
    public void A_ragged_matrix_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => VoxelWidth.EnsureWidth(4, new float[7], 4, WidthPolicy.PadOrCrop));
        Assert.Contains("7 values", error.Message);
    }
}
