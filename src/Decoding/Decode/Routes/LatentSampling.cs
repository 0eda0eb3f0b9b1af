using Decoding.LatentDiffusion;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// Sampling a batch of items with per-item noise: each item's K initial noises come from its own generator
/// (<see cref="ItemGenerators"/>), so an item's images are the same whatever batch or shard it is decoded in. The
/// schedulers that draw at every step (DDPM, DDIM with η &gt; 0) then run one item at a time with that item's generator.
/// </summary>
internal static class LatentSampling
{
    /// <summary>Items per sampler call for the deterministic samplers.</summary>
    public const int ItemsPerBatch = 8;

    /// <summary>
    /// Images (N, K, C, S, S) in [0, 1]: <paramref name="contexts"/> gives each item's conditioning for its K rows
    /// (B K rows per call), <paramref name="startLatents"/> (scaled, (N, c, h, w)) makes it image-to-image at
    /// <paramref name="strength"/>; <paramref name="refinement"/> makes a step callback from a call's start latents and
    /// noise (ILVR).
    /// </summary>
    public static Tensor Sample(LatentDiffusionSampler sampler, DecodeBatch batch, int samples, SamplingOptions options,
        Func<int, int, GuidanceContexts> contexts, Tensor? startLatents = null, double strength = 1.0,
        Func<Tensor, Tensor, Diffusion.DenoisingStepCallback>? refinement = null)
    {
        bool perStepNoise = options.Sampler == SamplerKind.Ddpm || options.Eta != 0;
        int itemsPerCall = perStepNoise ? 1 : ItemsPerBatch;
        var chunks = new List<Tensor>();
        try
        {
            for (int start = 0; start < batch.Count; start += itemsPerCall)
            {
                using var scope = NewDisposeScope();
                int b = Math.Min(itemsPerCall, batch.Count - start);
                var guidance = contexts(start, b);                                                       // (b K, L, D)
                var noise = ItemGenerators.Normal(batch.Generators.Skip(start).Take(b).ToArray(), samples,
                    sampler.LatentShape(1)[1..], guidance.Conditional.device);                           // (b K, c, h, w)
                Tensor? start0 = startLatents?.narrow(0, start, b).repeat_interleave(samples, 0);         // (b K, c, h, w)
                var callback = refinement is not null && start0 is not null ? refinement(start0, noise) : null;
                var latents = sampler.Denoise(noise, strength, guidance, options, perStepNoise ? batch.Generators[start] : null, callback, start0);
                chunks.Add(ToImages(sampler, latents, b, samples).MoveToOuterDisposeScope());
            }
            return cat(chunks, 0);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <summary>
    /// Images (N, K, C, S, S) in [0, 1] from the DDIM-inverted start (<see cref="LatentDiffusionSampler.InvertAndDenoise"/>):
    /// each item's scaled start latent (<paramref name="startLatents"/>, (N, c, h, w)) inverted and denoised under its
    /// conditioning (<paramref name="contexts"/>: rows start .. start + b, one per item). No noise is drawn, so the K
    /// samples are copies of one image.
    /// </summary>
    public static Tensor SampleInverted(LatentDiffusionSampler sampler, Tensor startLatents, int samples, SamplingOptions options, double strength,
        Func<int, int, GuidanceContexts> contexts)
    {
        var chunks = new List<Tensor>();
        try
        {
            for (int start = 0; start < startLatents.shape[0]; start += ItemsPerBatch)
            {
                using var scope = NewDisposeScope();
                int b = (int)Math.Min(ItemsPerBatch, startLatents.shape[0] - start);
                var latents = sampler.InvertAndDenoise(startLatents.narrow(0, start, b), strength, contexts(start, b), options);   // (b, c, h, w)
                chunks.Add(ToImages(sampler, latents.repeat_interleave(samples, 0), b, samples).MoveToOuterDisposeScope());
            }
            return cat(chunks, 0);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <summary>Latents (b K, c, h, w) decoded to images (b, K, C, S, S) on the host.</summary>
    private static Tensor ToImages(LatentDiffusionSampler sampler, Tensor latents, int b, int samples)
    {
        var images = sampler.DecodeLatents(latents).to(ScalarType.Float32).to(TorchDevice.Host);                // (b K, C, S, S)
        return images.reshape(b, samples, images.shape[1], images.shape[2], images.shape[3]);
    }
}
