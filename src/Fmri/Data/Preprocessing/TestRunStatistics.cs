namespace Fmri.Data.Preprocessing;

/// <summary>Which statistics z-score the test samples (Test and TestImagery splits).</summary>
public enum TestRunStatistics
{
    /// <summary>
    /// The mean and standard deviation pooled over all training samples (before any per-run z-scoring). Nothing
    /// computed from test data enters the normalisation: the strict, inductive choice.
    /// </summary>
    TrainingPooled,

    /// <summary>
    /// Each test run (the test samples of one run and one split) is z-scored by its own mean and standard
    /// deviation. Unsupervised and transductive: it uses the test responses themselves (never their labels) and
    /// removes test-run offsets. Common in the field; recorded in provenance as an explicit choice.
    /// </summary>
    OwnRun,
}
