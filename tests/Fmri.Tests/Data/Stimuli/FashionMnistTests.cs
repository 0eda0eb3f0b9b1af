using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Stimuli;

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
    public void Experiment_pool_and_model_images_never_share_an_image()
    {
        // Shipped copy (t10k only): the pool is t10k 0-4,999, the models get t10k 5,000-9,999.
        var shipped = FashionMnist.Load(ShippedFolder, FashionMnistPart.Test);
        var pool = FashionMnist.LoadExperimentPool(ShippedFolder);
        Assert.Equal(FashionMnist.ExperimentPoolSize, pool.Count);
        Assert.Equal(shipped.StimulusIds[..5_000], pool.StimulusIds);
        Assert.True(pool.Pixels.AsSpan().SequenceEqual(shipped.Pixels.AsSpan(0, pool.Pixels.Length)));
        var (models, files, description) = FashionMnist.LoadModelImages(ShippedFolder);
        Assert.Equal(5_000, models.Count);
        Assert.Equal(shipped.StimulusIds[5_000..], models.StimulusIds);
        Assert.Empty(pool.StimulusIds.Intersect(models.StimulusIds));
        Assert.Equal([FashionMnist.ImagesFile(ShippedFolder, FashionMnistPart.Test), FashionMnist.LabelsFile(ShippedFolder, FashionMnistPart.Test)], files);
        Assert.Contains("5,000-9,999", description);

        // A folder with a train half too (here the t10k files copied under the train names): the models get the train half.
        using var dir = new TempFolder();
        foreach (var part in new[] { FashionMnistPart.Test, FashionMnistPart.Train })
        {
            File.Copy(FashionMnist.ImagesFile(ShippedFolder, FashionMnistPart.Test), FashionMnist.ImagesFile(dir.Path, part));
            File.Copy(FashionMnist.LabelsFile(ShippedFolder, FashionMnistPart.Test), FashionMnist.LabelsFile(dir.Path, part));
        }
        var (train, trainFiles, _) = FashionMnist.LoadModelImages(dir.Path);
        Assert.Equal(10_000, train.Count);
        Assert.All(train.StimulusIds, id => Assert.True(id.TryGetSynsetAndImage(out _, out int n) && n >= FashionMnist.TrainImageNumberOffset));
        Assert.Equal(FashionMnist.ImagesFile(dir.Path, FashionMnistPart.Train), trainFiles[0]);
        Assert.Equal(pool.StimulusIds, FashionMnist.LoadExperimentPool(dir.Path).StimulusIds);
    }

    [Fact]
    public void Data_folder_is_found_from_the_test_binaries_and_not_from_elsewhere()
    {
        Assert.True(File.Exists(Path.Combine(RepositoryData.FindDataFolder(), "..", RepositoryData.SolutionFileName)));
        using var dir = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => RepositoryData.FindDataFolder(dir.Path));
    }
}
