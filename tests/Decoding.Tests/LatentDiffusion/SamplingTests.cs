using Fmri.Core;
using Decoding.Conditioning;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using static TorchSharp.torch;

namespace Decoding.Tests.LatentDiffusion;

/// <summary>Generation is a function of the seed: the same seed gives the same images, another seed other images.</summary>
public class SamplingTests
{
    /// <summary>An untrained tiny pipeline whose weights all come from seeded generators.</summary>
    private static TextToImagePipeline TinyPipeline(int seed)
    {
        var preset = LatentDiffusionPreset.Tiny;
        var tokenizer = WordTokenizer.FromClassNames(["disc", "bar"]);
        var config = LatentDiffusionModelConfig.For(preset, nameof(AutoencoderKL), ["disc", "bar"], tokenizer);
        var model = new LatentDiffusionModel(config, tokenizer, new Generator((ulong)seed));
        var vae = new AutoencoderKL(preset.Vae!);
        SeededInitialization.Apply(vae, new Generator((ulong)seed + 1));
        return new TextToImagePipeline(model, new AutoencoderFirstStage(vae));
    }

    [Theory]
    [InlineData(SamplerKind.Ddim, 0.0)]
    [InlineData(SamplerKind.Ddim, 1.0)]
    [InlineData(SamplerKind.Ddpm, 0.0)]
    [InlineData(SamplerKind.Plms, 0.0)]
    public void Same_seed_gives_identical_images_and_another_seed_different_ones(SamplerKind sampler, double eta)
    {
        var pipeline = TinyPipeline(seed: 4);
        var options = new SamplingOptions { Sampler = sampler, Steps = 5, GuidanceScale = 3.0, Eta = eta };
        string[] prompts = ["disc", "bar"];
        using var first = pipeline.Generate(prompts, options, new Generator(21));
        using var again = pipeline.Generate(prompts, options, new Generator(21));
        using var other = pipeline.Generate(prompts, options, new Generator(22));
        Assert.Equal(new long[] { 2, 1, 16, 16 }, first.shape);
        Assert.True(Tensors.Identical(first, again), "the same seed gave different images");
        Assert.False(Tensors.Identical(first, other), "different seeds gave identical images");
        Assert.True(first.min().item<float>() >= 0 && first.max().item<float>() <= 1, "images are outside [0, 1]");
    }

    [Fact]
    public void Seeded_initialisation_makes_a_model_a_function_of_its_seed()
    {
        var a = TinyPipeline(seed: 4).Model.state_dict();
        var b = TinyPipeline(seed: 4).Model.state_dict();
        var c = TinyPipeline(seed: 5).Model.state_dict();
        Assert.All(a, kv => Assert.True(Tensors.Identical(kv.Value, b[kv.Key]), $"{kv.Key} differs for the same seed"));
        Assert.Contains(a, kv => !Tensors.Identical(kv.Value, c[kv.Key]));
    }

    [Fact]
    public void Unknown_prompt_words_are_refused_with_the_known_class_names()
    {
        var pipeline = TinyPipeline(seed: 4);
        var e = Assert.Throws<ArgumentException>(() => pipeline.Generate(["triangle"], new SamplingOptions { Steps = 2 }, new Generator(1)));
        Assert.Contains("'triangle'", e.Message);
        Assert.Contains("disc, bar", e.Message);
    }

    [Fact]
    public void Sampling_options_are_validated()
    {
        Assert.Equal("steps 0: must be at least 1", Assert.Throws<InvalidSettingException>(() => new SamplingOptions { Steps = 0 }.Validate(1000)).Message);
        Assert.Contains("exceeds", Assert.Throws<InvalidSettingException>(() => new SamplingOptions { Steps = 1001 }.Validate(1000)).Message);
        Assert.Contains("η", Assert.Throws<InvalidSettingException>(() => new SamplingOptions { Sampler = SamplerKind.Plms, Eta = 0.5 }.Validate(1000)).Message);
        Assert.Equal("guidance", Assert.Throws<InvalidSettingException>(() => new SamplingOptions { GuidanceScale = double.NaN }.Validate(1000)).Setting);
    }

    [Fact]
    public void The_denoising_part_takes_contexts_and_added_time_embeddings_from_any_source()
    {
        var pipeline = TinyPipeline(seed: 4);
        var sampler = pipeline.Sampler;
        int width = pipeline.Model.Conditioner.ContextWidth, length = pipeline.Model.Conditioner.ContextLength;
        using var conditional = randn(new long[] { 2, length, width }, generator: new Generator(3));
        using var unconditional = zeros(2, length, width);
        using var added = randn(new long[] { 2, sampler.Unet.TimeEmbeddingDim }, generator: new Generator(4));
        using var noAdded = zeros(2, sampler.Unet.TimeEmbeddingDim);
        var options = new SamplingOptions { Steps = 3, GuidanceScale = 2.0 };
        using var withAdded = sampler.Sample(new GuidanceContexts(conditional, unconditional, added, noAdded), options, new Generator(9));
        using var withoutAdded = sampler.Sample(new GuidanceContexts(conditional, unconditional), options, new Generator(9));
        Assert.Equal(new long[] { 2, 1, 16, 16 }, withAdded.shape);
        Assert.False(Tensors.Identical(withAdded, withoutAdded), "the added time embedding had no effect");
    }
}
