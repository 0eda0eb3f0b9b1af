using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// The latent diffusion model as its own category judge (a diffusion classifier: Li et al. 2023, "Your Diffusion
/// Model is Secretly a Zero-Shot Classifier"; Clark &amp; Jaini 2023). An image is encoded to its latent z_0, noised with
/// the same ε at a few fixed timesteps, and the UNet predicts its training target under each category's context; the
/// category whose context explains the noised latent best (lowest mean squared error, summed over the timesteps) is
/// the judge's answer:
/// <code>
///   z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε                       ε ~ N(0, I), shared by every category (paired differences)
///   k̂   = argmin_k  Σ_t ‖ target(z_0, ε, t) − UNet(z_t, t, τ_k) ‖²
/// </code>
/// It scores what <see cref="RouteSelection"/> calls category consistency: how far the generator itself recognises
/// the category in a decoded image. It uses nothing but the generator (no classifier, in particular not the
/// evaluation's scoring classifier), and every draw comes from one generator seeded by the caller.
/// </summary>
public sealed class DiffusionCategoryJudge
{
    /// <summary>Noise levels the judge compares at, as fractions of the training timesteps.</summary>
    public static IReadOnlyList<double> TimestepFractions { get; } = [0.1, 0.3, 0.5, 0.7];

    private const int ImagesPerCall = 16;

    private readonly TextToImagePipeline ldm;
    private readonly Tensor contexts;   // (K, L, D)
    private readonly int[] labels;      // stimulus-file category of each context
    private readonly long seed;

    /// <param name="ldm">The label-conditioned LDM; it must know every name in <paramref name="categoryNames"/>.</param>
    /// <param name="labels">The stimulus-file categories to choose among.</param>
    /// <param name="categoryNames">The stimulus file's category names, indexed by label.</param>
    public DiffusionCategoryJudge(TextToImagePipeline ldm, IReadOnlyList<int> labels, IReadOnlyList<string> categoryNames, long seed)
    {
        ArgumentNullException.ThrowIfNull(ldm);
        this.ldm = ldm;
        this.labels = [.. labels];
        this.seed = seed;
        var names = this.labels.Select(l => categoryNames[l]).ToList();
        foreach (var name in names)
            if (!ldm.ClassNames.Contains(name))
                throw new InvalidSettingException("ldm", null, $"does not know the category '{name}' (its classes: {string.Join(", ", ldm.ClassNames)})");
        using var noGrad = no_grad();
        contexts = ldm.Model.Conditioner.Encode(names);                                              // (K, L, D)
    }

    /// <summary>The category the generator finds in each image (N, C, S, S) in [0, 1].</summary>
    public int[] Categories(Tensor images)
    {
        var sampler = ldm.Sampler;
        var schedule = NoiseSchedule.FromConfig(sampler.Scheduler);
        int k = labels.Length;
        long n = images.shape[0];
        var answers = new int[n];
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        sampler.Unet.eval();
        var device = contexts.device;
        for (long start = 0; start < n; start += ImagesPerCall)
        {
            using var scope = NewDisposeScope();
            long b = Math.Min(ImagesPerCall, n - start);
            var z0 = sampler.EncodeImages(images.narrow(0, start, b).to(device));                    // (B, c, h, w)
            var error = zeros(new long[] { k, b }, device: device);                                 // (K, B)
            var context = contexts.repeat_interleave(b, dim: 0);                                    // (K B, L, D): category-major
            foreach (double fraction in TimestepFractions)
            {
                long t = (long)Math.Round(fraction * (sampler.Scheduler.NumTrainTimesteps - 1));
                var noise = randn(z0.shape, generator: generator).to(device);                       // ε, shared by the categories
                var timesteps = ScalarArithmetic.Full(new long[] { b }, t, ScalarType.Int64, device);
                var zt = ForwardProcess.AddNoise(schedule, z0, noise, timesteps);
                var target = ForwardProcess.TrainingTarget(sampler.Scheduler.PredictionType, schedule, z0, noise, timesteps);   // (B, c, h, w)
                var batch = zt.repeat(k, 1, 1, 1);                                                  // (K B, c, h, w)
                var output = sampler.Unet.Forward(batch, ScalarArithmetic.Full(new long[] { k * b }, t, ScalarType.Int64, device), context, null);
                error = error.Plus((output - target.repeat(k, 1, 1, 1)).Pow(2).mean([1, 2, 3]).reshape(k, b));
            }
            var best = TorchDevice.HostArray<long>(error.argmin(0));
            for (long i = 0; i < b; i++) answers[start + i] = labels[best[i]];
        }
        return answers;
    }
}
