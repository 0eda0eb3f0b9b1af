using Decoding.Models.Blocks;
using Decoding.Models.Transformers;
using Decoding.Models.Unet;
using Decoding.Models.Vae;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>Output shapes of every building block, each against the shape its docstring promises.</summary>
[Collection(ModelsCollection.Name)]
public class BlockShapeTests
{
    private readonly Generator gen = new(11);

    [Theory]
    [InlineData(16, 16, true)]
    [InlineData(16, 32, true)]  // width change: conv_shortcut on the skip path
    [InlineData(32, 16, false)] // no time embedding (autoencoder)
    public void ResnetBlock2D_maps_width_and_keeps_resolution(int inChannels, int outChannels, bool withTime)
    {
        random.manual_seed(1);
        var block = new ResnetBlock2D(inChannels, outChannels, withTime ? 24 : null, groups: 8, eps: 1e-5);
        using var x = TestTensors.Normal(gen, 2, inChannels, 5, 7);
        using var temb = TestTensors.Normal(gen, 2, 24);
        using var y = block.Forward(x, withTime ? temb : null);
        Assert.Equal(new long[] { 2, outChannels, 5, 7 }, y.shape);
        bool hasShortcut = block.named_parameters().Any(p => p.name.StartsWith("conv_shortcut.", StringComparison.Ordinal));
        Assert.Equal(inChannels != outChannels, hasShortcut);
        Assert.Equal(withTime, block.named_parameters().Any(p => p.name.StartsWith("time_emb_proj.", StringComparison.Ordinal)));
    }

    [Fact]
    public void ResnetBlock2D_with_time_projection_refuses_a_missing_time_embedding()
    {
        random.manual_seed(1);
        var block = new ResnetBlock2D(8, 8, 16, groups: 4, eps: 1e-5);
        using var x = TestTensors.Normal(gen, 1, 8, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => block.Forward(x));
        Assert.Contains("timeEmbedding", e.Message);
    }

    [Theory]
    [InlineData(1, 8, 8, 4, 4)]
    [InlineData(1, 7, 5, 4, 3)] // symmetric padding: ceil(H / 2)
    [InlineData(0, 8, 8, 4, 4)]
    [InlineData(0, 7, 5, 3, 2)] // right/bottom padding (autoencoder): floor(H / 2)
    public void Downsample2D_halves_the_resolution(int padding, int h, int w, int expectedH, int expectedW)
    {
        random.manual_seed(2);
        var down = new Downsample2D(8, padding);
        using var x = TestTensors.Normal(gen, 2, 8, h, w);
        using var y = down.Forward(x);
        Assert.Equal(new long[] { 2, 8, expectedH, expectedW }, y.shape);
    }

    [Fact]
    public void Upsample2D_doubles_or_meets_the_requested_size()
    {
        random.manual_seed(3);
        var up = new Upsample2D(8);
        using var x = TestTensors.Normal(gen, 2, 8, 3, 5);
        using var doubled = up.Forward(x);
        Assert.Equal(new long[] { 2, 8, 6, 10 }, doubled.shape);
        using var sized = up.Forward(x, [5, 9]);
        Assert.Equal(new long[] { 2, 8, 5, 9 }, sized.shape);
    }

    [Fact]
    public void Attention_self_and_cross_return_the_query_shape()
    {
        random.manual_seed(4);
        var self = new Attention(32, null, heads: 4, dimHead: 8);
        var cross = new Attention(32, 20, heads: 4, dimHead: 8);
        using var x = TestTensors.Normal(gen, 2, 12, 32);
        using var context = TestTensors.Normal(gen, 2, 5, 20);
        using var ys = self.Forward(x);
        using var yc = cross.Forward(x, context);
        Assert.Equal(x.shape, ys.shape);
        Assert.Equal(x.shape, yc.shape);
        Assert.Equal(new long[] { 32, 20 }, cross.named_parameters().Single(p => p.name == "to_k.weight").parameter.shape);
        Assert.DoesNotContain(cross.named_parameters(), p => p.name is "to_q.bias" or "to_k.bias" or "to_v.bias");
        Assert.Contains(cross.named_parameters(), p => p.name == "to_out.0.bias");
    }

    [Fact]
    public void Head_split_and_merge_are_inverse()
    {
        using var x = TestTensors.Normal(gen, 2, 6, 12);
        using var split = AttentionHeads.Split(x, 3);
        Assert.Equal(new long[] { 2, 3, 6, 4 }, split.shape);
        using var merged = AttentionHeads.Merge(split);
        Assert.Equal(0f, TestTensors.MaxAbsDifference(x, merged));
        // Head h of token l holds features [4h, 4h + 4) of that token.
        Assert.Equal(x[1, 5, 9].item<float>(), split[1, 2, 5, 1].item<float>());
    }

    [Fact]
    public void GEGLU_FeedForward_and_BasicTransformerBlock_keep_token_shapes()
    {
        random.manual_seed(5);
        using var x = TestTensors.Normal(gen, 2, 9, 16);
        using var context = TestTensors.Normal(gen, 2, 4, 10);
        var geglu = new GEGLU(16, 40);
        using var g = geglu.call(x);
        Assert.Equal(new long[] { 2, 9, 40 }, g.shape);
        var ff = new FeedForward(16);
        using var f = ff.Forward(x);
        Assert.Equal(x.shape, f.shape);
        Assert.Equal(new long[] { 128, 16 }, ff.named_parameters().Single(p => p.name == "net.0.proj.weight").parameter.shape);
        Assert.Equal(new long[] { 16, 64 }, ff.named_parameters().Single(p => p.name == "net.2.weight").parameter.shape);
        var block = new BasicTransformerBlock(16, heads: 2, dimHead: 8, contextDim: 10);
        using var b = block.Forward(x, context);
        Assert.Equal(x.shape, b.shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transformer2DModel_keeps_the_feature_map_shape(bool linearProjection)
    {
        random.manual_seed(6);
        var transformer = new Transformer2DModel(32, heads: 4, dimHead: 8, contextDim: 12, layers: 2, groups: 8, linearProjection);
        using var x = TestTensors.Normal(gen, 2, 32, 3, 5);
        using var context = TestTensors.Normal(gen, 2, 7, 12);
        using var y = transformer.Forward(x, context);
        Assert.Equal(x.shape, y.shape);
        long[] projShape = transformer.named_parameters().Single(p => p.name == "proj_in.weight").parameter.shape;
        Assert.Equal(linearProjection ? new long[] { 32, 32 } : new long[] { 32, 32, 1, 1 }, projShape);
        Assert.Contains(transformer.named_parameters(), p => p.name == "transformer_blocks.1.attn2.to_v.weight");
    }

    [Fact]
    public void UNet_down_and_up_blocks_push_and_pop_the_expected_skips()
    {
        // The blocks of a two-level UNet (widths 32, 64; two layers per block), wired by hand as the model wires them.
        random.manual_seed(7);
        var config = UNet2DConditionConfig.Tiny with { LayersPerBlock = 2 };
        var temb = TestTensors.Normal(gen, 2, config.TimeEmbeddingDim);
        var context = TestTensors.Normal(gen, 2, 3, config.CrossAttentionDim);
        var skips = new Stack<Tensor>();
        var x = TestTensors.Normal(gen, 2, 32, 8, 8); // conv_in output
        skips.Push(x);
        var down0 = new CrossAttnDownBlock2D(32, 32, addDownsample: true, config);
        var h = down0.Forward(x, temb, context, skips);
        Assert.Equal(new long[] { 2, 32, 4, 4 }, h.shape);
        Assert.Equal(1 + 2 + 1, skips.Count); // conv_in output, two resnet/attention outputs, the downsampler's output
        var down1 = new DownBlock2D(32, 64, addDownsample: false, config);
        h = down1.Forward(h, temb, context, skips);
        Assert.Equal(new long[] { 2, 64, 4, 4 }, h.shape);
        Assert.Equal(6, skips.Count);

        var mid = new UNetMidBlock2DCrossAttn(64, config);
        h = mid.Forward(h, temb, context);
        Assert.Equal(new long[] { 2, 64, 4, 4 }, h.shape);

        // Up path: the first level consumes the three 64- and 32-wide 4x4 skips and upsamples to the next skip's 8x8.
        var up0 = new UpBlock2D(inChannels: 32, prevOutputChannels: 64, outChannels: 64, addUpsample: true, config);
        h = up0.Forward(h, skips, temb, context);
        Assert.Equal(new long[] { 2, 64, 8, 8 }, h.shape);
        Assert.Equal(3, skips.Count);
        var up1 = new CrossAttnUpBlock2D(inChannels: 32, prevOutputChannels: 64, outChannels: 32, addUpsample: false, config);
        h = up1.Forward(h, skips, temb, context);
        Assert.Equal(new long[] { 2, 32, 8, 8 }, h.shape);
        Assert.Empty(skips);
    }

    [Fact]
    public void Autoencoder_blocks_keep_or_change_resolution_as_documented()
    {
        random.manual_seed(8);
        using var x = TestTensors.Normal(gen, 2, 16, 8, 8);
        var down = new DownEncoderBlock2D(16, 32, layers: 2, addDownsample: true, groups: 8, eps: 1e-6);
        using var d = down.Forward(x);
        Assert.Equal(new long[] { 2, 32, 4, 4 }, d.shape);
        var mid = new UNetMidBlock2D(32, groups: 8, eps: 1e-6);
        using var m = mid.Forward(d);
        Assert.Equal(d.shape, m.shape);
        var attention = new SpatialSelfAttention(32, heads: 1, groups: 8, eps: 1e-6);
        using var a = attention.Forward(d);
        Assert.Equal(d.shape, a.shape);
        var up = new UpDecoderBlock2D(32, 16, layers: 3, addUpsample: true, groups: 8, eps: 1e-6);
        using var u = up.Forward(m);
        Assert.Equal(new long[] { 2, 16, 8, 8 }, u.shape);
    }
}
