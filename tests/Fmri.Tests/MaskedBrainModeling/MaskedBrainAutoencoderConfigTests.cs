using Fmri.MaskedBrainModeling;

namespace Fmri.Tests.MaskedBrainModeling;

public class MaskedBrainAutoencoderConfigTests
{
    [Fact]
    public void Voxels_not_a_multiple_of_the_patch_size_are_refused_naming_the_field_and_value()
    {
        var config = MaskedBrainAutoencoderConfig.Paper(4650);
        var error = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains("NumVoxels = 4650", error.Message);
        Assert.Contains("PatchSize = 16", error.Message);
        Assert.Contains("4656", error.Message);   // the padded width to use: 291 * 16
        Assert.Equal("NumVoxels", error.ParamName);
        Assert.Throws<ArgumentException>(() => new MaskedBrainAutoencoder(config, null));
    }

    [Theory]
    [InlineData("NumHeads", "NumHeads = 3")]
    [InlineData("DecoderNumHeads", "DecoderNumHeads = 5")]
    [InlineData("MaskRatio", "MaskRatio = 1")]
    [InlineData("EmbedDim", "EmbedDim = 33")]
    [InlineData("DropPathRate", "DropPathRate = -0.1")]
    public void Bad_fields_are_named_with_their_values(string field, string expected)
    {
        var config = field switch
        {
            "NumHeads" => MaskedBrainAutoencoderConfig.Tiny(64) with { NumHeads = 3 },
            "DecoderNumHeads" => MaskedBrainAutoencoderConfig.Tiny(64) with { DecoderNumHeads = 5 },
            "MaskRatio" => MaskedBrainAutoencoderConfig.Tiny(64) with { MaskRatio = 1.0 },
            "EmbedDim" => MaskedBrainAutoencoderConfig.Tiny(64) with { EmbedDim = 33, NumHeads = 1 },
            _ => MaskedBrainAutoencoderConfig.Tiny(64) with { DropPathRate = -0.1 },
        };
        var error = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains(expected, error.Message);
        Assert.Equal(field, error.ParamName);
    }

    [Fact]
    public void Paper_preset_has_the_papers_values()
    {
        // MinD-Vis Config_MBM_fMRI: patch 16, embed 1024, depth 24, 16 heads, mlp ratio 1.0, decoder 512 x 8 with 16 heads, mask 0.75.
        var config = MaskedBrainAutoencoderConfig.Paper(4656);
        Assert.Equal((16, 1024, 24, 16, 1.0), (config.PatchSize, config.EmbedDim, config.Depth, config.NumHeads, config.MlpRatio));
        Assert.Equal((512, 8, 16, 0.75), (config.DecoderEmbedDim, config.DecoderDepth, config.DecoderNumHeads, config.MaskRatio));
        Assert.False(config.NormalizePatchLoss);
        Assert.Equal((0.0, 0.0), (config.DropRate, config.DropPathRate));
        Assert.Equal(291, config.NumPatches);   // 4656 / 16
        config.Validate();
        MaskedBrainAutoencoderConfig.Small(4656).Validate();
        MaskedBrainAutoencoderConfig.Tiny(4656).Validate();
    }

    [Theory]
    // Pads up to the next multiple of 16, and leaves an exact multiple alone (unlike MinD-Vis's helper, which adds 16).
    [InlineData(4650, 4656)]
    [InlineData(4656, 4656)]
    [InlineData(1, 16)]
    [InlineData(17, 32)]
    public void Pad_to_patch_multiple(int raw, int padded)
    {
        Assert.Equal(padded, MaskedBrainAutoencoderConfig.PadToPatchMultiple(raw));
    }
}
