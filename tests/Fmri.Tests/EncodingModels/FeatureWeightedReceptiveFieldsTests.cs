using Fmri.EncodingModels;
using Fmri.Data;
using static TorchSharp.torch;

namespace Fmri.Tests.EncodingModels;

/// <summary>The feature-weighted receptive field encoding model and the voxelwise choice between two encoding models.</summary>
public sealed class FeatureWeightedReceptiveFieldsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Size = 32;

    /// <summary>Grey images with three Gabor patches each (random place, orientation, period 4, 8 or 16 px, phase and
    /// contrast), so that energy differs from place to place and channel to channel: uint8 (n, 1, 32, 32).</summary>
    private static Tensor PatchImages(int n, Random random)
    {
        var values = new byte[n * Size * Size];
        double[] periods = [4, 8, 16];
        for (int s = 0; s < n; s++)
        {
            var image = new double[Size * Size];
            Array.Fill(image, 0.5);
            for (int patch = 0; patch < 3; patch++)
            {
                double cy = random.NextDouble() * Size, cx = random.NextDouble() * Size, theta = random.NextDouble() * Math.PI;
                double period = periods[random.Next(3)], phase = random.NextDouble() * 2 * Math.PI, contrast = 0.1 + 0.2 * random.NextDouble();
                double sigma = 2 + 4 * random.NextDouble();
                for (int i = 0; i < Size; i++)
                    for (int j = 0; j < Size; j++)
                    {
                        double u = (j - cx) * Math.Cos(theta) + (i - cy) * Math.Sin(theta);
                        double envelope = Math.Exp(-((i - cy) * (i - cy) + (j - cx) * (j - cx)) / (2 * sigma * sigma));
                        image[i * Size + j] += contrast * envelope * Math.Cos(2 * Math.PI * u / period + phase);
                    }
            }
            for (int p = 0; p < image.Length; p++) values[s * Size * Size + p] = (byte)Math.Clamp(Math.Round(255 * image[p]), 0, 255);
        }
        return tensor(values, new long[] { n, 1, Size, Size });
    }

    /// <summary>
    /// Voxels made by the model's own form, computed here from the public energy maps: each voxel pools the maps with a
    /// normalised Gaussian at one candidate centre and size, takes the square root of the pooled energy (luminance as it
    /// is), and weighs the channels; plus Gaussian noise of 5% of the signal's spread.
    /// </summary>
    private static float[] Voxels(Tensor images, (int Row, int Column, double Share, double[] Weights)[] fields, Random random)
    {
        using var features = new GaborEnergyFeatures(Size);
        using var maps = features.EnergyMaps(images.to(ScalarType.Float32).div(255.0));             // (n, 13, 32, 32)
        int n = (int)maps.shape[0], channels = (int)maps.shape[1];
        var energy = maps.to(ScalarType.Float64).data<double>().ToArray();
        var y = new double[n * fields.Length];
        for (int v = 0; v < fields.Length; v++)
        {
            var (row, column, share, weights) = fields[v];
            double cy = (row + 0.5) * Size / FeatureWeightedReceptiveFields.CentresPerSide - 0.5;
            double cx = (column + 0.5) * Size / FeatureWeightedReceptiveFields.CentresPerSide - 0.5, sigma = share * Size;
            var g = new double[Size * Size];
            for (int i = 0; i < Size; i++)
                for (int j = 0; j < Size; j++) g[i * Size + j] = Math.Exp(-((i - cy) * (i - cy) + (j - cx) * (j - cx)) / (2 * sigma * sigma));
            double total = g.Sum();
            for (int s = 0; s < n; s++)
                for (int c = 0; c < channels; c++)
                {
                    double pooled = 0;
                    for (int p = 0; p < g.Length; p++) pooled += g[p] / total * energy[((long)s * channels + c) * Size * Size + p];
                    y[s * fields.Length + v] += weights[c] * (c < channels - 1 ? Math.Sqrt(pooled) : pooled);
                }
        }
        for (int v = 0; v < fields.Length; v++)
        {
            var column = Enumerable.Range(0, n).Select(s => y[s * fields.Length + v]).ToArray();
            double mean = column.Average(), sd = Math.Sqrt(column.Sum(a => (a - mean) * (a - mean)) / n);
            for (int s = 0; s < n; s++) y[s * fields.Length + v] += 0.05 * sd * Normal(random);
        }
        return y.Select(a => (float)a).ToArray();
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(x => (double)x), mb = b.Average(x => (double)x), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) * (a[i] - ma); bb += (b[i] - mb) * (b[i] - mb); }
        return ab / Math.Sqrt(aa * bb);
    }

    [Fact]
    public void Voxels_made_by_a_pooling_field_are_predicted_on_new_images_and_the_gradient_reaches_the_pixels()
    {
        var random = new Random(11);
        int channels = 3 * 4 + 1;
        double[] RandomWeights() => Enumerable.Range(0, channels).Select(_ => random.NextDouble() < 0.4 ? 0.5 + random.NextDouble() : 0).ToArray();
        var fields = new[]
        {
            (2, 3, 1.0 / 32, RandomWeights()), (7, 7, 1.0 / 16, RandomWeights()), (5, 1, 1.0 / 8, RandomWeights()), (4, 5, 1.0 / 4, RandomWeights()),
        };
        int trainCount = 240, testCount = 80;
        using var trainImages = PatchImages(trainCount, random);
        using var testImages = PatchImages(testCount, random);
        var trainVoxels = Voxels(trainImages, fields, random);
        var testVoxels = Voxels(testImages, fields, random);
        var train = new StimulusPairs(trainVoxels, fields.Length, trainImages,
            [.. Enumerable.Range(0, trainCount).Select(i => new StimulusId($"s{i}"))], new int[trainCount], [.. Enumerable.Range(0, trainCount)]);

        using var model = FeatureWeightedReceptiveFields.Fit(train, new Random(5));
        Assert.Equal(fields.Length, model.VoxelCount);
        Assert.Equal(fields.Length, model.HeldOutErrors.Count);
        Assert.All(model.HeldOutErrors, e => Assert.True(e > 0 && double.IsFinite(e)));
        Assert.Contains("fwRF", model.Description);

        using var images = testImages.to(ScalarType.Float32).div(255.0).requires_grad_(true);
        using var predicted = model.Predict(images);
        var values = predicted.detach().data<float>().ToArray();
        for (int v = 0; v < fields.Length; v++)
        {
            var p = Enumerable.Range(0, testCount).Select(s => values[s * fields.Length + v]).ToArray();
            var m = Enumerable.Range(0, testCount).Select(s => testVoxels[s * fields.Length + v]).ToArray();
            double r = Correlation(p, m);
            output.WriteLine($"voxel {v} (field {fields[v].Item1},{fields[v].Item2}, sd {fields[v].Item3 * Size} px): held-out correlation {r:F3}");
            // Noise of 5% of the signal's spread caps the correlation at 1 / sqrt(1 + 0.05²) = 0.9988; a model whose
            // fields sit 1.5 px off their places scores 0.96-0.99 here.
            Assert.True(r > 0.99, $"voxel {v}: held-out correlation {r:F3}");
        }
        using var sum = predicted.sum();
        sum.backward();
        using var gradient = images.grad!.abs();
        Assert.True(gradient.max().item<float>() > 0 && float.IsFinite(gradient.sum().item<float>()));
    }

    /// <summary>A model that predicts one value for every voxel of every image and reports given held-out errors.</summary>
    private sealed class ConstantModel(float value, double[] errors, string name) : IEncodingModel
    {
        public int VoxelCount => errors.Length;
        public string Description => name;
        public IReadOnlyList<double> HeldOutErrors => errors;
        public Tensor Predict(Tensor images) => full(images.shape[0], errors.Length, value);
        public void Dispose() { }
    }

    [Fact]
    public void Each_voxel_is_predicted_by_the_model_with_the_smaller_held_out_error()
    {
        using var choice = new VoxelwiseModelChoice(new ConstantModel(1, [1, 5, 2, 2], "first"), new ConstantModel(2, [3, 4, 2, 1], "second"));
        Assert.Equal(2, choice.FirstCount);   // voxel 0 (1 < 3) and voxel 2 (a tie goes to the first)
        Assert.Equal(new double[] { 1, 4, 2, 1 }, choice.HeldOutErrors);
        using var predicted = choice.Predict(zeros(3, 1, 4, 4));
        Assert.Equal(new float[] { 1, 2, 1, 2 }, predicted[0].data<float>().ToArray());
        Assert.Equal(new float[] { 1, 2, 1, 2 }, predicted[2].data<float>().ToArray());
        Assert.Contains("2 voxels by first", choice.Description);
        Assert.Throws<ArgumentException>(() => new VoxelwiseModelChoice(new ConstantModel(1, [1], "a"), new ConstantModel(1, [1, 2], "b")));
    }
}
