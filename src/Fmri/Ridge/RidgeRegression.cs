namespace Fmri.Ridge;

/// <summary>How <see cref="RidgeRegression"/> treats features and the intercept.</summary>
/// <param name="StandardizeFeatures">Divide each feature by its training standard deviation before penalising (lambda then acts on standardised coefficients).</param>
/// <param name="FitIntercept">Centre features and targets on their training means; the intercept is not penalised.</param>
public sealed record RidgeOptions(bool StandardizeFeatures = true, bool FitIntercept = true);

/// <summary>
/// Multi-output ridge regression (Hoerl &amp; Kennard 1970): B = argmin |Y - XB|^2 + lambda |B|^2, solved in closed
/// form from the eigendecomposition of X'X (or of XX' when there are more features than samples,
/// which gives the same B). Matrices are row-major float arrays: X (n x p), Y (n x q). The fitted model predicts
/// Y = X W + b with W and b in the original units of X and Y.
/// </summary>
public sealed class RidgeRegression
{
    private RidgeRegression(double[] weights, double[] intercept, int p, int q, double lambda, RidgeOptions options, RidgeCrossValidationResult? crossValidation)
    {
        Weights = weights;
        Intercept = intercept;
        FeatureCount = p;
        OutputCount = q;
        Lambda = lambda;
        Options = options;
        CrossValidation = crossValidation;
    }

    /// <summary>Coefficients W, row-major (FeatureCount, OutputCount), in the units of the original features.</summary>
    public double[] Weights { get; }

    /// <summary>Intercept b (OutputCount); zero when no intercept was fitted.</summary>
    public double[] Intercept { get; }

    public int FeatureCount { get; }

    public int OutputCount { get; }

    /// <summary>The penalty the model was fitted with.</summary>
    public double Lambda { get; }

    public RidgeOptions Options { get; }

    /// <summary>The cross-validation that chose <see cref="Lambda"/>, when the model came from <see cref="FitCrossValidated"/>.</summary>
    public RidgeCrossValidationResult? CrossValidation { get; }

    /// <summary>Fits ridge regression of Y (n x q) on X (n x p) with penalty <paramref name="lambda"/> &gt;= 0.</summary>
    public static RidgeRegression Fit(float[] x, int n, int p, float[] y, int q, double lambda, RidgeOptions? options = null)
    {
        options ??= new RidgeOptions();
        CheckShapes(x, n, p, y, q);
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be a finite number >= 0");
        var features = FeatureStandardization.Learn(x, n, p, options.FitIntercept, options.StandardizeFeatures);
        var targets = FeatureStandardization.Learn(y, n, q, options.FitIntercept, scale: false);
        using var system = new RidgeSystem(features.Apply(x, n, p), n, p, targets.Apply(y, n, q), q);
        var coefficients = system.Coefficients(system.Solve(lambda)); // (p, q), standardised units
        return FromStandardized(coefficients, features, targets, p, q, lambda, options, null);
    }

    /// <summary>
    /// Chooses lambda among <paramref name="lambdas"/> by k-fold cross-validation on (X, Y) (see
    /// <see cref="RidgeCrossValidation.SelectLambda"/>), then fits on all of (X, Y) with it.
    /// </summary>
    /// <param name="noise">The trial noise, when the samples to be predicted average several trials (see <see cref="TrialNoise"/>).</param>
    public static RidgeRegression FitCrossValidated(float[] x, int n, int p, float[] y, int q, IReadOnlyList<double> lambdas,
        int folds, Random random, RidgeOptions? options = null, int[]? groups = null, TrialNoise? noise = null)
    {
        options ??= new RidgeOptions();
        var cv = RidgeCrossValidation.SelectLambda(x, n, p, y, q, lambdas, folds, random, options, groups, noise);
        var model = Fit(x, n, p, y, q, cv.BestLambda, options);
        return new RidgeRegression(model.Weights, model.Intercept, p, q, cv.BestLambda, options, cv);
    }

    /// <summary>Predictions Y (m x q) for the rows of X (m x p).</summary>
    public float[] Predict(float[] x, int m)
    {
        if (m < 0 || x.LongLength != (long)m * FeatureCount)
            throw new ArgumentException($"x: has {x.LongLength} values, expected {m} x {FeatureCount}", nameof(x));
        double[] prediction;
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var design = TorchSharp.torch.tensor(x, new long[] { m, FeatureCount }).to(TorchSharp.torch.ScalarType.Float64);
            var weights = TorchSharp.torch.tensor(Weights, new long[] { FeatureCount, OutputCount }, TorchSharp.torch.ScalarType.Float64);
            prediction = design.matmul(weights).contiguous().data<double>().ToArray();
        }
        var result = new float[prediction.LongLength];
        for (int i = 0; i < m; i++)
            for (int k = 0; k < OutputCount; k++)
                result[(long)i * OutputCount + k] = (float)(prediction[(long)i * OutputCount + k] + Intercept[k]);
        return result;
    }

    internal static RidgeRegression FromStandardized(double[] coefficients, FeatureStandardization features, FeatureStandardization targets,
        int p, int q, double lambda, RidgeOptions options, RidgeCrossValidationResult? cv)
    {
        // Undo the standardisation: y - my = sum_j (x_j - mx_j) / s_j * B_j  =>  W_j = B_j / s_j, b = my - sum_j mx_j W_j.
        var weights = new double[(long)p * q];
        var intercept = (double[])targets.Means.Clone();
        for (int j = 0; j < p; j++)
        {
            for (int k = 0; k < q; k++)
            {
                double w = coefficients[(long)j * q + k] / features.Scales[j];
                weights[(long)j * q + k] = w;
                intercept[k] -= features.Means[j] * w;
            }
        }
        return new RidgeRegression(weights, intercept, p, q, lambda, options, cv);
    }

    internal static void CheckShapes(float[] x, int n, int p, float[] y, int q)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (n <= 0 || p <= 0 || q <= 0)
            throw new ArgumentException($"shape: n = {n}, p = {p}, q = {q} must all be positive");
        if (x.LongLength != (long)n * p)
            throw new ArgumentException($"x: has {x.LongLength} values, expected n x p = {n} x {p}", nameof(x));
        if (y.LongLength != (long)n * q)
            throw new ArgumentException($"y: has {y.LongLength} values, expected n x q = {n} x {q}", nameof(y));
        if (x.Any(v => !float.IsFinite(v))) throw new ArgumentException("x: contains NaN or infinite values", nameof(x));
        if (y.Any(v => !float.IsFinite(v))) throw new ArgumentException("y: contains NaN or infinite values", nameof(y));
    }
}
