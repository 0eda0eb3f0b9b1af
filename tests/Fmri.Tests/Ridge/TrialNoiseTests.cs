using Fmri.Data.Simulation;
using Fmri.Ridge;

namespace Fmri.Tests.Ridge;

/// <summary>
/// The ridge penalty for averaged samples (<see cref="TrialNoise"/>, <see cref="RidgeCrossValidation.SelectLambda"/>
/// with noise). The reference is a direct simulation: fresh samples that average many trials of the same model,
/// scored for every candidate penalty, give the penalty such samples are best served by.
/// </summary>
public class TrialNoiseTests
{
    private const int N = 400, P = 300, Latent = 10, Q = 5, Repeats = 30;

    /// <summary>
    /// Responses s = z A to latent causes z, targets y = z C, and per-trial noise that is partly one drift pattern
    /// shared by all voxels (scaled per trial) and partly independent: x = s + g d + w.
    /// </summary>
    private sealed class Model
    {
        private readonly double[,] a = new double[Latent, P];
        private readonly double[,] c = new double[Latent, Q];
        private readonly double[] drift = new double[P];

        public Model(Random random)
        {
            for (int l = 0; l < Latent; l++)
            {
                for (int v = 0; v < P; v++) a[l, v] = random.NextGaussian() * 0.4;
                for (int k = 0; k < Q; k++) c[l, k] = random.NextGaussian();
            }
            for (int v = 0; v < P; v++) drift[v] = 1 + 0.3 * random.NextGaussian();
        }

        /// <summary>n samples, each the average of <paramref name="trials"/> noisy trials; also returns the noise of each sample.</summary>
        public (float[] X, float[] Y, float[] Noise) Draw(Random random, int n, int trials)
        {
            var x = new float[n * P];
            var y = new float[n * Q];
            var noise = new float[n * P];
            double scale = 1 / Math.Sqrt(trials);
            for (int i = 0; i < n; i++)
            {
                var z = Enumerable.Range(0, Latent).Select(_ => random.NextGaussian()).ToArray();
                double g = 2.0 * random.NextGaussian() * scale;
                for (int v = 0; v < P; v++)
                {
                    double s = 0;
                    for (int l = 0; l < Latent; l++) s += z[l] * a[l, v];
                    double e = g * drift[v] + 1.5 * random.NextGaussian() * scale;
                    noise[i * P + v] = (float)e;
                    x[i * P + v] = (float)(s + e);
                }
                for (int k = 0; k < Q; k++)
                {
                    double t = 0;
                    for (int l = 0; l < Latent; l++) t += z[l] * c[l, k];
                    y[i * Q + k] = (float)t;
                }
            }
            return (x, y, noise);
        }
    }

    private static double TestError(float[] x, float[] y, double lambda, float[] testX, float[] testY, int m)
    {
        var predicted = RidgeRegression.Fit(x, N, P, y, Q, lambda).Predict(testX, m);
        return predicted.Select((value, i) => (value - testY[i]) * (double)(value - testY[i])).Average();
    }

    [Fact]
    public void Correcting_for_averaged_samples_chooses_the_penalty_that_serves_them_best()
    {
        var random = new Random(11);
        var model = new Model(random);
        var (x, y, noise) = model.Draw(random, N, trials: 1);
        const int M = 300;
        var (testX, testY, _) = model.Draw(random, M, trials: Repeats);
        var lambdas = RidgeCrossValidation.DefaultLambdas(N, P);

        var plain = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(3));
        var known = new TrialNoise(noise, new double[P], Repeats);
        var corrected = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(3), noise: known);

        var errors = lambdas.Select(l => TestError(x, y, l, testX, testY, M)).ToArray();
        double best = errors.Min();
        double plainError = errors[Array.IndexOf(lambdas, plain.BestLambda)];
        double correctedError = errors[Array.IndexOf(lambdas, corrected.BestLambda)];
        string account = $"test errors {string.Join(", ", errors.Select(e => e.ToString("G4")))}; plain chose {plain.BestLambda:G3}, corrected {corrected.BestLambda:G3}";
        Assert.True(corrected.BestLambda < plain.BestLambda, account);
        Assert.True(correctedError < 0.9 * plainError, account);
        Assert.True(correctedError <= 1.2 * best, account);
        Assert.Equal(plain.MeanSquaredErrors, corrected.MeanSquaredErrors);
        Assert.Same(known, corrected.Noise);
        Assert.Null(plain.AveragedMeanSquaredErrors);
    }

    [Fact]
    public void Single_trial_samples_and_zero_noise_leave_the_choice_as_it_was()
    {
        var random = new Random(12);
        var (x, y, noise) = new Model(random).Draw(random, N, trials: 1);
        var lambdas = RidgeCrossValidation.DefaultLambdas(N, P);
        var plain = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4));

        var single = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4), noise: new TrialNoise(noise, new double[P], 1));
        Assert.Equal(plain.BestLambda, single.BestLambda);
        Assert.Null(single.AveragedMeanSquaredErrors);

        var silent = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4), noise: new TrialNoise(new float[N * P], new double[P], Repeats));
        Assert.Equal(plain.BestLambda, silent.BestLambda);
        Assert.Equal(plain.MeanSquaredErrors, silent.AveragedMeanSquaredErrors);

        // Training samples that already average as many trials as the decoded ones: nothing to correct.
        var asMany = new TrialNoise(noise, new double[P], Repeats) { TrainingRepeats = Enumerable.Repeat(Repeats, N).ToArray() };
        var same = RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4), noise: asMany);
        Assert.Equal(plain.BestLambda, same.BestLambda);
        Assert.Null(same.AveragedMeanSquaredErrors);

        Assert.Throws<ArgumentException>(() => RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4),
            noise: new TrialNoise(new float[P], new double[P], Repeats)));
        Assert.Throws<ArgumentException>(() => RidgeCrossValidation.SelectLambda(x, N, P, y, Q, lambdas, 5, new Random(4),
            noise: asMany with { TrainingRepeats = [1, 2] }));
    }

    [Fact]
    public void A_training_sample_of_r_trials_loses_r_over_repeats_of_its_noise_share()
    {
        // A sample averaging r trials has noise variance 1/r of a trial's; one averaging R has 1/R: the excess is
        // (1/r - 1/R) / (1/r) = 1 - r/R of the training sample's own noise, and none once r >= R.
        var noise = new TrialNoise([], [], 20) { TrainingRepeats = [1, 5, 20, 30] };
        Assert.Equal(0.95, noise.ExcessShare(0), 12);
        Assert.Equal(0.75, noise.ExcessShare(1), 12);
        Assert.Equal(0.0, noise.ExcessShare(2));
        Assert.Equal(0.0, noise.ExcessShare(3));
        Assert.Equal(1 - 1 / 35.0, new TrialNoise([], [], 35).ExcessShare(7), 12);
    }

    [Fact]
    public void Encoding_residuals_recover_the_noise_when_the_features_explain_the_signal()
    {
        // Voxels are a linear function of 8 stimulus features plus independent noise whose share varies by voxel.
        var random = new Random(13);
        int n = 600, k = 8, p = 40;
        var features = new float[n * k];
        for (int i = 0; i < features.Length; i++) features[i] = (float)random.NextGaussian();
        var weights = new double[k, p];
        for (int j = 0; j < k; j++)
            for (int v = 0; v < p; v++) weights[j, v] = random.NextGaussian() / Math.Sqrt(k);   // signal variance about 1
        var noiseSd = Enumerable.Range(0, p).Select(v => 0.5 + 2.0 * v / p).ToArray();
        var voxels = new float[n * p];
        var noise = new float[n * p];
        for (int i = 0; i < n; i++)
        {
            for (int v = 0; v < p; v++)
            {
                double s = 0;
                for (int j = 0; j < k; j++) s += features[i * k + j] * weights[j, v];
                noise[i * p + v] = (float)(noiseSd[v] * random.NextGaussian());
                voxels[i * p + v] = (float)(s + noise[i * p + v]);
            }
        }

        var estimate = TrialNoise.Estimate(voxels, n, p, features, k, Repeats, new Random(5));

        Assert.Equal(Repeats, estimate.Repeats);
        for (int v = 0; v < p; v++)
        {
            // The share of this sample's variance of the voxel that its noise makes up.
            double share = Variance(noise, v, p) / Variance(voxels, v, p);
            Assert.True(Math.Abs(estimate.Fraction[v] - share) < 0.05, $"voxel {v}: estimated noise share {estimate.Fraction[v]:F3}, true {share:F3}");
        }
        double agreement = Correlation(estimate.Residuals, noise);
        Assert.True(agreement > 0.97, $"residuals correlate {agreement:F3} with the true noise");
        Assert.Equal(estimate.Residuals, TrialNoise.Estimate(voxels, n, p, features, k, Repeats, new Random(5)).Residuals);
    }

    private static double Variance(float[] matrix, int column, int width)
    {
        var values = Enumerable.Range(0, matrix.Length / width).Select(i => (double)matrix[i * width + column]).ToArray();
        double mean = values.Average();
        return values.Average(x => (x - mean) * (x - mean));
    }

    private static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(v => (double)v), mb = b.Average(v => (double)v), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
