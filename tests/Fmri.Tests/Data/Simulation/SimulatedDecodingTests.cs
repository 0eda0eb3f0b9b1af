using Fmri.Data;
using Fmri.Data.Simulation;
using Fmri.Ridge;

namespace Fmri.Tests.Data.Simulation;

public class SimulatedDecodingTests
{
    /// <summary>
    /// The simulated voxels carry image information: ridge regression from early visual cortex (V1-V3) to the
    /// 28x28 pixels, trained on single training trials (z-scored within runs) and tested on test responses averaged
    /// over repeats, reconstructs held-out images; trained on shuffled image labels it does not.
    /// </summary>
    [Fact]
    public void Ridge_from_early_visual_voxels_reconstructs_pixels_and_shuffled_training_does_not()
    {
        var config = new VisualCortexConfig
        {
            Seed = 11,
            TrainImagesPerCategory = 40,
            TestImagesPerCategory = 3,
            TestRepeats = 8,
            TrainRuns = 8,
            RetinotopicAreas =
            [
                new("V1", 200, 0.12, 0.30, 0.80),
                new("V2", 180, 0.18, 0.40, 0.70),
                new("V3", 150, 0.28, 0.50, 0.60),
            ],
            LocVoxelCount = 0,
        };
        var session = new VisualCortexSimulator(config).Simulate(SimulationFixtures.Pool);
        var data = session.Dataset;
        var z = SimulationFixtures.ZScoreWithinRuns(data);
        int[] roi = data.Rois["LVC"];
        int p = roi.Length, q = 28 * 28;

        int[] train = data.IndicesOf(DataSplit.Train);
        int n = train.Length;
        var x = new float[n * p];
        var y = new float[n * q];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < p; j++) x[i * p + j] = z[train[i] * data.VoxelCount + roi[j]];
            Pixels(session, data.StimulusIds[train[i]]).CopyTo(y, i * q);
        }
        var testIds = data.IndicesOf(DataSplit.Test).Select(i => data.StimulusIds[i]).Distinct().ToArray();
        int m = testIds.Length;
        var xTest = new float[m * p];
        var yTest = new float[m * q];
        for (int s = 0; s < m; s++)
        {
            int[] repeats = Enumerable.Range(0, data.SampleCount).Where(i => data.StimulusIds[i] == testIds[s]).ToArray();
            Assert.Equal(config.TestRepeats, repeats.Length);
            for (int j = 0; j < p; j++) xTest[s * p + j] = (float)repeats.Average(i => z[i * data.VoxelCount + roi[j]]);
            Pixels(session, testIds[s]).CopyTo(yTest, s * q);
        }

        // Penalty fixed a priori at max(n, p), the average non-zero eigenvalue of X'X for standardised features (the
        // centre of RidgeCrossValidation.DefaultLambdas); cross-validation is tested on its own and is slow in Debug builds.
        double lambda = Math.Max(n, p);
        var model = RidgeRegression.Fit(x, n, p, y, q, lambda);
        double real = MeanPixelCorrelation(model.Predict(xTest, m), yTest, m, q);

        // Chance level: the same decoder trained with the images shuffled across training samples (three shuffles).
        var chance = new double[3];
        for (int r = 0; r < chance.Length; r++)
        {
            var shuffled = new float[y.Length];
            int[] order = Enumerable.Range(0, n).ToArray();
            new Random(100 + r).Shuffle(order);
            for (int i = 0; i < n; i++) Array.Copy(y, order[i] * q, shuffled, i * q, q);
            chance[r] = MeanPixelCorrelation(RidgeRegression.Fit(x, n, p, shuffled, q, lambda).Predict(xTest, m), yTest, m, q);
        }
        string numbers = $"real {real:F3}, shuffled {string.Join(", ", chance.Select(c => c.ToString("F3")))}";
        Assert.True(real > 0.5, numbers);
        Assert.True(Math.Abs(chance.Average()) < 0.15, numbers);
        Assert.All(chance, c => Assert.True(real - c > 0.35, numbers));
    }

    private static float[] Pixels(SimulatedSession session, StimulusId id)
        => session.Stimuli.Image(session.Stimuli.Find(id)).ToArray().Select(b => b / 255f).ToArray();

    /// <summary>Pearson correlation across test images at each pixel, averaged over pixels that vary.</summary>
    private static double MeanPixelCorrelation(float[] predicted, float[] actual, int m, int q)
    {
        var correlations = new List<double>();
        for (int k = 0; k < q; k++)
        {
            double[] a = Enumerable.Range(0, m).Select(i => (double)predicted[i * q + k]).ToArray();
            double[] b = Enumerable.Range(0, m).Select(i => (double)actual[i * q + k]).ToArray();
            double ma = a.Average(), mb = b.Average();
            double sab = a.Zip(b, (u, v) => (u - ma) * (v - mb)).Sum();
            double saa = a.Sum(u => (u - ma) * (u - ma)), sbb = b.Sum(v => (v - mb) * (v - mb));
            if (saa > 0 && sbb > 0) correlations.Add(sab / Math.Sqrt(saa * sbb));
        }
        return correlations.Average();
    }
}
