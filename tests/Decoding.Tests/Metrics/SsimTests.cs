using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class SsimTests
{
    [Fact]
    public void Ssim_of_an_image_with_itself_is_exactly_one()
    {
        // SSIM(x, x): numerator and denominator of eq. 13 are the same products, so every local value is 1.
        var random = new Random(1);
        var image = new ImageTensor(20, 17, 3, Enumerable.Range(0, 20 * 17 * 3).Select(_ => (float)random.NextDouble()).ToArray());
        Assert.Equal(1.0, Ssim.Compute(image, image));
    }

    [Fact]
    public void Ssim_matches_scikit_image_on_the_committed_pairs()
    {
        // Reference values: Fixtures/ssim_pair.json, computed by scikit-image (see SsimFixturePair).
        var pairs = SsimFixturePair.Load();
        Assert.Equal(new[] { "grey", "rgb", "grey_margin" }, pairs.Select(p => p.Name).ToArray());
        foreach (var pair in pairs)
        {
            double ssim = Ssim.Compute(pair.A, pair.B);
            Assert.True(Math.Abs(ssim - pair.Ssim) < 1e-6, $"{pair.Name}: SSIM {ssim:R}, scikit-image {pair.Ssim:R}");
            Assert.True(pair.Ssim < 0.95, "the fixture pair must differ enough to test something");
            Assert.Equal(ssim, Ssim.Compute(pair.B, pair.A), 12); // symmetric
        }
        var batch = Ssim.Compute(pairs.Select(p => p.A).ToList(), pairs.Select(p => p.B).ToList());
        Assert.Equal(pairs.Average(p => p.Ssim), batch.Mean, 6);
    }

    [Fact]
    public void The_column_wise_ssim_matches_the_published_evaluation_call_in_scikit_image()
    {
        // Reference values: scikit-image 0.19.3 with MindEye's and Brain-Diffuser's call (rgb2gray, multichannel=True on
        // the 2-D greyscale arrays), Fixtures/ssim_pair.json.
        foreach (var pair in SsimFixturePair.Load())
        {
            double columnWise = Ssim.ComputeColumnWise(pair.A, pair.B);
            Assert.True(Math.Abs(columnWise - pair.SsimColumnWise) < 1e-6, $"{pair.Name}: column-wise SSIM {columnWise:R}, scikit-image {pair.SsimColumnWise:R}");
            Assert.True(Math.Abs(columnWise - pair.Ssim) > 0.02, $"{pair.Name}: the two SSIMs must differ for the pair to test the difference");
            Assert.Equal(columnWise, Ssim.ComputeColumnWise(pair.B, pair.A), 12);
        }
    }

    [Fact]
    public void A_constant_column_scores_one_in_the_column_wise_ssim()
    {
        // Two unrelated 12x3 images whose middle column is black in both: columns 0 and 2 differ, column 1 scores exactly 1,
        // so the mean is (s0 + 1 + s2) / 3, which the same images without that column cannot reach.
        var random = new Random(4);
        float[] Pixels() => Enumerable.Range(0, 36).Select(i => i % 3 == 1 ? 0f : (float)random.NextDouble()).ToArray();
        var (a, b) = (new ImageTensor(12, 3, 1, Pixels()), new ImageTensor(12, 3, 1, Pixels()));
        var outer = (new ImageTensor(12, 1, 1, Enumerable.Range(0, 12).Select(r => a.Pixels[3 * r]).ToArray()),
                     new ImageTensor(12, 1, 1, Enumerable.Range(0, 12).Select(r => b.Pixels[3 * r]).ToArray()));
        var last = (new ImageTensor(12, 1, 1, Enumerable.Range(0, 12).Select(r => a.Pixels[3 * r + 2]).ToArray()),
                    new ImageTensor(12, 1, 1, Enumerable.Range(0, 12).Select(r => b.Pixels[3 * r + 2]).ToArray()));
        double expected = (Ssim.ComputeColumnWise(outer.Item1, outer.Item2) + 1 + Ssim.ComputeColumnWise(last.Item1, last.Item2)) / 3;
        Assert.Equal(expected, Ssim.ComputeColumnWise(a, b), 12);
    }

    [Fact]
    public void Gaussian_window_is_normalised_and_symmetric()
    {
        // 11 taps, sigma 1.5: w_i proportional to exp(-(i-5)^2 / 4.5); centre / edge = exp(25 / 4.5) = 258.7.
        var w = Ssim.GaussianWindow1D(11, 1.5);
        Assert.Equal(11, w.Length);
        Assert.Equal(1.0, w.Sum(), 12);
        Assert.Equal(Math.Exp(25 / 4.5), w[5] / w[0], 9);
        for (int i = 0; i < 11; i++) Assert.Equal(w[i], w[10 - i], 15);
    }

    [Fact]
    public void Image_smaller_than_the_window_is_rejected()
    {
        var small = new ImageTensor(10, 30, 1, new float[300]);
        var e = Assert.Throws<ArgumentException>(() => Ssim.Compute(small, small));
        Assert.Contains("11x11", e.Message);
    }

    [Fact]
    public void Ssim_drops_for_a_noisier_copy()
    {
        var random = new Random(3);
        var clean = new float[32 * 32];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++) clean[y * 32 + x] = (float)(0.5 + 0.4 * Math.Sin(x / 3.0) * Math.Cos(y / 4.0));
        float[] Noisy(double amplitude) => clean.Select(v => Math.Clamp(v + (float)(amplitude * (random.NextDouble() - 0.5)), 0f, 1f)).ToArray();
        var image = new ImageTensor(32, 32, 1, clean);
        double slightly = Ssim.Compute(image, new ImageTensor(32, 32, 1, Noisy(0.05)));
        double heavily = Ssim.Compute(image, new ImageTensor(32, 32, 1, Noisy(0.5)));
        Assert.True(1.0 > slightly && slightly > heavily, $"SSIM 1 > {slightly} > {heavily} expected");
    }
}
