using Decoding.Models;
using Decoding.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

[Collection(ModelsCollection.Name)]
public class AutoencoderKLTests
{
    [Theory]
    [InlineData("tiny", 32, 8)]
    [InlineData("tiny", 16, 4)]
    [InlineData("small", 32, 8)]
    public void Encode_then_decode_gives_latent_and_image_shapes(string preset, int size, int latentSize)
    {
        var config = preset == "tiny" ? AutoencoderKLConfig.Tiny : AutoencoderKLConfig.Small;
        random.manual_seed(61);
        var vae = new AutoencoderKL(config);
        Assert.Equal(4, vae.DownsamplingFactor);
        var gen = new Generator(62);
        using var images = TestTensors.SmoothImages(gen, 2, 3, size);
        using var _ = no_grad();
        var posterior = vae.Encode(images);
        Assert.Equal(new long[] { 2, 4, latentSize, latentSize }, posterior.Mean.shape);
        Assert.Equal(posterior.Mean.shape, posterior.LogVar.shape);
        using var z = posterior.Sample(gen);
        Assert.Equal(posterior.Mean.shape, z.shape);
        using var decoded = vae.Decode(z);
        Assert.Equal(images.shape, decoded.shape);
    }

    [Fact]
    public void Encode_refuses_sizes_the_latent_grid_cannot_hold()
    {
        random.manual_seed(63);
        var vae = new AutoencoderKL(AutoencoderKLConfig.Tiny);
        using var images = torch.zeros(1, 3, 30, 32);
        var e = Assert.Throws<ArgumentException>(() => vae.Encode(images));
        Assert.Contains("divisible by 4", e.Message);
    }

    [Fact]
    public void Kl_of_a_standard_normal_posterior_is_zero_and_matches_hand_values_otherwise()
    {
        // μ = 0, log σ² = 0: ½ Σ (0 + 1 − 1 − 0) = 0 exactly.
        using var standard = torch.zeros(2, 8, 3, 3);
        var q = new DiagonalGaussianDistribution(standard);
        using var kl = q.Kl();
        Assert.Equal(new long[] { 2 }, kl.shape);
        Assert.Equal(new float[] { 0f, 0f }, kl.data<float>().ToArray());

        // μ = 1, log σ² = 0 on 4 x 3 x 3 = 36 latent elements: ½ Σ 1 = 18.
        // μ = 0, log σ² = ln 2 (σ² = 2): ½ Σ (2 − 1 − ln 2) = 18 (1 − ln 2).
        using var shifted = torch.cat([torch.ones(1, 4, 3, 3), torch.zeros(1, 4, 3, 3)], 1);
        using var wider = torch.cat([torch.zeros(1, 4, 3, 3), torch.full(1, 4, 3, 3, Math.Log(2.0))], 1);
        using var klShifted = new DiagonalGaussianDistribution(shifted).Kl();
        using var klWider = new DiagonalGaussianDistribution(wider).Kl();
        Assert.Equal(18f, klShifted.item<float>(), 4);
        Assert.Equal(18f * (1f - MathF.Log(2f)), klWider.item<float>(), 4);
    }

    [Fact]
    public void Posterior_clamps_the_log_variance_and_samples_reproducibly_from_its_generator()
    {
        using var moments = torch.cat([torch.zeros(1, 2, 2, 2), torch.full(1, 2, 2, 2, 100.0)], 1);
        var q = new DiagonalGaussianDistribution(moments);
        Assert.Equal(20f, q.LogVar.max().item<float>()); // clamped to [-30, 20] as in LDM
        using var a = q.Sample(new Generator(7));
        using var b = q.Sample(new Generator(7));
        using var c = q.Sample(new Generator(8));
        Assert.Equal(0f, TestTensors.MaxAbsDifference(a, b));
        Assert.True(TestTensors.MaxAbsDifference(a, c) > 0f);
        using var mode = q.Mode();
        Assert.Equal(0f, mode.abs().max().item<float>());
    }

    [Fact]
    public void Tiny_vae_learns_to_reconstruct_a_handful_of_smooth_images()
    {
        // Seeded before construction: TorchSharp draws initial weights from torch's global generator.
        random.manual_seed(64);
        var vae = new AutoencoderKL(AutoencoderKLConfig.Tiny);
        var data = new Generator(65);
        var sampling = new Generator(66);
        using var images = TestTensors.SmoothImages(data, 4, 3, 16); // 16x16 → 4x4 latent keeps 100 steps to seconds
        using var optimizer = optim.Adam(vae.parameters(), lr: 2e-3);
        var losses = new List<float>();
        for (int step = 0; step < 100; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var terms = AutoencoderKLLoss.Compute(vae, images, sampling);
            terms.Total.backward();
            optimizer.step();
            losses.Add(terms.Reconstruction.item<float>());
        }
        float start = losses.Take(5).Average();
        float end = losses.TakeLast(10).Average();
        Assert.True(end < 0.35f * start, $"reconstruction loss fell from {start} to only {end}");
    }

    [Fact]
    public void Loss_terms_follow_their_definitions()
    {
        random.manual_seed(67);
        var vae = new AutoencoderKL(AutoencoderKLConfig.Tiny);
        using var images = TestTensors.SmoothImages(new Generator(68), 2, 3, 32);
        using var _ = no_grad();
        var l1 = AutoencoderKLLoss.Compute(vae, images, new Generator(69), klWeight: 0.5);
        // Same generator seed → same posterior sample, so the terms can be recomputed here.
        var posterior = vae.Encode(images);
        using var decoded = vae.Decode(posterior.Sample(new Generator(69)));
        float expectedRec = (images - decoded).abs().sum().item<float>() / 2;   // per-image sum, batch mean
        float expectedKl = posterior.Kl().mean().item<float>();
        Assert.Equal(expectedRec, l1.Reconstruction.item<float>(), expectedRec * 1e-5f);
        Assert.Equal(expectedKl, l1.Kl.item<float>(), expectedKl * 1e-5f);
        Assert.Equal(expectedRec + 0.5f * expectedKl, l1.Total.item<float>(), expectedRec * 1e-5f);
        var mse = AutoencoderKLLoss.Compute(vae, images, new Generator(69), reconstruction: ReconstructionLoss.MeanSquaredError);
        float expectedMse = (images - decoded).pow(2).sum().item<float>() / 2;
        Assert.Equal(expectedMse, mse.Reconstruction.item<float>(), expectedMse * 1e-5f);
    }

    [Fact]
    public void Scaling_factor_and_parameter_counts_of_the_presets()
    {
        var meta = device("meta");
        Assert.Equal(0.18215, new AutoencoderKL(AutoencoderKLConfig.Sd15, meta).ScalingFactor);
        Assert.Equal(8, AutoencoderKLConfig.Sd15.DownsamplingFactor);
        Assert.InRange(ParameterListing.Count(new AutoencoderKL(AutoencoderKLConfig.Small, meta)), 1_000_000, 5_000_000);
    }
}
