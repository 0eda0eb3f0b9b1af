using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class PatchPaddingTests
{
    // 4500 = 16 x 281 + 4, so 16 - 4 = 12 zero voxels reach 4512 = 16 x 282.
    // 4512 is already 16 x 282: nothing is added (MinD-Vis's helper would add 16 more).
    // 4979 (GOD subject 2's VC) = 16 x 311 + 3, so 13 zeros reach 4992.
    [Theory]
    [InlineData(4500, 16, 12)]
    [InlineData(4512, 16, 0)]
    [InlineData(4979, 16, 13)]
    [InlineData(4500, 1, 0)]
    [InlineData(5, 4, 3)]
    public void PaddingFor_reaches_the_next_multiple_and_adds_nothing_to_a_multiple(int voxels, int patch, int expected)
        => Assert.Equal(expected, PatchPadding.PaddingFor(voxels, patch));

    [Fact]
    public void Pads_4500_voxels_to_4512_with_12_zero_columns()
    {
        var values = Enumerable.Range(0, 4500).Select(j => j + 1f).ToArray(); // no zero among the real voxels
        var d = Build([Train(1, "a", values), Test(2, "b", values.Select(x => -x).ToArray())])
            with { VoxelCoordinates = Enumerable.Repeat(1f, 4500 * 3).ToArray() };
        var (padded, step) = PatchPadding.Apply(d, 16);
        Assert.Equal(4512, padded.VoxelCount);
        Assert.Equal(12, padded.PaddingVoxels);
        for (int s = 0; s < 2; s++)
        {
            Assert.Equal(d.Sample(s).ToArray(), padded.Sample(s)[..4500].ToArray());
            Assert.All(padded.Sample(s)[4500..].ToArray(), x => Assert.Equal(0f, x));
        }
        Assert.All(padded.VoxelCoordinates![(4500 * 3)..], c => Assert.True(float.IsNaN(c)));
        Assert.Equal("12", step.Parameters["padding_voxels"]);
        padded.Validate(SourceFile);
    }

    [Fact]
    public void Leaves_4512_voxels_as_they_are()
    {
        var d = Build([Train(1, "a", new float[4512])]);
        var (padded, step) = PatchPadding.Apply(d, 16);
        Assert.Same(d, padded);
        Assert.Equal(0, padded.PaddingVoxels);
        Assert.Equal("4512", step.Parameters["voxels_after"]);
    }

    [Fact]
    public void Patch_size_1_never_pads_and_nonpositive_patch_sizes_are_rejected()
    {
        var d = Build([Train(1, "a", 1, 2, 3)]);
        Assert.Same(d, PatchPadding.Apply(d, 1).Dataset);
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchPadding.PaddingFor(3, 0));
        var error = Assert.ThrowsAny<ArgumentException>(() => new PreprocessingOptions { PatchSize = 0 }.Validate());
        Assert.StartsWith("patch_size ", error.Message);
    }
}
