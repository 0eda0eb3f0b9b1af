using Fmri.Core.Imaging;

namespace Fmri.Tests.Core.Imaging;

public class ImagingTests
{
    [Fact]
    public void Png_round_trip_preserves_8_bit_values()
    {
        // A 2x3 RGB image whose values are exact multiples of 1/255 survives encode/decode unchanged.
        float[] pixels = Enumerable.Range(0, 18).Select(i => (i * 14) / 255f).ToArray();
        var png = PngImage.Encode(pixels, 2, 3, 3);
        Assert.Equal(0x89, png[0]);
        var (back, h, w) = PngImage.Decode(png, 3);
        Assert.Equal((2, 3), (h, w));
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i], back[i], 1e-6f);
    }

    [Fact]
    public void Grey_png_decodes_to_the_same_grey()
    {
        float[] pixels = [0f, 0.5f, 1f, 0.2f];
        var (back, _, _) = PngImage.Decode(PngImage.Encode(pixels, 2, 2, 1), 1);
        // 0.5 -> byte 128 -> 128/255 = 0.50196; luma of equal r=g=b is that value (weights sum to 1).
        Assert.Equal(new[] { 0f, 128 / 255f, 1f, 51 / 255f }, back.Select(v => MathF.Round(v, 5)).ToArray(), new FloatTolerance(1e-4f));
    }

    [Fact]
    public void Grid_draws_labels_with_the_embedded_font()
    {
        // The same grid with and without a title differs only if text is really drawn (ScottPlot/Skia draw nothing without fonts).
        var img = (Enumerable.Repeat(0.5f, 16).ToArray(), 4, 4, 1);
        var withText = new ImageGrid(title: "Decoded").AddRow("stimulus 1", [img, img]).EncodePng();
        var (pixels, h, w) = PngImage.Decode(withText, 1);
        // The title band (top 22 px) contains dark pixels from the glyphs.
        int dark = 0;
        for (int y = 0; y < 22; y++) for (int x = 0; x < w; x++) if (pixels[y * w + x] < 0.5f) dark++;
        Assert.True(dark > 20, $"expected title glyph pixels, found {dark}");
    }

    [Fact]
    public void Wrong_pixel_count_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => PngImage.Encode(new float[5], 2, 2, 1));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
