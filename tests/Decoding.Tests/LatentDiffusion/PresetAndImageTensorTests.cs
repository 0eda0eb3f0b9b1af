using Fmri.Core;
using Decoding.LatentDiffusion;
using static TorchSharp.torch;

namespace Decoding.Tests.LatentDiffusion;

public class PresetAndImageTensorTests
{
    [Theory]
    [InlineData("tiny")]
    [InlineData("small")]
    public void The_named_presets_are_valid(string name)
    {
        var preset = LatentDiffusionPreset.FromName(name).Validate();
        Assert.Equal(name, preset.Name);
        Assert.Equal(0.1, preset.LdmTraining.ProportionEmptyPrompts);
        Assert.Equal(preset.Unet.SampleSize, preset.LatentSize);
    }

    [Fact]
    public void The_small_preset_works_on_32x32_greyscale_with_an_8x8_latent()
    {
        var small = LatentDiffusionPreset.Small;
        Assert.Equal(32, small.ImageSize);
        Assert.Equal(1, small.ImageChannels);
        Assert.Equal(8, small.LatentSize);
    }

    [Fact]
    public void Parts_that_do_not_fit_are_named_in_one_line()
    {
        var bad = LatentDiffusionPreset.Small with { Conditioner = new LabelConditionerShape { HiddenSize = 64 } };
        var e = Assert.ThrowsAny<ArgumentException>(() => bad.Validate());
        Assert.Contains("cross_attention_dim", e.Message);
        Assert.Contains("hidden_size", e.Message);

        var noSteps = LatentDiffusionPreset.Tiny with { LdmTraining = LatentDiffusionPreset.Tiny.LdmTraining with { MaxTrainSteps = 0 } };
        Assert.Equal("ldm_training.max_train_steps 0: must be at least 1", Assert.Throws<InvalidSettingException>(() => noSteps.Validate()).Message);

        Assert.Contains("tiny, small", Assert.Throws<InvalidSettingException>(() => LatentDiffusionPreset.FromName("huge")).Message);
    }

    [Fact]
    public void A_28x28_image_is_centred_on_a_zero_32x32_canvas()
    {
        var pixels = Enumerable.Range(0, 28 * 28).Select(i => (byte)(1 + i % 250)).ToArray();
        var images = new LabelledImages(pixels, 1, 28, 28, 1, [0], ["x"]);
        using var padded = ImageTensors.ToPaddedBytes(images, 32, 1);   // (1, 1, 32, 32)
        Assert.Equal(new long[] { 1, 1, 32, 32 }, padded.shape);
        var grid = padded.data<byte>().ToArray();
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
            {
                bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                byte expected = inside ? pixels[(y - 2) * 28 + x - 2] : (byte)0;
                Assert.Equal(expected, grid[y * 32 + x]);
            }
    }

    [Fact]
    public void Pixels_map_to_minus_one_to_one_and_back()
    {
        byte[] values = [0, 1, 127, 128, 254, 255];
        var images = new LabelledImages(values, 1, 1, 6, 1, [0], ["x"]);
        using var bytes = ImageTensors.ToPaddedBytes(images, 6, 1);     // the row lands at y = (6 − 1) / 2 = 2
        using var model = ImageTensors.ToModelRange(bytes);
        using var modelRow = model.narrow(2, 2, 1);                      // (1, 1, 1, 6)
        var floats = modelRow.contiguous().data<float>().ToArray();
        Assert.Equal(-1f, floats[0]);
        Assert.Equal(1f, floats[5]);
        Assert.Equal(127 / 127.5f - 1, floats[2], 6);
        using var unit = ImageTensors.ToUnitRange(modelRow);
        Assert.Equal(values, ImageTensors.ToBytes(unit));
    }

    [Fact]
    public void Channels_convert_by_repeating_grey_and_by_luma()
    {
        var grey = new LabelledImages([10, 200], 1, 1, 2, 1, [0], ["x"]);
        using var rgb = ImageTensors.ToPaddedBytes(grey, 2, 3);      // (1, 3, 2, 2)
        var planes = rgb.data<byte>().ToArray();
        Assert.Equal(new byte[] { 10, 200, 0, 0, 10, 200, 0, 0, 10, 200, 0, 0 }, planes);

        // ITU-R BT.601 luma of (100, 200, 50): 0.299·100 + 0.587·200 + 0.114·50 = 153.0
        var colour = new LabelledImages([100, 200, 50], 1, 1, 1, 3, [0], ["x"]);
        using var luma = ImageTensors.ToPaddedBytes(colour, 1, 1);
        Assert.Equal((byte)153, luma.data<byte>()[0]);
    }

    [Fact]
    public void An_image_larger_than_the_model_size_is_refused()
    {
        var images = new LabelledImages(new byte[40 * 40], 1, 40, 40, 1, [0], ["x"]);
        Assert.Contains("40x40", Assert.Throws<ArgumentException>(() => ImageTensors.ToPaddedBytes(images, 32, 1)).Message);
    }

    [Fact]
    public void The_nearest_class_mean_of_an_image_equal_to_a_class_mean_is_that_class()
    {
        var images = SyntheticImages.VariedShapes(size: 16, count: 20, seed: 1);
        using var pixels = ImageTensors.ToPaddedBytes(images, 16, 1);
        using var means = ClassConsistency.ClassMeans(pixels, images.Labels, 2);   // (2, 1, 16, 16)
        Assert.Equal(new long[] { 0, 1 }, ClassConsistency.NearestClassMean(means, means));
        using var correlations = ClassConsistency.Correlations(means, means);
        Assert.Equal(1.0, correlations[0, 0].item<double>(), 9);
    }

    [Fact]
    public void Copies_of_one_image_per_class_are_all_consistent_with_their_class()
    {
        var images = SyntheticImages.DiscsAndBars(size: 8, copies: 3);
        using var pixels = ImageTensors.ToPaddedBytes(images, 8, 1);
        using var means = ClassConsistency.ClassMeans(pixels, images.Labels, 2);
        var result = ClassConsistency.OfImages(pixels, images.Labels, means, images.ClassNames);
        Assert.Equal(1.0, result.Overall);
        Assert.Equal([3, 0], result.Confusion[0]);
        Assert.Equal([0, 3], result.Confusion[1]);
    }

    [Fact]
    public void Named_classes_without_images_are_left_out_and_the_labels_renumbered_in_order()
    {
        // Names a, b, c, d; images of b, d, b: the model trains on b and d, labels 0, 1, 0 (worked out by hand).
        var pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)i;
        var images = new LabelledImages(pixels, 3, 2, 2, 1, [1, 3, 1], ["a", "b", "c", "d"]);
        var (kept, leftOut) = images.WithoutEmptyClasses();
        Assert.Equal(["b", "d"], kept.ClassNames);
        Assert.Equal([0, 1, 0], kept.Labels);
        Assert.Equal(["a", "c"], leftOut);
        Assert.Same(pixels, kept.Pixels);
        var full = new LabelledImages(pixels, 3, 2, 2, 1, [0, 1, 0], ["a", "b"]);
        Assert.Same(full, full.WithoutEmptyClasses().Images);
    }
}
