using System.Diagnostics;
using Decoding.Conditioning;
using Decoding.Diffusion;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Fmri.Core.Torch;
using Fmri.Core.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Benchmarks;

/// <summary>
/// The two latent diffusion workloads <c>decoding benchmark</c> times, on a freshly initialised model of a preset (the
/// weights do not change the cost): a training step exactly as <see cref="LatentDiffusionTrainer"/> takes it
/// (<see cref="LatentDiffusionTrainer.Step"/>: conditioner, condition dropout, UNet, MSE, backward pass, clipping,
/// AdamW, EMA) on a batch drawn once, and one guided DDIM sampling step (the UNet on the unconditional and conditional
/// halves at once, guidance, the DDIM update) for a number of samples. <see cref="TwinConfig"/> describes the model for
/// the PyTorch twin in <c>benchmarks/ldm_twin.py</c>, which builds the same architecture and checks its parameter count.
/// </summary>
public sealed class LdmStepBenchmark : IDisposable
{
    private readonly LatentDiffusionModel model;
    private readonly LatentDiffusionSampler sampler;
    private readonly AdamW optimizer;
    private readonly ExponentialMovingAverage ema;
    private readonly List<Parameter> parameters;
    private readonly Generator generator;
    private readonly Tensor noisedLatents, timesteps, tokens, target, sampleNoise;
    private readonly GuidanceContexts contexts;
    private readonly LatentDiffusionPreset preset;

    /// <param name="preset">The model's size (the small preset is the demo's).</param>
    /// <param name="classNames">The class names the tokenizer is built from (its vocabulary sizes the token embedding).</param>
    /// <param name="batch">Training batch size.</param>
    /// <param name="samples">Samples of the sampling step (the UNet sees twice as many: unconditional and conditional).</param>
    public LdmStepBenchmark(LatentDiffusionPreset preset, IReadOnlyList<string> classNames, int batch, int samples, long seed)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(classNames);
        Fmri.Core.Check.AtLeast(batch, 1, "batch");
        Fmri.Core.Check.AtLeast(samples, 1, "samples");
        this.preset = preset.Validate();
        if (preset.Vae is null) throw new ArgumentException($"preset '{preset.Name}' diffuses pixels; the benchmark times a latent model");
        var device = TorchDevice.Current;
        generator = new Generator((ulong)seed);
        var tokenizer = WordTokenizer.FromClassNames(classNames, preset.Conditioner.MaxPositionEmbeddings);
        var firstStage = new AutoencoderFirstStage(new AutoencoderKL(preset.Vae, device));
        var config = LatentDiffusionModelConfig.For(preset, firstStage.Kind, classNames, tokenizer);
        model = new LatentDiffusionModel(config, tokenizer, generator, device);
        sampler = new LatentDiffusionSampler(model.Unet, firstStage, preset.Scheduler, preset.ImageSize);
        parameters = model.parameters().ToList();
        var options = preset.LdmTraining;
        optimizer = TrainingOptimizers.AdamW(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.AdamWeightDecay);
        ema = new ExponentialMovingAverage(model, options.EmaDecay, EmaWarmup.StepRatio);
        Batch = batch;
        Samples = samples;

        var schedule = NoiseSchedule.FromConfig(preset.Scheduler);
        long[] latentShape = [batch, preset.LatentChannels, preset.LatentSize, preset.LatentSize];
        using (var z0 = randn(latentShape, generator: generator))                                    // (B, c, h, w)
        using (var noise = randn(latentShape, generator: generator))                                 // ε
        {
            timesteps = randint(0, schedule.NumTrainTimesteps, [batch], dtype: ScalarType.Int64, generator: generator).to(device); // (B)
            using var z0Placed = z0.to(device);
            using var noisePlaced = noise.to(device);
            noisedLatents = ForwardProcess.AddNoise(schedule, z0Placed, noisePlaced, timesteps);     // z_t
            target = ForwardProcess.TrainingTarget(preset.Scheduler.PredictionType, schedule, z0Placed, noisePlaced, timesteps);
        }
        using (var labels = randint(0, classNames.Count, [batch], dtype: ScalarType.Int64, generator: generator))
        using (var classTokens = tokenizer.EncodeBatch(classNames))
            tokens = classTokens.index_select(0, labels).to(device);                                  // (B, L)

        using (no_grad())
        {
            var prompts = Enumerable.Range(0, samples).Select(i => classNames[i % classNames.Count]).ToList();
            var conditional = model.Conditioner.Encode(prompts);                                      // (N, L, D)
            contexts = new GuidanceContexts(conditional, model.Conditioner.NullContext(samples).clone());
        }
        sampleNoise = DiffusionScheduler.RandomNormal(sampler.LatentShape(samples), generator, device, ScalarType.Float32);
        ParameterCount = parameters.Sum(p => p.numel());
    }

    public int Batch { get; }

    public int Samples { get; }

    /// <summary>Parameters of the conditioner and the UNet together (what the training step updates).</summary>
    public long ParameterCount { get; }

    /// <summary>The model's shape for the PyTorch twin (snake_case JSON), with the vocabulary size and context length.</summary>
    public object TwinConfig => new
    {
        unet = preset.Unet,
        conditioner = new
        {
            vocab_size = model.Conditioner.Config.VocabSize,
            max_position_embeddings = model.Conditioner.Config.MaxPositionEmbeddings,
            hidden_size = model.Conditioner.Config.HiddenSize,
            intermediate_size = model.Conditioner.Config.IntermediateSize,
            num_hidden_layers = model.Conditioner.Config.NumHiddenLayers,
            num_attention_heads = model.Conditioner.Config.NumAttentionHeads,
            layer_norm_eps = model.Conditioner.Config.LayerNormEps,
        },
        latent_channels = preset.LatentChannels,
        latent_size = preset.LatentSize,
        batch = Batch,
        samples = Samples,
        learning_rate = preset.LdmTraining.LearningRate,
        weight_decay = preset.LdmTraining.AdamWeightDecay,
        max_grad_norm = preset.LdmTraining.MaxGradNorm,
        ema_decay = preset.LdmTraining.EmaDecay,
        proportion_empty_prompts = preset.LdmTraining.ProportionEmptyPrompts,
        guidance_scale = GuidanceScale,
        num_train_timesteps = preset.Scheduler.NumTrainTimesteps,
        beta_start = preset.Scheduler.BetaStart,
        beta_end = preset.Scheduler.BetaEnd,
    };

    /// <summary>Guidance scale of the sampling step (the demo's).</summary>
    public const double GuidanceScale = 3.0;

    /// <summary>One training step on the prepared batch; returns its loss (which must be finite).</summary>
    public double TrainStep()
    {
        model.train();
        using var scope = NewDisposeScope();
        var (loss, _) = LatentDiffusionTrainer.Step(model, optimizer, ema, parameters, noisedLatents, timesteps, tokens, target, preset.LdmTraining, generator);
        return loss.item<float>();
    }

    /// <summary>One guided DDIM step for <see cref="Samples"/> samples from the prepared noise; returns the latents' mean (a sink).</summary>
    public double SampleStep()
    {
        using var scope = NewDisposeScope();
        var options = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 1, GuidanceScale = GuidanceScale };
        var latents = sampler.Denoise(sampleNoise, 1.0, contexts, options);
        return latents.mean().item<float>();
    }

    /// <summary>Milliseconds <paramref name="action"/> takes.</summary>
    public static double Milliseconds(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    public void Dispose()
    {
        foreach (var t in new[] { noisedLatents, timesteps, tokens, target, sampleNoise, contexts.Conditional, contexts.Unconditional! }) t.Dispose();
        ema.Dispose();
        optimizer.Dispose();
        model.Dispose();
        generator.Dispose();
    }
}
