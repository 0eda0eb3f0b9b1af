using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// Samples images from fMRI with a trained <see cref="DoubleConditionedLdm"/>: each voxel vector's conditioning
/// (context and added time embedding) is repeated K times and handed, with the adapter's null condition for
/// classifier-free guidance, to <see cref="LatentDiffusionSampler"/> (MinD-Vis: PLMS, 250 steps, 5 samples, no guidance).
/// </summary>
public static class BrainDecoder
{
    /// <summary>Items decoded per sampler call.</summary>
    public const int ItemsPerBatch = 8;

    /// <param name="voxels">(N, V) voxel vectors.</param>
    /// <param name="samples">Images per item, K.</param>
    /// <returns>(N, K, C, S, S) images in [0, 1].</returns>
    public static Tensor Decode(DoubleConditionedLdm model, FirstStage firstStage, Tensor voxels, int samples, SamplingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        Check.AtLeast(samples, 1, "samples");
        model.eval();
        var sampler = new LatentDiffusionSampler(model.Unet, firstStage, model.Config.Scheduler, model.Config.ImageSize);
        using var noGrad = no_grad();
        var chunks = new List<Tensor>();
        long n = voxels.shape[0];
        for (long start = 0; start < n; start += ItemsPerBatch)
        {
            using var scope = NewDisposeScope();
            long b = Math.Min(ItemsPerBatch, n - start);
            var condition = model.Condition(voxels.narrow(0, start, b));
            var context = condition.Context.repeat_interleave(samples, 0);                       // (bK, T, D_ctx)
            var time = condition.TimeEmbedding?.repeat_interleave(samples, 0);                   // (bK, D_time)
            var nullCondition = model.Adapter.NullCondition(b * samples);
            var contexts = new GuidanceContexts(context, nullCondition.Context, time, time is null ? null : nullCondition.TimeEmbedding);
            var images = sampler.Sample(contexts, options, generator);                           // (bK, C, S, S)
            chunks.Add(images.reshape(b, samples, images.shape[1], images.shape[2], images.shape[3]).MoveToOuterDisposeScope());   // (b, K, C, S, S)
        }
        var result = cat(chunks, 0);
        foreach (var c in chunks) c.Dispose();
        return result;
    }
}
