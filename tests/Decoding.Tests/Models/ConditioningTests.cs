using Decoding.Models.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

/// <summary>Both conditioning paths of the UNet reach its output (MinD-Vis' cross-attention context and the
/// vector added to the time embedding).</summary>
[Collection(ModelsCollection.Name)]
public class ConditioningTests
{
    private readonly UNet2DConditionModel unet;
    private readonly Tensor sample;
    private readonly Tensor timesteps;
    private readonly Tensor context;
    private readonly Generator gen = new(42);

    public ConditioningTests()
    {
        random.manual_seed(41);
        unet = new UNet2DConditionModel(UNet2DConditionConfig.Tiny);
        sample = TestTensors.Normal(gen, 2, 4, 8, 8);
        timesteps = tensor(new long[] { 250, 250 });
        context = TestTensors.Normal(gen, 2, 6, 32);
    }

    [Fact]
    public void Added_time_embedding_changes_the_output_and_zeros_change_nothing()
    {
        using var _ = no_grad();
        using var baseline = unet.Forward(sample, timesteps, context);
        using var zeros = torch.zeros(2, unet.TimeEmbeddingDim);
        using var withZeros = unet.Forward(sample, timesteps, context, zeros);
        Assert.Equal(0f, TestTensors.MaxAbsDifference(baseline, withZeros));
        using var extra = TestTensors.Normal(gen, 2, unet.TimeEmbeddingDim);
        using var conditioned = unet.Forward(sample, timesteps, context, extra);
        Assert.True(TestTensors.MaxAbsDifference(baseline, conditioned) > 1e-3f);
    }

    [Fact]
    public void Context_changes_the_output()
    {
        using var _ = no_grad();
        using var baseline = unet.Forward(sample, timesteps, context);
        using var other = TestTensors.Normal(gen, 2, 6, 32);
        using var changed = unet.Forward(sample, timesteps, other);
        Assert.True(TestTensors.MaxAbsDifference(baseline, changed) > 1e-3f);
        // The context may have any number of tokens.
        using var longer = TestTensors.Normal(gen, 2, 77, 32);
        using var withLonger = unet.Forward(sample, timesteps, longer);
        Assert.Equal(baseline.shape, withLonger.shape);
    }

    [Fact]
    public void Scalar_timestep_equals_the_same_timestep_for_every_sample_and_timestep_matters()
    {
        using var _ = no_grad();
        using var perSample = unet.Forward(sample, timesteps, context);
        using var scalar = unet.Forward(sample, tensor(250L), context);
        Assert.True(TestTensors.MaxAbsDifference(perSample, scalar) < 1e-6f);
        using var later = unet.Forward(sample, tensor(900L), context);
        Assert.True(TestTensors.MaxAbsDifference(perSample, later) > 1e-3f);
    }

    [Fact]
    public void Gradients_reach_the_cross_attention_and_time_conditioning_parameters()
    {
        // MinD-Vis fine-tunes attn2, norm2 and the time-conditioning parameters; all must receive gradients.
        using var extra = TestTensors.Normal(gen, 2, unet.TimeEmbeddingDim).requires_grad_();
        using var output = unet.Forward(sample, timesteps, context, extra);
        using var loss = output.pow(2).mean();
        loss.backward();
        foreach (var (name, p) in unet.named_parameters())
        {
            if (name.Contains(".attn2.") || name.Contains(".norm2.") || name.StartsWith("time_embedding.", StringComparison.Ordinal))
            {
                Assert.True(p.grad is not null, $"{name} has no gradient");
                Assert.True(p.grad!.abs().sum().item<float>() > 0f, $"{name} has a zero gradient");
            }
        }
        Assert.True(extra.grad is not null && extra.grad.abs().sum().item<float>() > 0f);
    }
}
