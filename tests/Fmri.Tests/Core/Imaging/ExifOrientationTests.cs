using Fmri.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Fmri.Tests.Core.Imaging;

public class ExifOrientationTests
{
    /// <summary>
    /// A 3-wide, 2-high picture tagged with EXIF orientation 6 ("rotate 90 degrees clockwise to display", the tag a
    /// phone held upright writes) is read as the 2-wide, 3-high picture a viewer shows: shown pixel (row r, column c) is
    /// stored pixel (row H - 1 - c, column r), H = 2 the stored height.
    /// </summary>
    [Fact]
    public void A_tagged_photo_is_read_the_way_a_viewer_shows_it()
    {
        using var image = new Image<Rgba32>(3, 2);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++) image[x, y] = new Rgba32((byte)(10 * (3 * y + x) + 10), 0, 0, 255);
        var profile = new ExifProfile();
        profile.SetValue(ExifTag.Orientation, (ushort)6);
        image.Metadata.ExifProfile = profile;
        string file = Path.Combine(Path.GetTempPath(), $"exif-{Guid.NewGuid():N}.png");
        try
        {
            image.SaveAsPng(file);
            var shown = ImageFile.Read(file);
            Assert.Equal((2, 3), (shown.Width, shown.Height));
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 2; c++)
                    Assert.Equal(image[r, 2 - 1 - c].R, shown.Pixels[(r * 2 + c) * 4]);

            image.Metadata.ExifProfile = null;
            image.SaveAsPng(file);
            Assert.Equal((3, 2), (ImageFile.Read(file).Width, ImageFile.Read(file).Height));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
