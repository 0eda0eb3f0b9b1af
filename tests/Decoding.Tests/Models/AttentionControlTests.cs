using Decoding.Models.Transformers;
using Decoding.Models.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

[Collection(ModelsCollection.Name)]
public class AttentionControlTests
{
    /// <summary>Keeps a copy of every call's probabilities.</summary>
    private sealed class RecordingControl : IAttentionControl
    {
        public List<(string Layer, int Heads, Tensor Probabilities)> Calls { get; } = [];

        public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities)
        {
            var copy = probabilities.detach().clone();
            copy.DetachFromDisposeScope();
            Calls.Add((layerName, heads, copy));
            return probabilities;
        }
    }

    /// <summary>Replaces the probabilities by uniform attention over the context tokens.</summary>
    private sealed class UniformControl : IAttentionControl
    {
        public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities)
            => torch.full_like(probabilities, 1.0 / probabilities.shape[2]);
    }

    /// <summary>Keeps a copy of every self-attention call's probabilities.</summary>
    private sealed class RecordingSelfControl : ISelfAttentionControl
    {
        public List<(string Layer, Tensor Probabilities)> Calls { get; } = [];

        public Tensor OnSelfAttention(string layerName, int heads, Tensor probabilities)
        {
            var copy = probabilities.detach().clone();
            copy.DetachFromDisposeScope();
            Calls.Add((layerName, copy));
            return probabilities;
        }
    }

    private sealed class WrongShapeControl : IAttentionControl
    {
        public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities)
            => probabilities[.., .., ..1];
    }

    private readonly UNet2DConditionModel unet;
    private readonly Tensor sample;
    private readonly Tensor context;
    private readonly Tensor timesteps = tensor(new long[] { 500, 20 });

    public AttentionControlTests()
    {
        random.manual_seed(51);
        unet = new UNet2DConditionModel(UNet2DConditionConfig.Tiny);
        var gen = new Generator(52);
        sample = TestTensors.Normal(gen, 2, 4, 8, 8);
        context = TestTensors.Normal(gen, 2, 7, 32);
    }

    [Fact]
    public void Every_cross_attention_reports_probabilities_that_sum_to_one_over_the_context()
    {
        var control = new RecordingControl();
        unet.AttentionControl = control;
        using (no_grad()) unet.Forward(sample, timesteps, context).Dispose();

        // Tiny: down_blocks.0 has 1 transformer, the mid block 1, up_blocks.1 (CrossAttnUpBlock2D) 2.
        string[] expected =
        [
            "down_blocks.0.attentions.0.transformer_blocks.0.attn2",
            "mid_block.attentions.0.transformer_blocks.0.attn2",
            "up_blocks.1.attentions.0.transformer_blocks.0.attn2",
            "up_blocks.1.attentions.1.transformer_blocks.0.attn2",
        ];
        Assert.Equal(expected, control.Calls.Select(c => c.Layer));
        Assert.Equal(expected.Order(StringComparer.Ordinal), unet.CrossAttentionLayerNames.Order(StringComparer.Ordinal));
        long[] positions = [64, 16, 64, 64]; // 8x8, 4x4 (mid block after one downsampling), 8x8, 8x8
        for (int i = 0; i < expected.Length; i++)
        {
            var (_, heads, p) = control.Calls[i];
            Assert.Equal(2, heads);
            Assert.Equal(new long[] { 2 * heads, positions[i], 7 }, p.shape);        // (B*heads, Lq, Lk)
            Assert.True(p.min().item<float>() >= 0f);
            using var rowSums = p.sum(-1);
            Assert.True(TestTensors.MaxAbsDifference(rowSums, torch.ones_like(rowSums)) < 1e-5f);
        }
    }

    [Fact]
    public void An_observing_control_leaves_the_output_unchanged()
    {
        // The written-out attention (used when a control is set) and scaled_dot_product_attention agree.
        using var _ = no_grad();
        unet.AttentionControl = null;
        using var baseline = unet.Forward(sample, timesteps, context);
        unet.AttentionControl = new RecordingControl();
        using var observed = unet.Forward(sample, timesteps, context);
        Assert.True(TestTensors.MaxAbsDifference(baseline, observed) < 1e-5f);
    }

    [Fact]
    public void A_control_that_replaces_the_probabilities_changes_the_output()
    {
        using var _ = no_grad();
        unet.AttentionControl = null;
        using var baseline = unet.Forward(sample, timesteps, context);
        unet.AttentionControl = new UniformControl();
        using var edited = unet.Forward(sample, timesteps, context);
        Assert.True(TestTensors.MaxAbsDifference(baseline, edited) > 1e-3f);
        unet.AttentionControl = null;
        using var restored = unet.Forward(sample, timesteps, context);
        Assert.True(TestTensors.MaxAbsDifference(baseline, restored) < 1e-6f);
    }

    [Fact]
    public void A_control_returning_the_wrong_shape_is_refused_with_the_layer_named()
    {
        unet.AttentionControl = new WrongShapeControl();
        using var _ = no_grad();
        var e = Assert.Throws<InvalidOperationException>(() => unet.Forward(sample, timesteps, context));
        Assert.Contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2", e.Message);
    }

    [Fact]
    public void Every_self_attention_reports_probabilities_over_latent_positions_and_observing_changes_nothing()
    {
        using var _ = no_grad();
        unet.AttentionControl = null;
        unet.SelfAttentionControl = null;
        using var baseline = unet.Forward(sample, timesteps, context);
        var control = new RecordingSelfControl();
        unet.SelfAttentionControl = control;
        using var observed = unet.Forward(sample, timesteps, context);
        unet.SelfAttentionControl = null;
        string[] expected =
        [
            "down_blocks.0.attentions.0.transformer_blocks.0.attn1",
            "mid_block.attentions.0.transformer_blocks.0.attn1",
            "up_blocks.1.attentions.0.transformer_blocks.0.attn1",
            "up_blocks.1.attentions.1.transformer_blocks.0.attn1",
        ];
        Assert.Equal(expected, control.Calls.Select(c => c.Layer));
        Assert.Equal(expected.Order(StringComparer.Ordinal), unet.SelfAttentionLayerNames.Order(StringComparer.Ordinal));
        long[] positions = [64, 16, 64, 64];
        for (int i = 0; i < expected.Length; i++)
        {
            var p = control.Calls[i].Probabilities;
            Assert.Equal(new long[] { 4, positions[i], positions[i] }, p.shape);      // (B*heads, Lq, Lq)
            using var rowSums = p.sum(-1);
            Assert.True(TestTensors.MaxAbsDifference(rowSums, torch.ones_like(rowSums)) < 1e-5f);
        }
        Assert.True(TestTensors.MaxAbsDifference(baseline, observed) < 1e-5f);
    }
}
