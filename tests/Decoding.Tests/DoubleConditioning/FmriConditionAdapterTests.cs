using Decoding.DoubleConditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.DoubleConditioning;

public class FmriConditionAdapterTests
{
    private static FmriConditionAdapterConfig Tiny(FmriAdapterKind kind = FmriAdapterKind.TokenConv) => new()
    {
        FmriSequenceLength = 12, FmriLatentDim = 16, ContextTokens = 5, CrossAttentionDim = 8, TimeEmbedDim = 20, Kind = kind,
    };

    [Theory]
    [InlineData(FmriAdapterKind.TokenConv)]
    [InlineData(FmriAdapterKind.PooledCls)]
    public void Maps_brain_tokens_to_context_and_time_vector_of_the_configured_shapes(FmriAdapterKind kind)
    {
        random.manual_seed(1);
        using var adapter = new FmriConditionAdapter(Tiny(kind));
        using var tokens = randn(3, 13, 16); // (B, 1 + L, D_fmri)
        var c = adapter.forward(tokens);
        Assert.Equal(new long[] { 3, 5, 8 }, c.Context.shape);
        Assert.Equal(new long[] { 3, 20 }, c.TimeEmbedding!.shape);
    }

    [Fact]
    public void Without_the_CLS_token_in_the_encoder_the_adapter_takes_the_patch_tokens_as_they_are()
    {
        random.manual_seed(2);
        using var withCls = new FmriConditionAdapter(Tiny());
        using var patchesOnly = new FmriConditionAdapter(Tiny() with { ClsTokenInEncoder = false });
        patchesOnly.load_state_dict(withCls.state_dict());
        using var patches = randn(2, 12, 16);                                 // (B, L, D_fmri)
        using var cls = randn(2, 1, 16);
        using var tokens = cat(new[] { cls, patches }, 1);                   // (B, 1 + L, D_fmri)
        // The same weights map the same patch tokens to the same context, whichever layout carries them.
        var a = withCls.forward(tokens);
        var b = patchesOnly.forward(patches);
        Assert.True(a.Context.eq(b.Context).all().item<bool>());
        Assert.True(a.TimeEmbedding!.eq(b.TimeEmbedding!).all().item<bool>());
        // Each refuses the other's layout, naming what it expects.
        Assert.Contains("expected brain tokens (B, 12, 16) (12 patches)", Assert.Throws<ArgumentException>(() => patchesOnly.forward(tokens)).Message);
        Assert.Contains("expected brain tokens (B, 13, 16) (CLS + 12 patches)", Assert.Throws<ArgumentException>(() => withCls.forward(patches)).Message);
        // The pooled adapter reads the CLS token, so it cannot go without it.
        Assert.Contains("cls_token_in_encoder must be true",
            Assert.Throws<ArgumentException>(() => (Tiny(FmriAdapterKind.PooledCls) with { ClsTokenInEncoder = false }).Validate()).Message);
    }

    [Fact]
    public void A_config_written_before_the_field_existed_reads_as_the_CLS_layout_it_was_trained_with()
    {
        var old = System.Text.Json.JsonSerializer.Deserialize<FmriConditionAdapterConfig>(
            """{"fmri_seq_len": 12, "fmri_latent_dim": 16, "context_tokens": 5, "cross_attention_dim": 8, "time_embed_dim": 20, "kind": "TokenConv"}""")!;
        Assert.True(old.ClsTokenInEncoder);
        var written = System.Text.Json.JsonSerializer.Serialize(Tiny() with { ClsTokenInEncoder = false });
        Assert.Contains("\"cls_token_in_encoder\":false", written);
    }

    [Fact]
    public void Paper_defaults_give_a_77_by_512_context_and_a_768_time_vector()
    {
        // MinD-Vis's cond_stage_model: Conv1d L -> L/2 -> 77, Linear 1024 -> 512; Conv1d 77 -> 38 -> 1, Linear 512 -> 768.
        var config = new FmriConditionAdapterConfig { FmriSequenceLength = 8 };
        using var adapter = new FmriConditionAdapter(config);
        var shapes = adapter.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 4, 8, 1 }, shapes["channel_mapper.0.weight"]);
        Assert.Equal(new long[] { 77, 4, 1 }, shapes["channel_mapper.1.weight"]);
        Assert.Equal(new long[] { 512, 1024 }, shapes["dim_mapper.weight"]);
        Assert.Equal(new long[] { 38, 77, 1 }, shapes["time_channel_mapper.0.weight"]);
        Assert.Equal(new long[] { 1, 38, 1 }, shapes["time_channel_mapper.1.weight"]);
        Assert.Equal(new long[] { 768, 512 }, shapes["time_dim_mapper.weight"]);
        Assert.Equal(new long[] { 1, 77, 512 }, shapes["null_context"]);
    }

    [Fact]
    public void Different_brain_activity_gives_different_context()
    {
        random.manual_seed(2);
        using var adapter = new FmriConditionAdapter(Tiny());
        using var a = randn(1, 13, 16);
        using var b = randn(1, 13, 16);
        Assert.False(adapter.forward(a).Context.allclose(adapter.forward(b).Context));
    }

    [Fact]
    public void Wrong_token_shape_is_rejected_with_both_shapes_named()
    {
        using var adapter = new FmriConditionAdapter(Tiny());
        using var wrong = zeros(2, 12, 16); // CLS missing
        var e = Assert.Throws<ArgumentException>(() => adapter.forward(wrong));
        Assert.Contains("(B, 13, 16)", e.Message);
        Assert.Contains("(2, 12, 16)", e.Message);
    }

    [Fact]
    public void Condition_dropout_replaces_all_with_p1_and_none_with_p0()
    {
        random.manual_seed(3);
        using var adapter = new FmriConditionAdapter(Tiny());
        using var tokens = randn(4, 13, 16);
        var c = adapter.forward(tokens);
        var none = adapter.DropConditions(c, 0.0, new Generator(0));
        Assert.True(none.Context.eq(c.Context).all().item<bool>());
        var all = adapter.DropConditions(c, 1.0, new Generator(0));
        var uncond = adapter.NullCondition(4);
        Assert.True(all.Context.eq(uncond.Context).all().item<bool>());
        Assert.True(all.TimeEmbedding!.allclose(uncond.TimeEmbedding!));
        // p = 0.5 over 400 samples drops about half (binomial sd = 10).
        using var many = randn(400, 13, 16);
        var cm = adapter.forward(many);
        var half = adapter.DropConditions(cm, 0.5, new Generator(7));
        var nullCtx = adapter.NullCondition(1).Context;
        int dropped = 0;
        for (int i = 0; i < 400; i++) if (half.Context[i].unsqueeze(0).eq(nullCtx).all().item<bool>()) dropped++;
        Assert.InRange(dropped, 160, 240);
    }

    [Fact]
    public void Invalid_config_names_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => new FmriConditionAdapterConfig { ContextTokens = 0 }.Validate());
        Assert.Contains("context_tokens", e.Message);
    }
}
