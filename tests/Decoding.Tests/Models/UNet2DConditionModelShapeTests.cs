using Decoding.Models;
using Decoding.Models.Unet;
using static TorchSharp.torch;

namespace Decoding.Tests.Models;

[Collection(ModelsCollection.Name)]
public class UNet2DConditionModelShapeTests
{
    public static TheoryData<string, int, int> Configs => new()
    {
        { "tiny", 8, 8 },
        { "small", 8, 8 },
        { "tiny-odd-size", 6, 10 },        // 6x10 → 3x5 → back through size-matched upsampling
        { "three-levels-one-layer", 8, 8 },
        { "three-levels-odd-size", 5, 7 }, // 5x7 → 3x4 → 2x2 and back
        { "one-level", 4, 4 },
        { "three-layers-linear-projection", 8, 8 },
        { "explicit-heads-two-transformer-layers", 8, 8 },
    };

    internal static UNet2DConditionConfig Named(string name) => name switch
    {
        "tiny" or "tiny-odd-size" => UNet2DConditionConfig.Tiny,
        "small" => UNet2DConditionConfig.Small,
        "three-levels-one-layer" or "three-levels-odd-size" => UNet2DConditionConfig.Tiny with
        {
            BlockOutChannels = [16, 32, 32],
            DownBlockTypes = [UNet2DConditionConfig.DownBlock2D, UNet2DConditionConfig.CrossAttnDownBlock2D, UNet2DConditionConfig.CrossAttnDownBlock2D],
            UpBlockTypes = [UNet2DConditionConfig.CrossAttnUpBlock2D, UNet2DConditionConfig.CrossAttnUpBlock2D, UNet2DConditionConfig.UpBlock2D],
            LayersPerBlock = 1,
        },
        "one-level" => UNet2DConditionConfig.Tiny with
        {
            BlockOutChannels = [16],
            DownBlockTypes = [UNet2DConditionConfig.CrossAttnDownBlock2D],
            UpBlockTypes = [UNet2DConditionConfig.CrossAttnUpBlock2D],
        },
        "three-layers-linear-projection" => UNet2DConditionConfig.Tiny with { LayersPerBlock = 3, UseLinearProjection = true },
        "explicit-heads-two-transformer-layers" => UNet2DConditionConfig.Tiny with { NumAttentionHeads = 4, TransformerLayersPerBlock = 2 },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Output_has_the_input_shape(string name, int height, int width)
    {
        var config = Named(name);
        random.manual_seed(21);
        var unet = new UNet2DConditionModel(config);
        var gen = new Generator(22);
        using var sample = TestTensors.Normal(gen, 2, config.InChannels, height, width);
        using var context = TestTensors.Normal(gen, 2, 5, config.CrossAttentionDim);
        using var t = tensor(new long[] { 10, 900 });
        using var _ = no_grad();
        using var output = unet.Forward(sample, t, context);
        Assert.Equal(new long[] { 2, config.OutChannels, height, width }, output.shape);
        Assert.True(TestTensors.AllFinite(output));
    }

    [Fact]
    public void Different_in_and_out_channels_are_honoured()
    {
        var config = UNet2DConditionConfig.Tiny with { InChannels = 8, OutChannels = 3 };
        random.manual_seed(23);
        var unet = new UNet2DConditionModel(config);
        var gen = new Generator(24);
        using var sample = TestTensors.Normal(gen, 1, 8, 8, 8);
        using var context = TestTensors.Normal(gen, 1, 2, config.CrossAttentionDim);
        using var _ = no_grad();
        using var output = unet.Forward(sample, tensor(5L), context);
        Assert.Equal(new long[] { 1, 3, 8, 8 }, output.shape);
    }

    [Fact]
    public void Time_embedding_width_is_four_times_the_first_level()
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Tiny, device("meta"));
        Assert.Equal(128, unet.TimeEmbeddingDim); // 4 x 32
        Assert.Equal(new long[] { 128, 32 },
            unet.named_parameters().Single(p => p.name == "time_embedding.linear_1.weight").parameter.shape);
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_argument_named()
    {
        random.manual_seed(25);
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Tiny);
        var gen = new Generator(26);
        using var sample = TestTensors.Normal(gen, 2, 4, 8, 8);
        using var context = TestTensors.Normal(gen, 2, 3, 32);
        using var t = tensor(new long[] { 1, 2 });
        using var wrongChannels = TestTensors.Normal(gen, 2, 3, 8, 8);
        using var wrongContext = TestTensors.Normal(gen, 2, 3, 16);
        using var wrongTimesteps = tensor(new long[] { 1, 2, 3 });
        using var wrongAdded = TestTensors.Normal(gen, 2, 64);
        Assert.Contains("sample", Assert.Throws<ArgumentException>(() => unet.Forward(wrongChannels, t, context)).Message);
        Assert.Contains("encoderHiddenStates", Assert.Throws<ArgumentException>(() => unet.Forward(sample, t, wrongContext)).Message);
        Assert.Contains("timestep", Assert.Throws<ArgumentException>(() => unet.Forward(sample, wrongTimesteps, context)).Message);
        Assert.Contains("addedTimeEmbedding", Assert.Throws<ArgumentException>(() => unet.Forward(sample, t, context, wrongAdded)).Message);
    }

    [Fact]
    public void Small_preset_is_a_few_million_parameters()
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Small, device("meta"));
        long count = ParameterListing.Count(unet);
        Assert.InRange(count, 2_000_000, 8_000_000);
    }
}
