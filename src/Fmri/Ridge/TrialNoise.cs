namespace Fmri.Ridge;

/// <summary>
/// Trial-to-trial noise of the training samples and how many trials each sample to be decoded averages: what a ridge
/// penalty chosen on (usually single-trial) training samples needs in order to suit samples that average more trials. Generic Object Decoding trains
/// on single trials and tests on the average of 35; cross-validation on the single trials scores every candidate
/// penalty with all the input noise of a single trial, most of which an average of 35 does not have, and so chooses a
/// penalty that shrinks the map more than those samples need. <see cref="RidgeCrossValidation.SelectLambda"/>
/// corrects each held-out error for that.
/// </summary>
/// <param name="Residuals">
/// The noise estimated for each training sample, row-major (n, p) in the voxels' own units: what an encoding model
/// fitted without that sample leaves unexplained of its response.
/// </param>
/// <param name="Fraction">Each voxel's estimated noise variance as a share of its single-trial variance (0..1), for reports.</param>
/// <param name="Repeats">Trials averaged into each sample to be decoded (1: single trials, no correction).</param>
public sealed record TrialNoise(float[] Residuals, double[] Fraction, double Repeats)
{
    /// <summary>Trials averaged into each training sample (null: single trials). Its noise is 1/r of a trial's.</summary>
    public IReadOnlyList<int>? TrainingRepeats { get; init; }

    /// <summary>
    /// The share of training sample <paramref name="row"/>'s noise that a sample averaging <see cref="Repeats"/>
    /// trials does not have: 1 - r/Repeats for a sample of r trials, 0 when it already averages as many.
    /// </summary>
    public double ExcessShare(int row) => Math.Max(0, 1 - (TrainingRepeats?[row] ?? 1) / Repeats);

    /// <summary>The mean noise share over voxels that vary.</summary>
    public double MeanFraction => Fraction.Length == 0 ? 0 : Fraction.Where(f => f > 0).DefaultIfEmpty(0).Average();

    /// <summary>
    /// Estimates the noise on training trials that show each stimulus once, where it cannot be measured as the spread
    /// of repeats: an encoding model (ridge from a description of each stimulus, e.g. its pixels, to every voxel, its
    /// penalty chosen by k-fold cross-validation) predicts each fold's trials from the other folds, and what it leaves
    /// unexplained is that trial's noise. Signal the linear encoding model misses is counted too, so the estimate is
    /// an upper bound: the correction it drives errs towards a smaller penalty.
    /// </summary>
    /// <param name="voxels">Training trials, row-major (n, p).</param>
    /// <param name="stimulusFeatures">A description of each trial's stimulus, row-major (n, k).</param>
    /// <param name="repeats">Trials averaged into each sample to be decoded.</param>
    /// <param name="random">Assigns the folds; pass a seeded generator.</param>
    /// <param name="trainingRepeats">Trials averaged into each training sample (null: single trials).</param>
    /// <param name="groups">A group per sample kept in one fold (its stimulus: the encoding model never predicts a trial
    /// from another trial of the same image); null: every sample its own.</param>
    public static TrialNoise Estimate(float[] voxels, int n, int p, float[] stimulusFeatures, int k, double repeats, Random random,
        int folds = RidgeMap.DefaultFolds, IReadOnlyList<int>? trainingRepeats = null, int[]? groups = null)
    {
        if (trainingRepeats is not null && (trainingRepeats.Count != n || trainingRepeats.Any(r => r < 1)))
            throw new ArgumentException($"trainingRepeats: needs one count >= 1 for each of the {n} samples", nameof(trainingRepeats));
        if (!(repeats >= 1) || double.IsInfinity(repeats)) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be a finite number >= 1");
        RidgeRegression.CheckShapes(stimulusFeatures, n, k, voxels, p);
        // A decade apart (every other default candidate) is fine enough for a noise estimate, at half the cost.
        var lambdas = RidgeCrossValidation.DefaultLambdas(n, k).Where((_, i) => i % 2 == 0).ToArray();
        var encoding = RidgeCrossValidation.SelectLambda(stimulusFeatures, n, k, voxels, p, lambdas, folds, random, groups: groups);
        int[] foldOf = RidgeCrossValidation.AssignFolds(n, folds, random, groups);
        var residuals = new float[(long)n * p];
        var residual = new double[p];
        var total = new double[p];
        for (int f = 0; f < folds; f++)
        {
            int[] train = Enumerable.Range(0, n).Where(i => foldOf[i] != f).ToArray();
            int[] test = Enumerable.Range(0, n).Where(i => foldOf[i] == f).ToArray();
            var features = FeatureStandardization.Learn(RidgeCrossValidation.Rows(stimulusFeatures, train, k), train.Length, k, center: true, scale: true);
            var targets = FeatureStandardization.Learn(RidgeCrossValidation.Rows(voxels, train, p), train.Length, p, center: true, scale: false);
            using var system = new RidgeSystem(features.Apply(stimulusFeatures, train, k), train.Length, k, targets.Apply(voxels, train, p), p);
            var prediction = system.PredictAll(features.Apply(stimulusFeatures, test, k), test.Length, [encoding.BestLambda])[0];
            for (int r = 0; r < test.Length; r++)
            {
                for (int v = 0; v < p; v++)
                {
                    double centred = voxels[(long)test[r] * p + v] - targets.Means[v];
                    double error = centred - prediction[(long)r * p + v];
                    residuals[(long)test[r] * p + v] = (float)error;
                    residual[v] += error * error;
                    total[v] += centred * centred;
                }
            }
        }
        var fraction = new double[p];
        for (int v = 0; v < p; v++) fraction[v] = total[v] > 0 ? Math.Clamp(residual[v] / total[v], 0, 1) : 0;
        return new TrialNoise(residuals, fraction, repeats) { TrainingRepeats = trainingRepeats };
    }
}
