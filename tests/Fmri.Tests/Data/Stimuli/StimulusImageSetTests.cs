using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Stimuli;

public class StimulusImageSetTests
{
    private static StimulusImageSet Sample(int count, int height, int width, int channels, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * height * width * channels];
        random.NextBytes(pixels);
        var ids = Enumerable.Range(0, count).Select(i => StimulusId.FromSynsetAndImage(1518878, 10_000 + i)).ToArray();
        var labels = Enumerable.Range(0, count).Select(i => i % 3 - (i == 0 ? 1 : 0)).ToArray();
        return new StimulusImageSet(pixels, count, height, width, channels, ids, labels, ["a", "b", "c"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Round_trips_through_its_hdf5_file(int channels)
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "stimuli.h5");
        var set = Sample(300, 7, 5, channels, seed: channels);
        set.Write(path);
        var back = StimulusImageSet.Read(path);
        Assert.Equal((set.Count, set.Height, set.Width, set.Channels), (back.Count, back.Height, back.Width, back.Channels));
        Assert.Equal(set.Pixels, back.Pixels);
        Assert.Equal(set.StimulusIds, back.StimulusIds);
        Assert.Equal(set.CategoryLabels, back.CategoryLabels);
        Assert.Equal(set.CategoryNames, back.CategoryNames);
        Assert.Equal(17, back.Find(StimulusId.FromGodNumber(1518878.010017)));
        Assert.Equal(-1, back.Find(new StimulusId("n00000000_0")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Fitting_28x28_to_32x32_pads_two_zero_pixels_on_each_side()
    {
        var set = Sample(2, 28, 28, 1, seed: 5);
        var padded = set.ForDiffusion();
        Assert.Equal((32, 32), (padded.Height, padded.Width));
        for (int i = 0; i < 2; i++)
        {
            var image = padded.Image(i);
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                {
                    bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                    byte expected = inside ? set.Image(i)[(y - 2) * 28 + (x - 2)] : (byte)0;
                    Assert.Equal(expected, image[y * 32 + x]);
                }
        }
    }

    [Fact]
    public void Fitting_a_larger_image_shrinks_it_keeping_the_aspect_ratio()
    {
        // 64 x 128 uniform image of value 90 -> shrunk to 16 x 32, centred in 32 x 32 (rows 8-23), zero elsewhere.
        var pixels = Enumerable.Repeat((byte)90, 64 * 128).ToArray();
        var set = new StimulusImageSet(pixels, 1, 64, 128, 1, [new StimulusId("x")], [0], ["only"]);
        var fitted = set.FitTo(32, 32).Image(0);
        for (int y = 0; y < 32; y++)
            Assert.Equal(y >= 8 && y < 24 ? 90 : 0, fitted[y * 32 + 16]);
    }

    [Fact]
    public void Duplicate_ids_and_bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new StimulusImageSet(new byte[8], 2, 2, 2, 1, [new StimulusId("a"), new StimulusId("a")], [0, 0], ["c"]));
        Assert.Throws<ArgumentException>(() => new StimulusImageSet(new byte[7], 2, 2, 2, 1, [new StimulusId("a"), new StimulusId("b")], [0, 0], ["c"]));
        Assert.Throws<ArgumentException>(() => new StimulusImageSet(new byte[8], 2, 2, 2, 1, [new StimulusId("a"), new StimulusId("b")], [0, 1], ["c"]));
    }

    [Fact]
    public void Reading_a_file_without_images_names_the_missing_dataset()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "empty.h5");
        new PureHDF.H5File { ["category"] = new[] { 1 } }.Write(path);
        var e = Assert.Throws<DataFormatException>(() => StimulusImageSet.Read(path));
        Assert.Equal("/images", e.Field);
    }
}
