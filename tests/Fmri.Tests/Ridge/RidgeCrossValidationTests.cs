using Fmri.Ridge;

namespace Fmri.Tests.Ridge;

public class RidgeCrossValidationTests
{
    private static float[] RandomMatrix(Random random, int rows, int columns)
        => Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static readonly double[] Lambdas = [1e-4, 1e-2, 1, 1e2, 1e4, 1e6];

    [Fact]
    public void Noiseless_linear_targets_choose_the_smallest_lambda()
    {
        var random = new Random(1);
        int n = 120, p = 6, q = 2;
        var x = RandomMatrix(random, n, p);
        var w = RandomMatrix(random, p, q);
        var y = new float[n * q];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < q; k++)
                for (int j = 0; j < p; j++) y[i * q + k] += x[i * p + j] * w[j * q + k];
        var cv = RidgeCrossValidation.SelectLambda(x, n, p, y, q, Lambdas, 5, new Random(7));
        Assert.Equal(1e-4, cv.BestLambda);
        Assert.True(cv.MeanSquaredErrors[0] < 1e-6, $"MSE at the smallest lambda {cv.MeanSquaredErrors[0]}");
    }

    [Fact]
    public void Targets_unrelated_to_the_features_choose_a_lambda_that_shrinks_to_the_mean()
    {
        var random = new Random(2);
        int n = 60, p = 80, q = 3;
        var cv = RidgeCrossValidation.SelectLambda(RandomMatrix(random, n, p), n, p, RandomMatrix(random, n, q), q, Lambdas, 4, new Random(3));
        // Any fit to noise raises held-out error, so the winner is a lambda far above max(n, p) = 80, where
        // predictions are the training mean (1e4 and 1e6 then differ only in the noise of the last decimals).
        Assert.True(cv.BestLambda >= 1e4, $"best lambda {cv.BestLambda}");
        Assert.True(cv.MeanSquaredErrors[0] > 1.5 * cv.MeanSquaredErrors.Min(), string.Join(", ", cv.MeanSquaredErrors));
    }

    [Fact]
    public void Each_outputs_held_out_error_adds_up_to_the_chosen_lambdas_mean_error_and_ranks_the_outputs()
    {
        // Output 0 is a noiseless linear function of the features, output 1 the same plus noise of variance 1/3
        // (uniform on [-1, 1]): its held-out error must be far larger, and the two sums over the n held-out samples
        // must average (over n x q) to the reported mean squared error of the chosen lambda.
        var random = new Random(4);
        int n = 100, p = 5, q = 2;
        var x = RandomMatrix(random, n, p);
        var w = RandomMatrix(random, p, 1);
        var y = new float[n * q];
        for (int i = 0; i < n; i++)
        {
            float signal = 0;
            for (int j = 0; j < p; j++) signal += x[i * p + j] * w[j];
            y[i * q] = signal;
            y[i * q + 1] = signal + (float)(random.NextDouble() * 2 - 1);
        }
        var cv = RidgeCrossValidation.SelectLambda(x, n, p, y, q, Lambdas, 5, new Random(7));
        Assert.Equal(q, cv.BestOutputSquaredErrors.Length);
        int best = Array.IndexOf(cv.Lambdas, cv.BestLambda);
        Assert.Equal(cv.MeanSquaredErrors[best], cv.BestOutputSquaredErrors.Sum() / (n * q), 10);
        Assert.True(cv.BestOutputSquaredErrors[1] / n > 0.25, $"noisy output's held-out error {cv.BestOutputSquaredErrors[1] / n}");
        Assert.True(cv.BestOutputSquaredErrors[0] < 0.1 * cv.BestOutputSquaredErrors[1], string.Join(", ", cv.BestOutputSquaredErrors));
    }

    [Fact]
    public void Folds_are_seeded_balanced_and_keep_groups_together()
    {
        var a = RidgeCrossValidation.AssignFolds(50, 5, new Random(11));
        var b = RidgeCrossValidation.AssignFolds(50, 5, new Random(11));
        var c = RidgeCrossValidation.AssignFolds(50, 5, new Random(12));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(Enumerable.Range(0, 5), f => Assert.Equal(10, a.Count(v => v == f)));

        int[] runs = Enumerable.Range(0, 48).Select(i => i / 8).ToArray(); // 6 runs of 8 samples
        var byRun = RidgeCrossValidation.AssignFolds(48, 3, new Random(4), runs);
        for (int r = 0; r < 6; r++)
            Assert.Single(Enumerable.Range(0, 48).Where(i => runs[i] == r).Select(i => byRun[i]).Distinct());
        Assert.All(Enumerable.Range(0, 3), f => Assert.Equal(16, byRun.Count(v => v == f)));
    }

    [Fact]
    public void Cross_validated_fit_uses_the_chosen_lambda()
    {
        var random = new Random(5);
        int n = 40, p = 10, q = 1;
        var x = RandomMatrix(random, n, p);
        var y = RandomMatrix(random, n, q);
        var model = RidgeRegression.FitCrossValidated(x, n, p, y, q, Lambdas, 4, new Random(6));
        Assert.NotNull(model.CrossValidation);
        Assert.Equal(model.CrossValidation!.BestLambda, model.Lambda);
        var direct = RidgeRegression.Fit(x, n, p, y, q, model.Lambda);
        Assert.Equal(direct.Weights, model.Weights);
    }
}
