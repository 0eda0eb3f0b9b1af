using Fmri.Data;
using Fmri.Stimuli;

namespace Fmri.Tests.Stimuli;

public class FashionMnistTests
{
    private static string ShippedFolder => Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist");

    [Fact]
    public void Shipped_subset_loads_as_greyscale_stimuli_with_god_encoded_ids()
    {
        var set = FashionMnist.Load(ShippedFolder, FashionMnistPart.Test);
        Assert.Equal((10_000, 28, 28, 1), (set.Count, set.Height, set.Width, set.Channels));
        Assert.Equal(10, set.CategoryNames.Count);
        Assert.Equal("T-shirt/top", set.CategoryNames[0]);
        Assert.Equal("Ankle boot", set.CategoryNames[9]);
        // First image is an ankle boot (label 9) -> synset 1,009, image number 0.
        Assert.Equal(new StimulusId("n00001009_0"), set.StimulusIds[0]);
        Assert.Equal(9, set.CategoryLabels[0]);
        // Second image: pullover (label 2), image number 1 -> GOD float 1002.000001.
        Assert.Equal(new StimulusId("n00001002_1"), set.StimulusIds[1]);
        Assert.Equal(set.StimulusIds[1], StimulusId.FromGodNumber(1002.000001));
        Assert.Equal(1, set.Find(StimulusId.FromGodNumber(set.StimulusIds[1].ToGodNumber())));
        Assert.Equal(9_999, set.Find(set.StimulusIds[9_999]));
    }

    [Fact]
    public void Train_ids_are_offset_so_they_never_collide_with_test_ids()
    {
        Assert.Equal(new StimulusId("n00001003_10005"), FashionMnist.StimulusIdOf(FashionMnistPart.Train, 5, 3));
        Assert.Equal(new StimulusId("n00001003_5"), FashionMnist.StimulusIdOf(FashionMnistPart.Test, 5, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => FashionMnist.StimulusIdOf(FashionMnistPart.Test, 0, 10));
    }

    [Fact]
    public void Available_set_starts_with_the_test_half_and_adds_the_train_half_when_installed()
    {
        string folder = FashionMnist.DefaultFolder();
        bool full = FashionMnist.HasPart(folder, FashionMnistPart.Train);
        var set = FashionMnist.LoadAvailable(folder);
        Assert.Equal(full ? 70_000 : 10_000, set.Count);
        var shipped = FashionMnist.Load(ShippedFolder, FashionMnistPart.Test);
        Assert.Equal(shipped.StimulusIds, set.StimulusIds[..10_000]);
        Assert.True(set.Pixels.AsSpan(0, shipped.Pixels.Length).SequenceEqual(shipped.Pixels));
    }

    [Fact]
    public void Data_folder_is_found_from_the_test_binaries_and_not_from_elsewhere()
    {
        Assert.True(File.Exists(Path.Combine(RepositoryData.FindDataFolder(), "..", RepositoryData.SolutionFileName)));
        using var dir = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => RepositoryData.FindDataFolder(dir.Path));
    }
}
