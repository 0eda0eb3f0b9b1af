namespace Fmri.Ridge;

/// <summary>Held-out error of each candidate lambda, and the best one.</summary>
/// <param name="Lambdas">Candidates, in the order given.</param>
/// <param name="MeanSquaredErrors">Mean over held-out samples and outputs of the squared prediction error, per candidate.</param>
/// <param name="BestLambda">The candidate with the smallest error (the larger lambda on a tie).</param>
/// <param name="Folds">Number of folds used.</param>
public sealed record RidgeCrossValidationResult(double[] Lambdas, double[] MeanSquaredErrors, double BestLambda, int Folds)
{
    /// <summary>
    /// When the samples to be decoded average several trials (<see cref="TrialNoise"/>): the held-out error each
    /// candidate would have on such samples, which chose <see cref="BestLambda"/>; null otherwise.
    /// </summary>
    public double[]? AveragedMeanSquaredErrors { get; init; }

    /// <summary>Each output's held-out squared error at <see cref="BestLambda"/>, summed over every sample (each is held
    /// out once): which outputs the chosen map predicts well.</summary>
    public double[] BestOutputSquaredErrors { get; init; } = [];

    /// <summary>The trial noise the errors were corrected for, or null.</summary>
    public TrialNoise? Noise { get; init; }
}

/// <summary>
/// k-fold cross-validation of the ridge penalty on training data only. Each fold learns its own standardisation
/// from its training part, decomposes its normal equations once for all lambdas, and scores the held-out part. Folds are
/// drawn with the given generator: samples (or whole groups, e.g. runs) are shuffled and dealt round-robin.
/// </summary>
public static class RidgeCrossValidation
{
    /// <summary>
    /// 13 lambdas, half a decade apart, from 1e-3 to 1e3 times max(n, p): with standardised features the
    /// average non-zero eigenvalue of X'X (equivalently XX') is n p / min(n, p) = max(n, p).
    /// </summary>
    public static double[] DefaultLambdas(int n, int p)
        => Enumerable.Range(0, 13).Select(i => Math.Max(n, p) * Math.Pow(10, -3 + 0.5 * i)).ToArray();

    /// <param name="groups">Optional group of each sample (e.g. its run); a group is never split across folds.</param>
    /// <param name="noise">
    /// When given, the samples to be decoded average <see cref="TrialNoise.Repeats"/> trials while each training
    /// sample (the rows of <paramref name="x"/>, in the order <see cref="TrialNoise"/> was estimated on) averages r
    /// (usually 1). A held-out sample x = s + e scores a map B with the error its input noise adds, |e'B|^2 in
    /// expectation, of which a sample averaging Repeats trials keeps r/Repeats. Each fold therefore also maps the noise
    /// estimated for each held-out sample (its <see cref="TrialNoise.Residuals"/> row, which keeps the noise's
    /// correlations across voxels: run drift moves many voxels at once) and scores the candidate by its held-out
    /// error minus max(0, 1 - r/Repeats) (<see cref="TrialNoise.ExcessShare"/>) times each sample's squared
    /// prediction, averaged. Nothing changes when no training sample averages fewer trials than Repeats.
    /// </param>
    public static RidgeCrossValidationResult SelectLambda(float[] x, int n, int p, float[] y, int q, IReadOnlyList<double> lambdas,
        int folds, Random random, RidgeOptions? options = null, int[]? groups = null, TrialNoise? noise = null)
    {
        options ??= new RidgeOptions();
        RidgeRegression.CheckShapes(x, n, p, y, q);
        ArgumentNullException.ThrowIfNull(random);
        if (lambdas.Count == 0) throw new ArgumentException("lambdas: give at least one candidate", nameof(lambdas));
        if (lambdas.Any(l => !(l >= 0) || double.IsInfinity(l))) throw new ArgumentException("lambdas: each must be a finite number >= 0", nameof(lambdas));
        if (noise is not null && noise.Residuals.LongLength != (long)n * p)
            throw new ArgumentException($"noise: has {noise.Residuals.LongLength} residual values for {n} samples x {p} features", nameof(noise));
        if (noise?.TrainingRepeats is { } counts && counts.Count != n)
            throw new ArgumentException($"noise: has {counts.Count} training repeat counts for {n} samples", nameof(noise));
        bool correct = noise is not null && Enumerable.Range(0, n).Any(i => noise.ExcessShare(i) > 0);
        int[] foldOf = AssignFolds(n, folds, random, groups);

        var squaredError = new double[lambdas.Count];
        var outputErrors = new double[lambdas.Count * (long)q];
        var noiseSquares = new double[lambdas.Count];
        long scored = 0;
        for (int f = 0; f < folds; f++)
        {
            int[] train = Enumerable.Range(0, n).Where(i => foldOf[i] != f).ToArray();
            int[] test = Enumerable.Range(0, n).Where(i => foldOf[i] == f).ToArray();
            var features = FeatureStandardization.Learn(Rows(x, train, p), train.Length, p, options.FitIntercept, options.StandardizeFeatures);
            var targets = FeatureStandardization.Learn(Rows(y, train, q), train.Length, q, options.FitIntercept, scale: false);
            using var system = new RidgeSystem(features.Apply(x, train, p), train.Length, p, targets.Apply(y, train, q), q);
            var predictions = system.PredictAll(features.Apply(x, test, p), test.Length, lambdas);
            for (int l = 0; l < lambdas.Count; l++)
            {
                var prediction = predictions[l]; // (test, q), centred
                for (int r = 0; r < test.Length; r++)
                {
                    for (int k = 0; k < q; k++)
                    {
                        double error = y[(long)test[r] * q + k] - targets.Means[k] - prediction[(long)r * q + k];
                        squaredError[l] += error * error;
                        outputErrors[l * (long)q + k] += error * error;
                    }
                }
            }
            if (correct)
            {
                // The held-out trials' noise in the fold's standardised units (no centring: noise has mean zero).
                var noiseRows = new double[(long)test.Length * p];
                for (int r = 0; r < test.Length; r++)
                    for (int v = 0; v < p; v++)
                        noiseRows[(long)r * p + v] = noise!.Residuals[(long)test[r] * p + v] / features.Scales[v];
                var noisePredictions = system.PredictAll(noiseRows, test.Length, lambdas);
                for (int l = 0; l < lambdas.Count; l++)
                {
                    for (int r = 0; r < test.Length; r++)
                    {
                        double share = noise!.ExcessShare(test[r]), squares = 0;
                        foreach (double value in noisePredictions[l].AsSpan(r * q, q)) squares += value * value;
                        noiseSquares[l] += share * squares;
                    }
                }
            }
            scored += (long)test.Length * q;
        }
        var mse = squaredError.Select(e => e / scored).ToArray();
        var scores = correct ? mse.Select((e, l) => e - noiseSquares[l] / scored).ToArray() : mse;
        int best = 0;
        for (int l = 1; l < scores.Length; l++)
        {
            if (scores[l] < scores[best] || (scores[l] == scores[best] && lambdas[l] > lambdas[best])) best = l;
        }
        return new RidgeCrossValidationResult([.. lambdas], mse, lambdas[best], folds)
        {
            BestOutputSquaredErrors = outputErrors.AsSpan((int)(best * (long)q), q).ToArray(),
            AveragedMeanSquaredErrors = correct ? scores : null,
            Noise = correct ? noise : null,
        };
    }

    /// <summary>The fold (0..folds-1) of each sample.</summary>
    public static int[] AssignFolds(int n, int folds, Random random, int[]? groups = null)
    {
        if (groups is not null && groups.Length != n)
            throw new ArgumentException($"groups: has {groups.Length} entries for {n} samples", nameof(groups));
        int[] units = groups is null ? Enumerable.Range(0, n).ToArray() : groups.Distinct().Order().ToArray();
        if (folds < 2 || folds > units.Length)
            throw new ArgumentOutOfRangeException(nameof(folds), folds, $"need 2 <= folds <= {units.Length} ({(groups is null ? "samples" : "groups")})");
        random.Shuffle(units);
        var foldOfUnit = new Dictionary<int, int>(units.Length);
        for (int u = 0; u < units.Length; u++) foldOfUnit[units[u]] = u % folds;
        return Enumerable.Range(0, n).Select(i => foldOfUnit[groups is null ? i : groups[i]]).ToArray();
    }

    internal static float[] Rows(float[] a, int[] rows, int width)
    {
        var result = new float[(long)rows.Length * width];
        for (int r = 0; r < rows.Length; r++) a.AsSpan(rows[r] * width, width).CopyTo(result.AsSpan(r * width, width));
        return result;
    }
}
