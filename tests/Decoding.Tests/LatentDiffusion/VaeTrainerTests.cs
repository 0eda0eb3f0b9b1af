using Fmri.Core;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using static TorchSharp.torch;

namespace Decoding.Tests.LatentDiffusion;

public class VaeTrainerTests
{
    [Fact]
    public void Reconstruction_error_falls_well_below_its_starting_value()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 64, seed: 3);
        var preset = TestPresets.Tiny(vaeSteps: 60, ldmSteps: 1);
        var result = new VaeTrainer(preset).Train(images, folder.Path, seed: 5);

        int reconstructionColumn = result.Curve.ExtraColumns.ToList().IndexOf("reconstruction");
        double first = result.Curve.Points[0].Extras[reconstructionColumn];
        double last = result.Curve.Points.TakeLast(10).Average(p => p.Extras[reconstructionColumn]);
        Assert.True(last < 0.5 * first, $"reconstruction L1 went from {first:F1} to {last:F1}; expected below half");
        Assert.True(File.Exists(Path.Combine(folder.Path, VaeTrainer.LossCsvFile)));
        Assert.True(File.Exists(Path.Combine(folder.Path, VaeTrainer.LossPngFile)));
    }

    [Fact]
    public void The_saved_config_holds_the_scaling_factor_that_gives_latents_unit_variance()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 32, seed: 3);
        var result = new VaeTrainer(TestPresets.Tiny(vaeSteps: 5, ldmSteps: 1)).Train(images, folder.Path, seed: 5);

        var stored = new ModelCheckpoint(folder.Path, VaeTrainer.CheckpointName).ReadConfig<AutoencoderKLConfig>();
        Assert.Equal(stored.ScalingFactor, result.Vae.ScalingFactor);
        Assert.NotEqual(1.0, stored.ScalingFactor);

        // Independent check: scale · z over all 32 images, sampled with another generator, has a standard deviation near 1.
        using var pixels = ImageTensors.ToPaddedBytes(images, 16, 1);
        using var x = ImageTensors.ToModelRange(pixels);
        using var noGrad = no_grad();
        using var z = result.Vae.Encode(x).Sample(new Generator(99)) * stored.ScalingFactor;
        double std = z.std().item<float>();
        Assert.InRange(std, 0.9, 1.1);
    }

    [Fact]
    public void A_checkpoint_loads_into_a_fresh_autoencoder_with_identical_outputs()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 16, seed: 3);
        var result = new VaeTrainer(TestPresets.Tiny(vaeSteps: 3, ldmSteps: 1)).Train(images, folder.Path, seed: 5);

        var checkpoint = new ModelCheckpoint(folder.Path, VaeTrainer.CheckpointName);
        var fresh = new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>());
        checkpoint.LoadWeights(fresh, fresh.Config);
        using var noGrad = no_grad();
        using var latents = randn(new long[] { 2, 4, 4, 4 }, generator: new Generator(1));
        using var expected = result.Vae.Decode(latents);
        using var actual = fresh.Decode(latents);
        Assert.True(Tensors.Identical(expected, actual), "decoded images differ after the round trip");
    }

    [Fact]
    public void A_resumed_run_continues_from_the_saved_step_exactly_as_the_uninterrupted_run()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 16, seed: 3);
        var uninterrupted = new VaeTrainer(TestPresets.Tiny(vaeSteps: 6, ldmSteps: 1, checkpointEvery: 3))
            .Train(images, folder.Sub("a"), seed: 5);

        new VaeTrainer(TestPresets.Tiny(vaeSteps: 3, ldmSteps: 1)).Train(images, folder.Sub("b"), seed: 5);
        var resumed = new VaeTrainer(TestPresets.Tiny(vaeSteps: 6, ldmSteps: 1)).Train(images, folder.Sub("b"), seed: 5, resume: true);

        Assert.Equal(6, resumed.Steps);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, resumed.Curve.Points.Select(p => p.Step));
        Assert.Equal(uninterrupted.Curve.Points.Select(p => p.Loss), resumed.Curve.Points.Select(p => p.Loss));
        Assert.Equal(6, new ModelCheckpoint(folder.Sub("b"), VaeTrainer.CheckpointName).ReadTrainingState()!.Step);
        var savedCurve = Fmri.Core.Training.LossCurve.Read(Path.Combine(folder.Sub("b"), VaeTrainer.LossCsvFile));
        Assert.Equal(6, savedCurve.Points.Count);
    }

    [Fact]
    public void Resuming_with_another_preset_is_a_config_mismatch_naming_the_fields()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 8, seed: 3);
        new VaeTrainer(TestPresets.Tiny(vaeSteps: 2, ldmSteps: 1)).Train(images, folder.Path, seed: 5);

        var wider = TestPresets.Tiny(vaeSteps: 4, ldmSteps: 1) with
        {
            Vae = LatentDiffusionPreset.Tiny.Vae! with { BlockOutChannels = [16, 32, 64] },
        };
        var e = Assert.Throws<Fmri.Core.DataFormatException>(() => new VaeTrainer(wider).Train(images, folder.Path, seed: 5, resume: true));
        Assert.Contains("block_out_channels", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Starting_over_an_existing_checkpoint_or_resuming_without_one_is_refused()
    {
        using var folder = new TempFolder();
        var images = SyntheticImages.VariedShapes(size: 16, count: 8, seed: 3);
        var trainer = new VaeTrainer(TestPresets.Tiny(vaeSteps: 1, ldmSteps: 1));
        var missing = Assert.Throws<InvalidSettingException>(() => trainer.Train(images, folder.Path, seed: 5, resume: true));
        Assert.Equal("resume", missing.Setting);
        trainer.Train(images, folder.Path, seed: 5);
        var e = Assert.Throws<InvalidSettingException>(() => trainer.Train(images, folder.Path, seed: 5));
        Assert.Equal("out", e.Setting);
        // The command line names the flags the user typed.
        Assert.Equal($"--out {folder.Path}: already holds a 'vae' checkpoint; pass --resume to continue it or choose another folder", e.Render(s => "--" + s));
    }
}
