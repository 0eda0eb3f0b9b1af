using Fmri.MaskedBrainModeling;
using Fmri.Tests.Data.Preprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

public class SinCosPositionalEmbeddingTests
{
    [Fact]
    public void Values_equal_the_closed_form_at_hand_computed_positions()
    {
        // D = 8, so D/2 = 4 frequencies omega_d = 1 / 10000^(d / 4): omega = 1, 0.1, 0.01, 0.001.
        // Position m = 2 (row 3, after the CLS row) gives angles 2, 0.2, 0.02, 0.002:
        //   sin: sin(2) = 0.9092974268, sin(0.2) = 0.1986693308, sin(0.02) = 0.0199986667, sin(0.002) = 0.0019999987
        //   cos: cos(2) = -0.4161468365, cos(0.2) = 0.9800665778, cos(0.02) = 0.9998000067, cos(0.002) = 0.9999980000
        // Position 0 (row 1): sin = 0, cos = 1. Row 0 is the CLS token's zero row.
        using var table = SinCosPositionalEmbedding.Create(8, 5, withClsToken: true);
        Assert.Equal(new long[] { 6, 8 }, table.shape);
        var rows = table.data<float>().ToArray();
        float[] Row(int r) => rows.Skip(r * 8).Take(8).ToArray();

        Assert.All(Row(0), v => Assert.Equal(0f, v));
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 1, 1 }, Row(1));
        var expected = new[] { 0.9092974268, 0.1986693308, 0.0199986667, 0.0019999987, -0.4161468365, 0.9800665778, 0.9998000067, 0.9999980000 };
        var position2 = Row(3);
        for (int d = 0; d < 8; d++) Assert.Equal(expected[d], position2[d], 1e-6);
    }

    [Fact]
    public void Without_cls_token_row_0_is_position_0()
    {
        using var table = SinCosPositionalEmbedding.Create(4, 3, withClsToken: false);
        Assert.Equal(new long[] { 3, 4 }, table.shape);
        // D = 4: omega = 1, 0.01. Position 1 -> sin(1) = 0.8414709848, sin(0.01) = 0.0099998333, cos(1) = 0.5403023059, cos(0.01) = 0.9999500004.
        var values = table.data<float>().ToArray();
        Assert.Equal(new float[] { 0, 0, 1, 1 }, values.Take(4).ToArray());
        var expected = new[] { 0.8414709848, 0.0099998333, 0.5403023059, 0.9999500004 };
        for (int d = 0; d < 4; d++) Assert.Equal(expected[d], values[4 + d], 1e-6);
    }

    [Fact]
    public void Model_holds_the_table_as_untrained_state_dict_buffers()
    {
        using var generator = new Generator(3);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(64), generator);
        var state = model.state_dict();
        // Tiny(64): 4 patches; encoder width 64, decoder width 32.
        using var expectedEncoder = SinCosPositionalEmbedding.Create(64, 4, withClsToken: true).unsqueeze(0);
        using var expectedDecoder = SinCosPositionalEmbedding.Create(32, 4, withClsToken: true).unsqueeze(0);
        Assert.True(TensorAssert.Identical(state["pos_embed"], expectedEncoder));
        Assert.True(TensorAssert.Identical(state["decoder_pos_embed"], expectedDecoder));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("pos_embed"));
    }

    [Fact]
    public void Odd_width_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => SinCosPositionalEmbedding.Create(7, 3, withClsToken: true));
        Assert.Contains("embedDim = 7", error.Message);
    }
}
