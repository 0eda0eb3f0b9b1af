using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class ImageTensorTests
{
    [Fact]
    public void Luma_uses_bt601_weights_in_hwc_order()
    {
        // One row of three RGB pixels: pure red, pure green, pure blue -> luma 0.299, 0.587, 0.114 (ITU-R BT.601).
        var image = new ImageTensor(1, 3, 3, new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });
        var luma = image.ToLuma();
        Assert.Equal(0.299, luma[0], 7);
        Assert.Equal(0.587, luma[1], 7);
        Assert.Equal(0.114, luma[2], 7);
        Assert.Equal(1f, image[0, 1, 1]);
    }

    [Fact]
    public void Values_outside_unit_range_and_wrong_lengths_are_rejected()
    {
        var bytes = Assert.Throws<ArgumentException>(() => new ImageTensor(1, 2, 1, new float[] { 0f, 255f }));
        Assert.Contains("pixels[1]", bytes.Message);
        Assert.Throws<ArgumentException>(() => new ImageTensor(2, 2, 1, new float[3]));
        Assert.Throws<ArgumentException>(() => new ImageTensor(2, 2, 2, new float[8]));
    }
}
