using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class PixCorrTests
{
    [Fact]
    public void PixCorr_matches_hand_computation()
    {
        // a = [0, 0.5, 1, 0.5] -> centred [-0.5, 0, 0.5, 0], sum of squares 0.5.
        // b = [0.25, 0.5, 0.75, 1] -> centred [-0.375, -0.125, 0.125, 0.375], sum of squares 0.3125.
        // Cross sum 0.1875 + 0.0625 = 0.25; r = 0.25 / sqrt(0.5 * 0.3125) = sqrt(0.0625 / 0.15625) = sqrt(0.4).
        var a = new ImageTensor(2, 2, 1, new[] { 0f, 0.5f, 1f, 0.5f });
        var b = new ImageTensor(2, 2, 1, new[] { 0.25f, 0.5f, 0.75f, 1f });
        Assert.Equal(Math.Sqrt(0.4), PixCorr.Compute(a, b), 12);
        var batch = PixCorr.Compute(new[] { a, a }, new[] { b, a });
        Assert.Equal(Math.Sqrt(0.4), batch.PerItem[0], 12);
        Assert.Equal(1.0, batch.PerItem[1], 12);
        Assert.Equal((Math.Sqrt(0.4) + 1.0) / 2, batch.Mean, 12);
        Assert.Null(batch.Chance);
    }

    [Fact]
    public void PixCorr_matches_numpy_on_the_committed_pairs()
    {
        // Reference: numpy.corrcoef of the flattened H x W x C pixels (Fixtures/make_ssim_fixture.py).
        foreach (var pair in SsimFixturePair.Load())
            Assert.True(Math.Abs(PixCorr.Compute(pair.A, pair.B) - pair.PixCorr) < 1e-6, pair.Name);
    }

    [Fact]
    public void Constant_image_and_shape_mismatch_are_rejected()
    {
        var flat = new ImageTensor(2, 2, 1, new[] { 0.5f, 0.5f, 0.5f, 0.5f });
        var other = new ImageTensor(2, 2, 1, new[] { 0f, 0.5f, 1f, 0.5f });
        Assert.Contains("stimuli[0]", Assert.Throws<ArgumentException>(() => PixCorr.Compute(new[] { other }, new[] { flat })).Message);
        var rgb = new ImageTensor(2, 2, 3, new float[12]);
        Assert.Throws<ArgumentException>(() => PixCorr.Compute(other, rgb));
    }
}
