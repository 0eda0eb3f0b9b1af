using Decoding.Conditioning;
using Decoding.Editing;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Decoding.Tests.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Editing;

/// <summary>
/// Prompt-to-Prompt on an untrained tiny label LDM (every weight from a seeded generator): the mechanics, not image
/// quality. Images are compared bit for bit.
/// </summary>
public class PromptToPromptTests
{
    private static readonly string[] ClassNames = ["sneaker", "sandal", "ankle boot", "bag"];

    internal static TextToImagePipeline TinyPipeline(int seed)
    {
        var preset = LatentDiffusionPreset.Tiny;
        var tokenizer = WordTokenizer.FromClassNames(ClassNames);
        var config = LatentDiffusionModelConfig.For(preset, nameof(AutoencoderKL), ClassNames, tokenizer);
        var model = new LatentDiffusionModel(config, tokenizer, new Generator((ulong)seed));
        var vae = new AutoencoderKL(preset.Vae!);
        SeededInitialization.Apply(vae, new Generator((ulong)seed + 1));
        return new TextToImagePipeline(model, new AutoencoderFirstStage(vae));
    }

    private static readonly SamplingOptions Options = new() { Sampler = SamplerKind.Ddim, Steps = 6, GuidanceScale = 3.0 };

    private static Tensor Column(Tensor images, int column) => images.select(1, column);

    [Fact]
    public void An_edit_that_changes_nothing_reproduces_the_source_image_exactly()
    {
        var editor = new PromptEditor(TinyPipeline(7));
        // Re-weighting by 1 with full injection: the edit takes the source's maps unchanged at every step.
        PromptEdit[] edits = [PromptEdit.Reweight("ankle boot", "ankle", 1.0)];
        using var images = editor.Edit("ankle boot", edits, new InjectionSchedule(1, 1), Options, new Generator(11), samples: 2, plain: true);
        Assert.Equal(new long[] { 2, 3, 1, 16, 16 }, images.shape);
        Assert.True(Tensors.Identical(Column(images, 0), Column(images, 1)), "the identity edit differs from the source");
        // The same prompt without injection is the same computation too: branches do not disturb each other.
        Assert.True(Tensors.Identical(Column(images, 0), Column(images, 2)), "the plain branch of the source prompt differs from the source");
        // And the two samples come from different noise.
        Assert.False(Tensors.Identical(images[0, 0], images[1, 0]));
    }

    [Fact]
    public void A_word_swap_without_injection_is_the_target_prompt_alone_and_with_injection_something_else()
    {
        var pipeline = TinyPipeline(7);
        var editor = new PromptEditor(pipeline);
        PromptEdit[] swap = [PromptEdit.Swap("bag")];
        using var none = editor.Edit("sneaker", swap, InjectionSchedule.None, Options, new Generator(12), samples: 1, plain: true);
        using var injected = editor.Edit("sneaker", swap, new InjectionSchedule(1, 0.5), Options, new Generator(12), samples: 1, plain: true);
        // τ = 0: the edit is the plain generation of "bag" from the same noise, bit for bit.
        Assert.True(Tensors.Identical(Column(none, 1), Column(none, 2)));
        // The source is the same in both runs, the injected edit differs from the plain target and from the source.
        Assert.True(Tensors.Identical(Column(none, 0), Column(injected, 0)));
        Assert.False(Tensors.Identical(Column(injected, 1), Column(injected, 2)));
        Assert.False(Tensors.Identical(Column(injected, 1), Column(injected, 0)));
        // A plain generation of "bag" with the pipeline (same noise) matches the plain branch up to the written-out attention's rounding.
        using var generated = pipeline.Generate(["bag"], Options, new Generator(12));
        TensorAssert.Close(generated, Column(none, 2), 1e-4);
    }

    [Fact]
    public void Reweighting_a_token_by_zero_removes_its_effect_on_the_attention_output()
    {
        // The control on one layer: branch 0 (source) stores its maps, branch 1 re-weights token 2 by 0.
        var tokenizer = WordTokenizer.FromClassNames(ClassNames);
        var edit = PromptEdit.Reweight("ankle boot", "boot", 0).Compile("ankle boot", tokenizer);
        Assert.Equal(new[] { 1f, 1f, 0f, 1f, 1f, 1f, 1f, 1f }, edit.TokenWeights);
        using var control = new PromptToPromptControl([null, new AttentionInjection(edit, new InjectionSchedule(1, 0))], guided: false, evaluations: 4);
        var gen = new Generator(5);
        int heads = 2;
        using var source = rand([heads, 6, 8], generator: gen).softmax(-1);
        using var own = rand([heads, 6, 8], generator: gen).softmax(-1);
        control.Branch = 0;
        Assert.Same(source, control.OnCrossAttention("layer", heads, source));
        control.Branch = 1;
        using var used = control.OnCrossAttention("layer", heads, own);
        Assert.Equal(0f, used.select(-1, 2).abs().max().item<float>());
        // The attention output M V does not change when token 2's value changes; with factor 1 it would.
        using var values = rand([heads, 8, 4], generator: gen);
        using var changed = values.clone();
        changed[.., 2, ..] = rand([heads, 4], generator: gen) * 10;
        Assert.True(Tensors.Identical(matmul(used, values), matmul(used, changed)));
        Assert.False(Tensors.Identical(matmul(source, values), matmul(source, changed)));
    }

    [Fact]
    public void Reweighting_a_word_by_zero_makes_the_image_independent_of_that_words_context()
    {
        var pipeline = TinyPipeline(9);
        var prompt = "ankle boot";
        Tensor Run(double factor, bool perturb)
        {
            using var scope = NewDisposeScope();
            var edit = PromptEdit.Reweight(prompt, "boot", factor).Compile(prompt, pipeline.Tokenizer);
            var source = pipeline.EncodePrompts([prompt]);
            var edited = pipeline.EncodePrompts([prompt]);
            if (perturb)
                using (no_grad()) edited.Conditional[0, 2, ..] = rand([edited.Conditional.shape[2]], generator: new Generator(1)) * 3;
            var branches = new List<EditBranch>
            {
                new(pipeline.Model.Unet, source, null),
                new(pipeline.Model.Unet, edited, new AttentionInjection(edit, new InjectionSchedule(1, 0))),
            };
            var noise = randn([1, 4, 4, 4], generator: new Generator(13));
            var latents = PromptToPromptSampling.Denoise(branches, pipeline.Model.Config.Scheduler, Options, noise);
            return latents[1].MoveToOuterDisposeScope();
        }
        using var zero = Run(0, perturb: false);
        using var zeroPerturbed = Run(0, perturb: true);
        using var one = Run(1, perturb: false);
        using var onePerturbed = Run(1, perturb: true);
        Assert.True(Tensors.Identical(zero, zeroPerturbed), "with 'boot' weighted 0 its context still changed the image");
        Assert.False(Tensors.Identical(one, onePerturbed), "the perturbation of 'boot' does not reach the image even at weight 1");
    }

    [Fact]
    public void The_schedule_counts_the_first_floor_of_tau_n_steps_and_rejects_fractions_outside_0_1()
    {
        var schedule = new InjectionSchedule(0.8, 0.4);
        Assert.Equal(40, schedule.CrossSteps(50));
        Assert.Equal(20, schedule.SelfSteps(51));
        Assert.Equal(0, InjectionSchedule.None.CrossSteps(50));
        var e = Assert.Throws<InvalidSettingException>(() => new InjectionSchedule(1.2, 0.4).Validate());
        Assert.Equal("cross_steps", e.Setting);
    }

    /// <summary>
    /// The control injects during the first steps, not the last (τ is a timestamp: early steps fix the layout): with
    /// n = 10, τ_c = 0.5 and τ_s = 0.3, the edit's conditional cross-attention is the source's at steps 0-4 only and its
    /// self-attention at steps 0-2 only, and its unconditional half is its own at every step.
    /// </summary>
    [Fact]
    public void Maps_are_injected_during_the_first_steps_only_and_never_into_the_unconditional_half()
    {
        const int n = 10, heads = 2, queries = 4, tokens = 8;
        var injection = new AttentionInjection(new CrossAttentionEdit(TokenAlignment.Identity(tokens), Enumerable.Repeat(1f, tokens).ToArray()),
            new InjectionSchedule(0.5, 0.3));
        using var control = new PromptToPromptControl([null, injection], guided: true, evaluations: n);
        var gen = new Generator(11);
        var crossInjected = new List<int>();
        var selfInjected = new List<int>();
        for (int step = 0; step < n; step++)
        {
            control.Step = step;
            using var sourceCross = rand([2 * heads, queries, tokens], generator: gen).softmax(-1);   // [unconditional; conditional]
            using var sourceSelf = rand([2 * heads, queries, queries], generator: gen).softmax(-1);
            using var editCross = rand([2 * heads, queries, tokens], generator: gen).softmax(-1);
            using var editSelf = rand([2 * heads, queries, queries], generator: gen).softmax(-1);
            control.Branch = 0;
            _ = control.OnCrossAttention("layer", heads, sourceCross);   // the source branch returns its own maps
            _ = control.OnSelfAttention("layer", heads, sourceSelf);
            control.Branch = 1;
            using var cross = control.OnCrossAttention("layer", heads, editCross);
            using var self = control.OnSelfAttention("layer", heads, editSelf);
            // The unconditional rows stay the edit's own at every step.
            Assert.True(cross.narrow(0, 0, heads).eq(editCross.narrow(0, 0, heads)).all().item<bool>(), $"step {step}: unconditional cross-attention changed");
            Assert.True(self.narrow(0, 0, heads).eq(editSelf.narrow(0, 0, heads)).all().item<bool>(), $"step {step}: unconditional self-attention changed");
            if (cross.narrow(0, heads, heads).eq(sourceCross.narrow(0, heads, heads)).all().item<bool>()) crossInjected.Add(step);
            else Assert.True(cross.eq(editCross).all().item<bool>(), $"step {step}: cross-attention neither the source's nor its own");
            if (self.narrow(0, heads, heads).eq(sourceSelf.narrow(0, heads, heads)).all().item<bool>()) selfInjected.Add(step);
            else Assert.True(self.eq(editSelf).all().item<bool>(), $"step {step}: self-attention neither the source's nor its own");
        }
        Assert.Equal([0, 1, 2, 3, 4], crossInjected);
        Assert.Equal([0, 1, 2], selfInjected);
    }

    [Fact]
    public void Samplers_that_draw_noise_at_every_step_are_refused()
    {
        var editor = new PromptEditor(TinyPipeline(7));
        var e = Assert.Throws<InvalidSettingException>(() =>
            editor.Edit("sneaker", [PromptEdit.Swap("bag")], InjectionSchedule.Default, Options with { Sampler = SamplerKind.Ddpm }, new Generator(1), 1));
        Assert.Equal("sampler", e.Setting);
    }

    [Fact]
    public void Re_weighting_a_word_the_prompt_lacks_is_refused_naming_it()
    {
        var e = Assert.Throws<InvalidSettingException>(() => PromptEdit.ParseReweight("sneaker", "bag=2").Compile("sneaker", WordTokenizer.FromClassNames(ClassNames)));
        Assert.Contains("'bag'", e.Message);
        Assert.Throws<InvalidSettingException>(() => PromptEdit.ParseReweight("sneaker", "sneaker"));
    }
}
