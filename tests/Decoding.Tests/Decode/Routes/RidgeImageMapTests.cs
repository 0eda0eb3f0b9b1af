using Decoding.Decode.Routes;
using Decoding.Metrics;
using Decoding.Tests.Metrics;

namespace Decoding.Tests.Decode.Routes;

public sealed class RidgeImageMapTests
{
    /// <summary>Easy synthetic data: voxels are a fixed random linear mix of the image's pixels plus noise, so a linear
    /// map back exists; fitted on 120 training samples, tested on 40 others.</summary>
    [Fact]
    public void RidgeBeatsChanceOnLinearSyntheticData()
    {
        const int size = 12, voxels = 60;
        var random = new Random(21);
        var (train, _) = SyntheticShapes.Generate(120, size, random);
        var (test, _) = SyntheticShapes.Generate(40, size, random);
        var mixing = new double[voxels, size * size];
        for (int v = 0; v < voxels; v++)
            for (int p = 0; p < size * size; p++) mixing[v, p] = random.NextDouble() * 2 - 1;
        float[] Encode(IReadOnlyList<ImageTensor> images)
        {
            var x = new float[images.Count * voxels]; // (n, voxels)
            for (int i = 0; i < images.Count; i++)
                for (int v = 0; v < voxels; v++)
                {
                    double s = 0;
                    for (int p = 0; p < size * size; p++) s += mixing[v, p] * images[i].Pixels[p];
                    x[i * voxels + v] = (float)(s + 0.5 * (random.NextDouble() - 0.5));
                }
            return x;
        }

        var baseline = RidgeImageMap.Fit(Encode(train), voxels, train, new Random(22));
        var predicted = baseline.Predict(Encode(test), test.Count);

        double mean = TwoWayIdentification.Compute(predicted, test).Mean;
        Assert.True(mean > 0.8, $"2-way pixel identification {mean} (chance 0.5)");
        Assert.True(PixCorr.Compute(predicted, test).Mean > 0.3);
        Assert.All(predicted, p => Assert.All(p.Pixels, v => Assert.InRange(v, 0f, 1f)));
    }

    [Fact]
    public void TooFewTrainingSamplesIsAOneLineArgumentError()
    {
        var (images, _) = SyntheticShapes.Generate(3, 12, new Random(1));
        var e = Assert.Throws<ArgumentException>(() => RidgeImageMap.Fit(new float[3 * 4], 4, images, new Random(2)));
        Assert.DoesNotContain('\n', e.Message);
    }
}
