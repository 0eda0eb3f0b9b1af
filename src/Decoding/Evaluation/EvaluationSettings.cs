using Decoding.Metrics;

namespace Decoding.Evaluation;

/// <summary>How <see cref="MethodScoring"/> scores a method.</summary>
/// <param name="Ways">The n of the n-way accuracies (each 2 &lt;= n &lt;= classes).</param>
/// <param name="Seed">Seeds the bootstrap resamples and the permutations (each metric from its own generator).</param>
/// <param name="BootstrapResamples">Resamples of the test stimuli per interval.</param>
/// <param name="Permutations">Random re-pairings of items and stimuli per null range (<see cref="StimulusLevelTest"/>).</param>
/// <param name="RouteFloor">The validation PixCorr and SSIM a route must keep to be chosen on validation
/// (<see cref="RouteChoice"/>); null: none.</param>
public sealed record EvaluationSettings(IReadOnlyList<int> Ways, long Seed = 2022, int BootstrapResamples = 1000,
    int Permutations = StimulusLevelTest.DefaultPermutations, Decode.FidelityFloor? RouteFloor = null)
{
    public const double ConfidenceLevel = 0.95;

    public void Validate(int classCount)
    {
        if (Ways.Count == 0) throw new InvalidSettingException("ways", null, "gives no n");
        foreach (int n in Ways)
            if (n < 2 || n > classCount) throw new InvalidSettingException("ways", n, $"must be between 2 and the classifier's {classCount} classes");
        Check.AtLeast(BootstrapResamples, 2, "bootstrap_resamples");
        Check.AtLeast(Permutations, 1, "permutations");
    }

    /// <summary>A seed for one named draw, derived from the run's seed so every metric has its own generator.</summary>
    public int SubSeed(string purpose, int index = 0)
    {
        unchecked
        {
            long h = Seed * 1_000_003 + index;
            foreach (char ch in purpose) h = h * 31 + ch;
            return (int)(h ^ (h >> 32));
        }
    }
}
