namespace Fmri.Data.Preprocessing;

/// <summary>Which statistics z-score the test samples (Test and TestImagery splits).</summary>
public enum TestRunStatistics
{
    /// <summary>
    /// Training statistics: the mean over all training samples, and the standard deviation the training samples
    /// were divided by (with per-run z-scoring, the within-run standard deviation pooled over the training runs).
    /// Nothing computed from test data enters the normalisation: the strict, inductive choice.
    /// </summary>
    TrainingPooled,

    /// <summary>
    /// Each test run (the test samples of one run and one split) is z-scored by its own mean and standard
    /// deviation. Unsupervised and transductive: it uses the test responses themselves (never their labels) and
    /// removes test-run offsets. Common in the field; recorded in provenance as an explicit choice.
    /// </summary>
    OwnRun,
}
