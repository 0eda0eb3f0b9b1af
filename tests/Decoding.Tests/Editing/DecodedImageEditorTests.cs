using Decoding.Editing;
using Decoding.LatentDiffusion;
using Decoding.Tests.DoubleConditioning;
using Decoding.Tests.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.Editing;

/// <summary>Editing a brain-decoded image: the DC-LDM's run is the source, label-LDM runs are the edits (untrained tiny models).</summary>
public class DecodedImageEditorTests
{
    private static readonly SamplingOptions Options = new() { Sampler = SamplerKind.Ddim, Steps = 6, GuidanceScale = 3.0 };

    private static DecodedImageEditor Editor()
    {
        var (model, firstStage) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
        return new DecodedImageEditor(model, firstStage, PromptToPromptTests.TinyPipeline(8));
    }

    [Fact]
    public void Without_injection_the_edit_is_the_categorys_plain_generation_and_with_self_attention_injection_it_differs()
    {
        var editor = Editor();
        using var voxels = randn([1, 64], generator: new Generator(2));
        using var none = editor.Edit(voxels, ["sneaker", "bag"], InjectionSchedule.None, Options, new Generator(21));
        using var injected = editor.Edit(voxels, ["sneaker", "bag"], new InjectionSchedule(0, 1), Options, new Generator(21));
        Assert.Equal(new long[] { 5, 1, 16, 16 }, none.shape);                  // source, 2 edits, 2 plain
        Assert.True(Tensors.Identical(none[1], none[3]));
        Assert.True(Tensors.Identical(none[2], none[4]));
        Assert.True(Tensors.Identical(none[0], injected[0]), "the brain-decoded source depends on the edits");
        Assert.True(Tensors.Identical(none[3], injected[3]), "the plain reference depends on the injection");
        Assert.False(Tensors.Identical(injected[1], injected[3]), "self-attention injection changed nothing");
        Assert.False(Tensors.Identical(injected[2], injected[4]));
    }

    [Fact]
    public void The_source_is_the_brain_models_own_sampling_from_the_same_noise()
    {
        var editor = Editor();
        using var voxels = randn([1, 64], generator: new Generator(2));
        using var images = editor.Edit(voxels, ["sneaker"], new InjectionSchedule(0.5, 0.5), Options, new Generator(21));
        using var noGrad = no_grad();
        var condition = editor.BrainModel.Condition(voxels);
        var nullCondition = editor.BrainModel.Adapter.NullCondition(1);
        var contexts = new GuidanceContexts(condition.Context, nullCondition.Context, condition.TimeEmbedding, nullCondition.TimeEmbedding);
        using var decoded = editor.BrainSampler.Sample(contexts, Options, new Generator(21));
        TensorAssert.Close(decoded, images[0].unsqueeze(0), 1e-4);
    }

    [Fact]
    public void Cross_attention_injection_takes_the_brain_runs_maps_token_for_token_and_changes_the_edit()
    {
        var editor = Editor();
        Assert.True(editor.CanInjectCrossAttention);                          // 8 brain context tokens, 8 word tokens
        using var voxels = randn([1, 64], generator: new Generator(2));
        using var selfOnly = editor.Edit(voxels, ["bag"], new InjectionSchedule(0, 0.5), Options, new Generator(21));
        using var both = editor.Edit(voxels, ["bag"], new InjectionSchedule(1, 0.5), Options, new Generator(21));
        Assert.False(Tensors.Identical(selfOnly[1], both[1]));
        Assert.True(Tensors.Identical(selfOnly[2], both[2]));
    }

    [Fact]
    public void A_label_model_of_another_architecture_is_refused()
    {
        var (model, firstStage) = TinyDcLdm.PixelSpace(voxels: 64, seed: 3, imageSize: 16);
        var e = Assert.Throws<InvalidSettingException>(() => new DecodedImageEditor(model, firstStage, PromptToPromptTests.TinyPipeline(8)));
        Assert.Equal("ldm", e.Setting);
    }
}
