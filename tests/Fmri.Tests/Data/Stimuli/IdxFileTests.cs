using System.IO.Compression;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Stimuli;

public class IdxFileTests
{
    private static string ShippedFolder => Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist");

    [Fact]
    public void Shipped_test_images_are_10000_images_of_28x28()
    {
        var images = IdxFile.ReadImages(FashionMnist.ImagesFile(ShippedFolder, FashionMnistPart.Test));
        Assert.Equal(new[] { 10_000, 28, 28 }, images.Dimensions);
        Assert.Equal(10_000 * 28 * 28, images.Data.Length);
        // Reference computed independently with Debian's Python:
        //   /usr/bin/python3 -c "import gzip; b = gzip.open('data/fashion-mnist/t10k-images-idx3-ubyte.gz').read(); print(sum(b[16:16+784]))"
        // prints 33456 (pixel sum of the first image), and row 14 of the first image is the list below.
        Assert.Equal(33456, images.Data.AsSpan(0, 784).ToArray().Sum(b => (int)b));
        byte[] row14 = [0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0];
        Assert.Equal(row14, images.Data.AsSpan(14 * 28, 28).ToArray());
    }

    [Fact]
    public void Shipped_test_labels_start_with_the_published_first_labels()
    {
        byte[] labels = IdxFile.ReadLabels(FashionMnist.LabelsFile(ShippedFolder, FashionMnistPart.Test));
        Assert.Equal(10_000, labels.Length);
        // The official Fashion-MNIST test set begins with labels 9, 2, 1, 1, 6 (ankle boot, pullover, trouser,
        // trouser, shirt). Checked independently on the label file's bytes with Debian's Python:
        //   /usr/bin/python3 -c "import gzip; print(list(gzip.open('data/fashion-mnist/t10k-labels-idx1-ubyte.gz').read()[8:18]))"
        // prints [9, 2, 1, 1, 6, 1, 4, 6, 5, 7].
        Assert.Equal(new byte[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, labels[..10]);
        // Fashion-MNIST's test set is balanced: 1,000 images per class (Xiao et al. 2017).
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, labels.Count(l => l == c)));
    }

    [Fact]
    public void Plain_uncompressed_files_are_read_too()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "labels-idx1-ubyte");
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
        Assert.Equal(new byte[] { 7, 8, 9 }, IdxFile.ReadLabels(path));
    }

    [Fact]
    public void Bad_magic_gives_one_line_error_naming_file_and_field()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "bad-idx1-ubyte.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gz.Write([0x12, 0x34, 8, 1, 0, 0, 0, 1, 5]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));
        Assert.Equal(path, e.File);
        Assert.Equal("magic", e.Field);
        Assert.StartsWith($"{path}: magic: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unsupported_type_and_truncated_data_are_reported_by_field()
    {
        using var dir = new TempFolder();
        string floats = Path.Combine(dir.Path, "floats");
        File.WriteAllBytes(floats, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Equal("magic", Assert.Throws<DataFormatException>(() => IdxFile.Read(floats)).Field);

        string truncated = Path.Combine(dir.Path, "truncated");
        File.WriteAllBytes(truncated, [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(truncated));
        Assert.Equal("data", e.Field);

        string labelsAsImages = Path.Combine(dir.Path, "labels");
        File.WriteAllBytes(labelsAsImages, [0, 0, 8, 1, 0, 0, 0, 1, 4]);
        Assert.Equal("dimensions", Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(labelsAsImages)).Field);
    }
}
