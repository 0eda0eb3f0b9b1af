using Decoding.Decode;
using Decoding.LatentDiffusion;
using Decoding.Tests.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// The LDM as a diffusion classifier, on the smallest model that has learned its classes: a pixel-space LDM trained on
/// a bright disc and a horizontal bar, one prompt each (as in <see cref="TwoImageLatentDiffusionTests"/>).
/// </summary>
public sealed class DiffusionCategoryJudgeTests
{
    private static readonly string[] Names = ["disc", "bar"];

    /// <summary>Trained once for the class (the folder is left in the temporary directory).</summary>
    private static readonly Lazy<TextToImagePipeline> Model = new(() =>
    {
        string folder = new TempFolder().Path;
        var images = SyntheticImages.DiscsAndBars(size: 8, copies: 1);
        new LatentDiffusionTrainer(TestPresets.PixelSpace(steps: 150, learningRate: 3e-3), new IdentityFirstStage(1)).Train(images, folder, seed: 1).Model.Dispose();
        return new LatentDiffusionModelFolder(folder).LoadPipeline();
    });

    private static TextToImagePipeline ldm => Model.Value;

    /// <summary>Discs and bars with Gaussian pixel noise of standard deviation 0.15, clamped to [0, 1]: (2n, 1, 8, 8), discs first.</summary>
    private static Tensor NoisyShapes(int n, int seed)
    {
        using var disc = tensor(SyntheticImages.Disc(8, 8 / 3.0).Select(b => b / 255f).ToArray(), new long[] { 1, 1, 8, 8 });
        using var bar = tensor(SyntheticImages.Bar(8, 2).Select(b => b / 255f).ToArray(), new long[] { 1, 1, 8, 8 });
        using var clean = cat(new[] { disc.repeat(n, 1, 1, 1), bar.repeat(n, 1, 1, 1) }, 0);
        using var noise = randn(clean.shape, generator: new Generator((ulong)seed)) * 0.15;
        return (clean + noise).clamp(0, 1);
    }

    [Fact]
    public void Finds_the_shape_in_noisy_discs_and_bars_and_repeats_itself()
    {
        using var images = NoisyShapes(10, seed: 4);
        var judge = new DiffusionCategoryJudge(ldm, [0, 1], Names, seed: 3);
        var answers = judge.Categories(images);
        Assert.Equal(Enumerable.Repeat(0, 10).Concat(Enumerable.Repeat(1, 10)), answers);
        Assert.Equal(answers, new DiffusionCategoryJudge(ldm, [0, 1], Names, seed: 3).Categories(images));
        // With one category to choose from, that is the answer; the order of the categories does not matter.
        Assert.All(new DiffusionCategoryJudge(ldm, [1], Names, seed: 3).Categories(images), a => Assert.Equal(1, a));
        Assert.Equal(answers, new DiffusionCategoryJudge(ldm, [1, 0], Names, seed: 3).Categories(images));
    }

    [Fact]
    public void A_category_the_ldm_does_not_know_is_refused_by_name()
    {
        var e = Assert.Throws<InvalidSettingException>(() => new DiffusionCategoryJudge(ldm, [0, 1], ["disc", "zeppelin"], seed: 1));
        Assert.Contains("zeppelin", e.Message);
    }
}
