using Fmri.MaskedBrainModeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

public class MaskedPatchLossTests
{
    [Fact]
    public void Hand_computed_example_counts_only_the_masked_patch()
    {
        // One sample, two patches of two voxels. Patch 0 is visible (mask 0): its error ((1-0)^2 + (2-0)^2) / 2 = 2.5
        // must not count. Patch 1 is masked: ((3-3)^2 + (4-6)^2) / 2 = 2; loss = 2 / 1 masked patch = 2.
        using var predicted = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 2, 2);
        using var target = tensor(new float[] { 0, 0, 3, 6 }).reshape(1, 2, 2);
        using var mask = tensor(new float[] { 0, 1 }).reshape(1, 2);
        using var loss = MaskedPatchLoss.Compute(predicted, target, mask, normalize: false);
        Assert.Equal(2.0, loss.ToDouble(), 6);
    }

    [Fact]
    public void Changing_visible_patches_leaves_the_loss_unchanged_and_changing_a_masked_patch_does_not()
    {
        using var generator = new Generator(7);
        using var predicted = randn(new long[] { 3, 8, 4 }, generator: generator);
        using var target = randn(new long[] { 3, 8, 4 }, generator: generator);
        using var mask = rand(new long[] { 3, 8 }, generator: generator).lt(0.5).to_type(ScalarType.Float32);
        using var visible = (1 - mask).unsqueeze(-1);   // (3, 8, 1), 1 on visible patches
        Assert.True(mask.sum().ToDouble() is > 0 and < 24);   // both kinds present in this draw
        using var baseline = MaskedPatchLoss.Compute(predicted, target, mask, normalize: false);

        using var noise = randn(new long[] { 3, 8, 4 }, generator: generator) * 10;
        using var predictedVisibleChanged = predicted + noise * visible;
        using var targetVisibleChanged = target - noise * visible;
        using var afterVisibleChange = MaskedPatchLoss.Compute(predictedVisibleChanged, targetVisibleChanged, mask, normalize: false);
        Assert.Equal(baseline.ToDouble(), afterVisibleChange.ToDouble(), 6);

        using var maskedOnly = noise * mask.unsqueeze(-1);
        using var predictedMaskedChanged = predicted + maskedOnly;
        using var afterMaskedChange = MaskedPatchLoss.Compute(predictedMaskedChanged, target, mask, normalize: false);
        Assert.True(Math.Abs(afterMaskedChange.ToDouble() - baseline.ToDouble()) > 1e-3);
    }

    [Fact]
    public void Normalised_targets_are_standardised_per_patch()
    {
        // Patch [1, 2, 3]: mean 2, unbiased variance ((1)^2 + 0 + (1)^2) / 2 = 1 -> [-1, 0, 1] / sqrt(1 + 1e-6).
        // Patch [2, 2, 8]: mean 4, unbiased variance (4 + 4 + 16) / 2 = 12 -> [-2, -2, 4] / sqrt(12 + 1e-6).
        using var target = tensor(new float[] { 1, 2, 3, 2, 2, 8 }).reshape(1, 2, 3);
        using var normalized = MaskedPatchLoss.NormalizedTarget(target);
        double s1 = Math.Sqrt(1 + 1e-6), s2 = Math.Sqrt(12 + 1e-6);
        var expected = new[] { -1 / s1, 0, 1 / s1, -2 / s2, -2 / s2, 4 / s2 };
        var actual = normalized.data<float>().ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], actual[i], 1e-6);

        // With normalisation, predicting the standardised patch exactly gives zero loss.
        using var mask = ones(1, 2);
        using var loss = MaskedPatchLoss.Compute(normalized, target, mask, normalize: true);
        Assert.Equal(0.0, loss.ToDouble(), 6);
    }

    [Fact]
    public void Nothing_masked_gives_zero_loss()
    {
        using var predicted = ones(2, 3, 4);
        using var target = zeros(2, 3, 4);
        using var mask = zeros(2, 3);
        using var loss = MaskedPatchLoss.Compute(predicted, target, mask, normalize: false);
        Assert.Equal(0.0, loss.ToDouble());
    }

    [Fact]
    public void Model_forward_loss_is_the_mean_squared_error_over_masked_patches()
    {
        // Recompute the forward's loss from its own predictions with plain loops: the mean over masked patches of
        // the per-patch mean squared error against the input voxels.
        var config = MaskedBrainAutoencoderConfig.Tiny(64);
        using var init = new Generator(1);
        using var model = new MaskedBrainAutoencoder(config, init);
        using var generator = new Generator(2);
        using var voxels = randn(new long[] { 3, 64 }, generator: generator);
        var (loss, predicted, mask) = model.Forward(voxels, generator);
        using (loss) using (predicted) using (mask)
        {
            var p = predicted.data<float>().ToArray();
            var x = voxels.data<float>().ToArray();
            var m = mask.data<float>().ToArray();
            double sum = 0;
            int maskedPatches = 0;
            for (int n = 0; n < 3; n++)
                for (int l = 0; l < 4; l++)
                {
                    if (m[n * 4 + l] == 0) continue;
                    double patchError = 0;
                    for (int v = 0; v < 16; v++)
                    {
                        double e = p[(n * 4 + l) * 16 + v] - x[n * 64 + l * 16 + v];
                        patchError += e * e;
                    }
                    sum += patchError / 16;
                    maskedPatches++;
                }
            Assert.Equal(3 * 3, maskedPatches);   // 4 patches, 75% masked -> 3 per sample
            Assert.Equal(sum / maskedPatches, loss.ToDouble(), 5);
        }
    }
}
