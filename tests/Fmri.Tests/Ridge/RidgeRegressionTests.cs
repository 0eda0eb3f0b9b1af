using Fmri.Ridge;
using MathNet.Numerics.LinearAlgebra;

namespace Fmri.Tests.Ridge;

public class RidgeRegressionTests
{
    [Fact]
    public void One_feature_without_intercept_matches_the_closed_form()
    {
        // 1-D ridge without intercept: beta = sum(xy) / (sum(x^2) + lambda).
        // x = 1, 2, 3, 4; y = 2, 3, 5, 8; lambda = 2: sum(xy) = 2 + 6 + 15 + 32 = 55, sum(x^2) = 30 -> beta = 55 / 32 = 1.71875.
        var model = RidgeRegression.Fit([1, 2, 3, 4], 4, 1, [2, 3, 5, 8], 1, 2.0, new RidgeOptions(StandardizeFeatures: false, FitIntercept: false));
        Assert.Equal(1.71875, model.Weights[0], 12);
        Assert.Equal(0.0, model.Intercept[0]);
        Assert.Equal(1.71875f * 10, model.Predict([10], 1)[0], 4);
    }

    [Fact]
    public void One_feature_with_intercept_matches_the_closed_form_on_centred_data()
    {
        // With an (unpenalised) intercept: beta = sum(dx dy) / (sum(dx^2) + lambda) on centred data, b = mean(y) - beta mean(x).
        // Same data: mean x = 2.5, mean y = 4.5; dx = -1.5, -0.5, 0.5, 1.5; dy = -2.5, -1.5, 0.5, 3.5;
        // sum(dx dy) = 3.75 + 0.75 + 0.25 + 5.25 = 10; sum(dx^2) = 5; lambda = 2 -> beta = 10/7, b = 4.5 - 2.5 * 10/7 = 13/14.
        var model = RidgeRegression.Fit([1, 2, 3, 4], 4, 1, [2, 3, 5, 8], 1, 2.0, new RidgeOptions(StandardizeFeatures: false, FitIntercept: true));
        Assert.Equal(10.0 / 7, model.Weights[0], 12);
        Assert.Equal(13.0 / 14, model.Intercept[0], 12);
    }

    [Fact]
    public void Standardised_one_feature_penalises_the_standardised_coefficient()
    {
        // Standardising divides x by its population sd s = sqrt(5/4); the standardised beta is
        // sum(dx/s dy) / (sum(dx^2)/s^2 + lambda) = (10/s) / (4 + 2), and in original units W = that / s = 10 / (6 s^2) = 10 / 7.5.
        var model = RidgeRegression.Fit([1, 2, 3, 4], 4, 1, [2, 3, 5, 8], 1, 2.0);
        Assert.Equal(10.0 / 7.5, model.Weights[0], 12);
        Assert.Equal(4.5 - 2.5 * 10.0 / 7.5, model.Intercept[0], 12);
    }

    [Theory]
    [InlineData(40, 12, 3)] // primal: p <= n
    [InlineData(15, 40, 4)] // dual: p > n
    public void Matches_the_textbook_solution_computed_with_mathnet(int n, int p, int q)
    {
        var random = new Random(n * 100 + p);
        var x = Enumerable.Range(0, n * p).Select(_ => (float)(random.NextDouble() * 4 - 1)).ToArray();
        var y = Enumerable.Range(0, n * q).Select(_ => (float)(random.NextDouble() * 10)).ToArray();
        const double lambda = 3.5;
        var model = RidgeRegression.Fit(x, n, p, y, q, lambda);

        // Independent reference: standardise with MathNet column statistics, then B = (Xs'Xs + lambda I)^-1 Xs'Yc by LU,
        // and predictions on the training rows = Xs B + mean(Y).
        var X = Matrix<double>.Build.Dense(n, p, (i, j) => x[i * p + j]);
        var Y = Matrix<double>.Build.Dense(n, q, (i, k) => y[i * q + k]);
        var mean = X.ColumnSums() / n;
        var sd = Vector<double>.Build.Dense(p, j => Math.Sqrt((X.Column(j) - mean[j]).PointwisePower(2).Sum() / n));
        var Xs = Matrix<double>.Build.Dense(n, p, (i, j) => (X[i, j] - mean[j]) / sd[j]);
        var yMean = Y.ColumnSums() / n;
        var Yc = Matrix<double>.Build.Dense(n, q, (i, k) => Y[i, k] - yMean[k]);
        var B = (Xs.TransposeThisAndMultiply(Xs) + lambda * Matrix<double>.Build.DenseIdentity(p)).LU().Solve(Xs.TransposeThisAndMultiply(Yc));
        var expected = Xs * B;

        var predicted = model.Predict(x, n);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < q; k++)
                Assert.Equal(expected[i, k] + yMean[k], predicted[i * q + k], 3);
        for (int j = 0; j < p; j++)
            Assert.Equal(B[j, 0] / sd[j], model.Weights[j * q], 9);
    }

    [Fact]
    public void Zero_lambda_with_collinear_features_is_rejected_with_a_clear_message()
    {
        // Two identical columns make X'X singular.
        float[] x = [1, 1, 2, 2, 3, 3, 4, 4];
        var e = Assert.Throws<ArgumentException>(() => RidgeRegression.Fit(x, 4, 2, [1, 2, 3, 4], 1, 0.0, new RidgeOptions(false, false)));
        Assert.Contains("not positive definite", e.Message);
        Assert.Throws<ArgumentException>(() => RidgeRegression.Fit(x, 4, 2, [1, 2, 3], 1, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RidgeRegression.Fit(x, 4, 2, [1, 2, 3, 4], 1, -1.0));
    }
}
