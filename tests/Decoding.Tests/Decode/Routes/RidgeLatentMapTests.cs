using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using TorchSharp;
using static TorchSharp.torch;

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

    [Fact]
    public void With_categories_the_latent_is_the_predicted_categorys_mean_latent_plus_the_rest()
    {
        // Voxels that carry each sample's category (a strong pattern per category) and nothing of the image within the
        // category: the ridge map of the rest has nothing to learn, so each predicted latent is its category's mean
        // training latent, which is computed here independently (the VAE's posterior means, averaged per category).
        var data = RouteTestData.Instance;
        var pipeline = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var (train, test) = data.Pairs();
        try
        {
            const int V = 40;
            var random = new Random(3);
            double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var labels = train.Categories.Distinct().Order().ToArray();
            var patterns = labels.ToDictionary(l => l, _ => Enumerable.Range(0, V).Select(_ => 3 * Gaussian()).ToArray());
            float[] Voxels(IReadOnlyList<int> categories) =>
                categories.SelectMany(c => patterns[c].Select(p => (float)(p + 0.3 * Gaussian()))).ToArray();
            var map = RidgeLatentMap.Fit(Voxels(train.Categories), V, train.Images, pipeline.Sampler.FirstStage, new Random(1),
                categories: train.Categories);
            Assert.Equal(LowLevelPrior.Category, map.Prior);
            Assert.True(map.CategoryLambda > 0);

            Tensor means;
            using (TorchSharp.torch.no_grad())
            {
                var z = pipeline.Sampler.FirstStage.Encode(ImageTensors.ToModelRange(train.Images)).Mean;   // (N, 4, 4, 4)
                means = TorchSharp.torch.stack(labels.Select(l => z.index_select(0, TorchSharp.torch.tensor(
                    Enumerable.Range(0, train.Count).Where(i => train.Categories[i] == l).Select(i => (long)i).ToArray())).mean([0])).ToArray());
            }
            using var predicted = map.PredictLatents(Voxels(test.Categories), test.Count);                      // (n, 4, 4, 4)
            using var own = means.index_select(0, TorchSharp.torch.tensor(test.Categories.Select(c => (long)Array.IndexOf(labels, c)).ToArray()));
            double error = (predicted - own).pow(2).mean().item<float>();
            double spread = (means - means.mean([0], keepdim: true)).pow(2).mean().item<float>();
            Assert.True(error < 0.05 * spread, $"mean squared distance to the own category's mean latent {error:G3}, spread of the means {spread:G3}");

            // Without categories the same voxels give one ridge map, which has no category means to add.
            var plain = RidgeLatentMap.Fit(Voxels(train.Categories), V, train.Images, pipeline.Sampler.FirstStage, new Random(1));
            Assert.Equal(LowLevelPrior.None, plain.Prior);
            Assert.True(double.IsNaN(plain.CategoryLambda));
            means.Dispose();
        }
        finally
        {
            train.Images.Dispose();
            test.Images.Dispose();
        }
    }
}
