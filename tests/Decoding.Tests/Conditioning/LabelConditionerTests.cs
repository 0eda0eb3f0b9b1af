using Decoding.Conditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Conditioning;

public class LabelConditionerTests
{
    private static (LabelConditioner Conditioner, WordTokenizer Tokenizer) Build(ulong seed = 0)
    {
        var tokenizer = WordTokenizer.FromClassNames(WordTokenizerTests.FashionMnistClasses);
        var config = LabelConditionerConfig.Tiny(tokenizer.VocabularySize);
        var conditioner = new LabelConditioner(config, tokenizer, new Generator(seed));
        conditioner.eval();
        return (conditioner, tokenizer);
    }

    [Fact]
    public void Context_has_shape_batch_by_tokens_by_width()
    {
        var (conditioner, _) = Build();
        using var _ = no_grad();
        using var context = conditioner.Encode(["Sandal", "Ankle boot", "Bag"]);
        Assert.Equal(new long[] { 3, 8, 32 }, context.shape); // (B, L = 8 tokens, D = tiny hidden 32)
        Assert.True(context.isfinite().all().item<bool>());
    }

    [Fact]
    public void Different_prompts_give_different_contexts_and_equal_prompts_equal_ones()
    {
        var (conditioner, _) = Build();
        using var _ = no_grad();
        using var context = conditioner.Encode(["Sandal", "Sneaker", "Sandal"]);
        float different = (context[0] - context[1]).abs().max().item<float>();
        float same = (context[0] - context[2]).abs().max().item<float>();
        Assert.True(different > 1e-2f, $"contexts of Sandal and Sneaker differ by only {different}");
        Assert.Equal(0f, same);
    }

    [Fact]
    public void Null_context_has_the_context_shape_and_differs_from_prompts()
    {
        var (conditioner, _) = Build();
        using var _ = no_grad();
        using var nullContext = conditioner.NullContext(4);
        Assert.Equal(new long[] { 4, 8, 32 }, nullContext.shape);
        Assert.Equal(0f, (nullContext[0] - nullContext[3]).abs().max().item<float>());
        using var sandal = conditioner.Encode(["Sandal"]);
        Assert.True((sandal[0] - nullContext[0]).abs().max().item<float>() > 1e-2f);
    }

    [Fact]
    public void Converting_the_module_converts_the_null_context()
    {
        // TorchSharp replaces parameter objects on .to(); the null_context field must follow.
        var (conditioner, _) = Build();
        conditioner.to(ScalarType.Float64);
        using var _ = no_grad();
        using var nullContext = conditioner.NullContext(2);
        using var context = conditioner.Encode(["Bag", "Coat"]);
        Assert.Equal(ScalarType.Float64, nullContext.dtype);
        Assert.Equal(ScalarType.Float64, context.dtype);
    }

    [Fact]
    public void Padded_positions_are_not_attended_to()
    {
        // Changing the <pad> embedding changes the outputs at padded positions but not at the real tokens
        // (<bos>, words, <eos>), because padded keys are masked out of every attention.
        var (conditioner, tokenizer) = Build();
        using var _ = no_grad();
        using var before = conditioner.Encode(["Ankle boot"]); // real tokens at positions 0..3
        var tokenEmbedding = conditioner.named_parameters().Single(p => p.name == "token_embedding.weight").parameter;
        // A random change: a constant shift would be removed by the pre-norm LayerNorms anyway.
        tokenEmbedding[WordTokenizer.PadId].add_(randn(new long[] { 32 }, generator: new Generator(3)));
        using var after = conditioner.Encode(["Ankle boot"]);
        Assert.Equal(0f, (before[0, ..4] - after[0, ..4]).abs().max().item<float>());
        Assert.True((before[0, 4..] - after[0, 4..]).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        var (a, _) = Build(seed: 5);
        var (b, _) = Build(seed: 5);
        var (c, _) = Build(seed: 6);
        using var _ = no_grad();
        using var ca = a.Encode(["Coat"]);
        using var cb = b.Encode(["Coat"]);
        using var cc = c.Encode(["Coat"]);
        Assert.Equal(ca.data<float>().ToArray(), cb.data<float>().ToArray());
        Assert.NotEqual(ca.data<float>().ToArray(), cc.data<float>().ToArray());
    }

    [Fact]
    public void Parameter_names_follow_the_clip_text_model()
    {
        var (conditioner, _) = Build();
        var names = conditioner.state_dict().Keys.ToList();
        // Approved listing for the tiny config (2 layers), in registration order.
        string[] layer(int n) =>
        [
            $"layers.{n}.layer_norm1.weight", $"layers.{n}.layer_norm1.bias",
            $"layers.{n}.self_attn.q_proj.weight", $"layers.{n}.self_attn.q_proj.bias",
            $"layers.{n}.self_attn.k_proj.weight", $"layers.{n}.self_attn.k_proj.bias",
            $"layers.{n}.self_attn.v_proj.weight", $"layers.{n}.self_attn.v_proj.bias",
            $"layers.{n}.self_attn.out_proj.weight", $"layers.{n}.self_attn.out_proj.bias",
            $"layers.{n}.layer_norm2.weight", $"layers.{n}.layer_norm2.bias",
            $"layers.{n}.mlp.fc1.weight", $"layers.{n}.mlp.fc1.bias",
            $"layers.{n}.mlp.fc2.weight", $"layers.{n}.mlp.fc2.bias",
        ];
        string[] expected =
        [
            "token_embedding.weight", "position_embedding.weight", .. layer(0), .. layer(1),
            "final_layer_norm.weight", "final_layer_norm.bias", "null_context",
        ];
        Assert.Equal(expected.Order(), names.Order());
    }

    [Fact]
    public void Condition_dropout_replaces_whole_contexts_with_the_null_context()
    {
        var (conditioner, _) = Build();
        using var _ = no_grad();
        using var context = conditioner.Encode(["Bag", "Coat", "Dress", "Shirt", "Sandal", "Trouser"]);
        using var all = conditioner.DropContexts(context, 1.0, new Generator(1));
        using var none = conditioner.DropContexts(context, 0.0, new Generator(1));
        using var nullContext = conditioner.NullContext(6);
        Assert.Equal(nullContext.data<float>().ToArray(), all.data<float>().ToArray());
        Assert.Equal(context.data<float>().ToArray(), none.data<float>().ToArray());
    }

    [Fact]
    public void Mismatched_tokenizer_and_config_are_refused()
    {
        var tokenizer = WordTokenizer.FromClassNames(WordTokenizerTests.FashionMnistClasses);
        var e = Assert.Throws<ArgumentException>(() => new LabelConditioner(LabelConditionerConfig.Tiny(20), tokenizer, new Generator(0)));
        Assert.Contains("vocab_size 20", e.Message);
        var bad = LabelConditionerConfig.Tiny(16) with { NumAttentionHeads = 3 };
        Assert.Contains("hidden_size (32) must be divisible by num_attention_heads (3)",
            Assert.Throws<ArgumentException>(() => new LabelConditioner(bad, tokenizer, new Generator(0))).Message);
    }
}
