using Decoding.Diffusion;
using Decoding.Conditioning;
using Decoding.LatentDiffusion;
using Fmri.Core.IO;
using static TorchSharp.torch;

namespace Decoding.Tests.LatentDiffusion;

public class LatentDiffusionTrainerTests
{
    private static readonly LabelledImages Images = SyntheticImages.VariedShapes(size: 16, count: 16, seed: 3);

    /// <summary>A tiny autoencoder trained for two steps: enough to have a scaling factor and a checkpoint.</summary>
    private static AutoencoderFirstStage TrainTinyVae(string folder) =>
        new(new VaeTrainer(TestPresets.Tiny(vaeSteps: 2, ldmSteps: 1)).Train(Images, folder, seed: 11).Vae);

    [Fact]
    public void The_model_folder_is_complete_and_a_fresh_model_loads_it_with_identical_outputs()
    {
        using var folder = new TempFolder();
        var firstStage = TrainTinyVae(folder.Sub("vae"));
        var result = new LatentDiffusionTrainer(TestPresets.Tiny(vaeSteps: 2, ldmSteps: 3), firstStage).Train(Images, folder.Sub("ldm"), seed: 2);

        var modelFolder = new LatentDiffusionModelFolder(folder.Sub("ldm"));
        foreach (var file in new[] { "ldm.safetensors", "ldm.ema.safetensors", "ldm.optimizer.bin", "ldm.config.json", "ldm.checkpoint.json",
                     "vae.safetensors", "vae.config.json", "tokenizer.json", "class_means.safetensors", "ldm_loss.csv", "ldm_loss.png" })
            Assert.True(File.Exists(Path.Combine(folder.Sub("ldm"), file)), $"{file} is missing");

        var config = modelFolder.ReadConfig();
        Assert.Equal(["disc", "bar"], config.ClassNames);
        var fresh = new LatentDiffusionModel(config, WordTokenizer.Load(modelFolder.TokenizerPath), new Generator(123));
        modelFolder.Checkpoint.LoadWeights(fresh, config);
        using var noGrad = no_grad();
        using var latents = randn(new long[] { 2, 4, 4, 4 }, generator: new Generator(1));
        using var timesteps = tensor(new long[] { 10, 900 });
        using var context = result.Model.Conditioner.Encode(["disc", "bar"]);
        using var expected = result.Model.Unet.Forward(latents, timesteps, context);
        using var freshContext = fresh.Conditioner.Encode(["disc", "bar"]);
        using var actual = fresh.Unet.Forward(latents, timesteps, freshContext);
        Assert.True(Tensors.Identical(expected, actual), "UNet outputs differ after the round trip");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(8)]
    public void A_resumed_run_continues_from_the_saved_step_exactly_as_the_uninterrupted_run(int? maxTrainImages)
    {
        using var folder = new TempFolder();
        var firstStage = TrainTinyVae(folder.Sub("vae"));
        LatentDiffusionPreset Preset(long steps, long checkpointEvery = 1000)
        {
            var preset = TestPresets.Tiny(2, steps, checkpointEvery);
            return preset with { LdmTraining = preset.LdmTraining with { MaxTrainImages = maxTrainImages } };
        }
        var uninterrupted = new LatentDiffusionTrainer(Preset(6, checkpointEvery: 3), firstStage).Train(Images, folder.Sub("a"), seed: 2);

        new LatentDiffusionTrainer(Preset(3), firstStage).Train(Images, folder.Sub("b"), seed: 2);
        // A different seed on resume is ignored: the run continues with the seed and generator state it saved.
        var resumed = new LatentDiffusionTrainer(Preset(6), firstStage).Train(Images, folder.Sub("b"), seed: 99, resume: true);

        Assert.Equal(6, resumed.Steps);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, resumed.Curve.Points.Select(p => p.Step));
        Assert.Equal(uninterrupted.Curve.Points.Select(p => p.Loss), resumed.Curve.Points.Select(p => p.Loss));
        using var emaA = SafetensorsFile.Read(Path.Combine(folder.Sub("a"), "ldm.ema.safetensors"));
        using var emaB = SafetensorsFile.Read(Path.Combine(folder.Sub("b"), "ldm.ema.safetensors"));
        Assert.Equal(emaA.Tensors.Keys.Order(), emaB.Tensors.Keys.Order());
        Assert.All(emaA.Tensors, kv => Assert.True(Tensors.Identical(kv.Value, emaB.Tensors[kv.Key]), $"EMA weight {kv.Key} differs"));
        Assert.Equal(emaA.Metadata["optimization_step"], emaB.Metadata["optimization_step"]);
    }

    [Fact]
    public void Resuming_with_another_preset_is_a_config_mismatch_not_a_crash()
    {
        using var folder = new TempFolder();
        var firstStage = TrainTinyVae(folder.Sub("vae"));
        new LatentDiffusionTrainer(TestPresets.Tiny(2, ldmSteps: 1), firstStage).Train(Images, folder.Sub("ldm"), seed: 2);

        var otherUnet = TestPresets.Tiny(2, ldmSteps: 2) with
        {
            Unet = LatentDiffusionPreset.Tiny.Unet with { LayersPerBlock = 2 },
        };
        var e = Assert.Throws<Fmri.Core.DataFormatException>(() =>
            new LatentDiffusionTrainer(otherUnet, firstStage).Train(Images, folder.Sub("ldm"), seed: 2, resume: true));
        Assert.Contains("unet.layers_per_block", e.Message);
    }

    [Fact]
    public void The_first_stage_must_fit_the_preset()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ArgumentException>(() => new LatentDiffusionTrainer(LatentDiffusionPreset.Tiny, new IdentityFirstStage(1)));
        Assert.Contains("needs an autoencoder", e.Message);
        var small = new Decoding.Models.Vae.AutoencoderKL(LatentDiffusionPreset.Small.Vae!);
        e = Assert.Throws<ArgumentException>(() => new LatentDiffusionTrainer(LatentDiffusionPreset.Tiny, new AutoencoderFirstStage(small)));
        Assert.Contains("preset 'tiny'", e.Message);
    }
}

/// <summary>Min-SNR-γ weights (Hang et al. 2023) against values computed by hand from the schedule's ᾱ.</summary>
public class MinSnrWeightTests
{
    [Fact]
    public void Weights_are_min_snr_gamma_over_snr_for_epsilon_and_over_snr_plus_one_for_v()
    {
        // Stable Diffusion's scaled-linear schedule: ᾱ_0 ≈ 0.99915 (SNR ≈ 1175, far above γ = 5: weight 5 / SNR),
        // ᾱ_999 ≈ 0.0047 (SNR ≈ 0.0047, below γ: weight 1 for ε, SNR/(SNR + 1) for v).
        var schedule = NoiseSchedule.FromConfig(new SchedulerConfig { BetaSchedule = BetaSchedule.ScaledLinear });
        long[] steps = [0, 500, 999];
        using var timesteps = tensor(steps, ScalarType.Int64);
        using var epsilon = LatentDiffusionTrainer.MinSnrWeights(schedule, timesteps, 5.0, PredictionType.Epsilon);
        using var velocity = LatentDiffusionTrainer.MinSnrWeights(schedule, timesteps, 5.0, PredictionType.VPrediction);
        for (int i = 0; i < steps.Length; i++)
        {
            double a = (float)schedule.AlphasCumprod[(int)steps[i]];
            double snr = a / (1 - a);
            Assert.Equal(Math.Min(snr, 5.0) / snr, epsilon[i].item<float>(), 5);
            Assert.Equal(Math.Min(snr, 5.0) / (snr + 1), velocity[i].item<float>(), 5);
        }
        Assert.Equal(1.0, epsilon[2].item<float>(), 6);                      // noisy end: SNR < γ, ε weight exactly 1
        Assert.True(epsilon[0].item<float>() < 0.005f, "the nearly clean timestep is weighted down by about 5 / 1175");
    }
}
