using Decoding.LatentDiffusion;
using Decoding.Models.Transformers;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// How much a model's images depend on the structure of its attention maps, the lever Prompt-to-Prompt pulls: the
/// same prompts and noise are sampled once as usual, once with every self-attention map replaced by uniform attention
/// over the latent positions, and once with every cross-attention map replaced by uniform attention over the context
/// tokens (all layers, all steps, both halves of guidance). Small differences mean that injecting or re-weighting maps
/// can change little: the model carries layout in its convolutions and uses cross-attention as a global signal.
/// </summary>
public static class AttentionLeverage
{
    /// <summary>Mean absolute pixel change (images in [0, 1]) under uniform self-attention and under uniform cross-attention.</summary>
    /// <param name="seed">Seed of the noise, the same for the three runs.</param>
    public static (double UniformSelf, double UniformCross) Measure(TextToImagePipeline pipeline, IReadOnlyList<string> prompts, SamplingOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var unet = pipeline.Model.Unet;
        using var baseline = pipeline.Generate(prompts, options, new Generator((ulong)seed));
        try
        {
            unet.SelfAttentionControl = new UniformAttention();
            using var uniformSelf = pipeline.Generate(prompts, options, new Generator((ulong)seed));
            unet.SelfAttentionControl = null;
            unet.AttentionControl = new UniformAttention();
            using var uniformCross = pipeline.Generate(prompts, options, new Generator((ulong)seed));
            using var self = (uniformSelf - baseline).abs().mean();
            using var cross = (uniformCross - baseline).abs().mean();
            return (self.item<float>(), cross.item<float>());
        }
        finally
        {
            unet.SelfAttentionControl = null;
            unet.AttentionControl = null;
        }
    }

    /// <summary>Replaces every map by uniform attention over its keys.</summary>
    private sealed class UniformAttention : IAttentionControl, ISelfAttentionControl
    {
        public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities) => Uniform(probabilities);

        public Tensor OnSelfAttention(string layerName, int heads, Tensor probabilities) => Uniform(probabilities);

        private static Tensor Uniform(Tensor p) => full_like(p, 1.0 / p.shape[2]);
    }
}
