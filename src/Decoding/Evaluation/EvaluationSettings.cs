namespace Decoding.Evaluation;

/// <summary>How <see cref="DecodingEvaluation"/> scores a method.</summary>
/// <param name="Ways">The n of the n-way accuracies (each 2 &lt;= n &lt;= classes).</param>
/// <param name="TrialsPerItem">n-way trials per item (MinD-Vis: 1000).</param>
/// <param name="Seed">Seeds the n-way draws and the bootstrap resamples (each from its own generator).</param>
/// <param name="BootstrapResamples">Resamples of the test items per interval.</param>
public sealed record EvaluationSettings(IReadOnlyList<int> Ways, int TrialsPerItem = 1000, long Seed = 2022, int BootstrapResamples = 1000)
{
    public const double ConfidenceLevel = 0.95;

    public void Validate(int classCount)
    {
        if (Ways.Count == 0) throw new InvalidSettingException("ways", null, "gives no n");
        foreach (int n in Ways)
            if (n < 2 || n > classCount) throw new InvalidSettingException("ways", n, $"must be between 2 and the classifier's {classCount} classes");
        Check.AtLeast(TrialsPerItem, 1, "trials");
        if (BootstrapResamples < 2) throw new ArgumentException($"bootstrap resamples {BootstrapResamples} must be at least 2");
    }
}
