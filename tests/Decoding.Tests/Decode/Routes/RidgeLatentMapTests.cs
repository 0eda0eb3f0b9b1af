using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The low-level route's map: ridge voxels -> VAE latent, decoded by the LDM folder's frozen VAE.</summary>
public sealed class RidgeLatentMapTests
{
    [Fact]
    public void PredictedLatentsDecodeToImagesOfTheModelsFormat()
    {
        var data = RouteTestData.Instance;
        var pipeline = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var (train, test) = data.Pairs();
        try
        {
            var map = RidgeLatentMap.Fit(train.Voxels, train.VoxelCount, train.Images, pipeline.Sampler.FirstStage, new Random(1));
            Assert.Equal([4, 4, 4], map.LatentShape);
            using var latents = map.PredictLatents(test.Voxels, test.Count);
            Assert.Equal(new long[] { test.Count, 4, 4, 4 }, latents.shape);
            var images = map.Predict(test.Voxels, test.Count);
            Assert.Equal(test.Count, images.Count);
            Assert.All(images, i => Assert.True(i.Height == 16 && i.Width == 16 && i.Channels == 1, i.ToString()));
            Assert.All(images, i => Assert.All(i.Pixels, p => Assert.InRange(p, 0f, 1f)));
            Assert.True(map.Lambda > 0);
        }
        finally
        {
            train.Images.Dispose();
            test.Images.Dispose();
        }
    }

    [Fact]
    public void TooFewTrainingSamplesIsAOneLineArgumentError()
    {
        var data = RouteTestData.Instance;
        var pipeline = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var (train, test) = data.Pairs();
        using var three = train.Images.narrow(0, 0, 3);
        var e = Assert.ThrowsAny<ArgumentException>(() => RidgeLatentMap.Fit(train.Voxels[..(3 * train.VoxelCount)], train.VoxelCount, three,
            pipeline.Sampler.FirstStage, new Random(2)));
        Assert.DoesNotContain('\n', e.Message);
        train.Images.Dispose();
        test.Images.Dispose();
    }
}
