using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.LatentDiffusion;

/// <summary>
/// End to end on the smallest problem that shows class conditioning works: a bright disc and a horizontal bar, one
/// prompt each. The first stage is the identity (pixel-space diffusion, v-prediction), so the test isolates UNet, conditioner,
/// condition dropout, EMA and the guided sampler.
/// </summary>
public class TwoImageLatentDiffusionTests
{
    [Fact]
    public void Each_prompt_generates_images_closer_to_its_own_training_image()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.DiscsAndBars(size: 8, copies: 1);
        var preset = TestPresets.PixelSpace(steps: 150, learningRate: 3e-3);
        var trainer = new LatentDiffusionTrainer(preset, new IdentityFirstStage(1));
        var result = trainer.Train(images, folder.Path, seed: 1);
        Assert.Equal(150, result.Steps);

        var pipeline = new LatentDiffusionModelFolder(folder.Path).LoadPipeline();
        string[] prompts = ["disc", "disc", "disc", "disc", "bar", "bar", "bar", "bar"];
        var options = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 20, GuidanceScale = 2.0 };
        using var samples = pipeline.Generate(prompts, options, new Generator(7));                   // (8, 1, 8, 8) in [0, 1]
        using var disc = tensor(SyntheticImages.Disc(8, 8 / 3.0).Select(b => b / 255f).ToArray(), new long[] { 1, 1, 8, 8 });
        using var bar = tensor(SyntheticImages.Bar(8, 2).Select(b => b / 255f).ToArray(), new long[] { 1, 1, 8, 8 });
        for (int i = 0; i < prompts.Length; i++)
        {
            using var sample = samples.narrow(0, i, 1);
            double toDisc = (sample - disc).pow(2).mean().item<float>();
            double toBar = (sample - bar).pow(2).mean().item<float>();
            var (own, other) = prompts[i] == "disc" ? (toDisc, toBar) : (toBar, toDisc);
            Assert.True(own < other, $"sample {i} ('{prompts[i]}'): MSE to its own image {own:F4} is not below MSE to the other {other:F4}");
        }
    }
}
