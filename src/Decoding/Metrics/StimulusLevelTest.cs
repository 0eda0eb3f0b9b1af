namespace Decoding.Metrics;

/// <summary>A metric's test with the stimulus as the unit (see <see cref="StimulusLevelTest"/>).</summary>
/// <param name="Stimuli">N, the number of test stimuli: the unit of the test.</param>
/// <param name="Successes">Stimuli whose own score beats the median of their scores against the other stimuli.</param>
/// <param name="PValue">P(X ≥ Successes) for X ~ Binomial(N, 1/2): at least 2^−N, whatever K or the number of comparisons.</param>
/// <param name="NullRange">Central 95% range of the mean score when items are paired with randomly permuted stimuli.</param>
public sealed record StimulusTest(int Stimuli, int Successes, double PValue, Interval NullRange)
{
    /// <summary>The test used a control's own pairing rule (<see cref="Decoding.Metrics.ControlPairing"/>) instead of random pairings.</summary>
    public bool ControlPairing { get; init; }

    /// <summary>
    /// Scores equal up to floating-point rounding: a mean and a null-range bound are means over the same few items summed
    /// in different orders, so a mean on a bound (the null distribution of a few items is discrete) can differ from it
    /// in the last bits.
    /// </summary>
    public const double Tolerance = 1e-9;

    /// <summary>True when the mean score lies inside the permutation null range (its bounds included).</summary>
    public bool Within(double mean) => !Above(mean) && !Below(mean);

    /// <summary>True when the mean score lies above the null range's upper bound by more than rounding.</summary>
    public bool Above(double mean) => mean > NullRange.Upper + Tolerance;

    /// <summary>True when the mean score lies below the null range's lower bound by more than rounding.</summary>
    public bool Below(double mean) => mean < NullRange.Lower - Tolerance;
}

/// <summary>
/// Significance with the test stimulus as the unit. The input is a score matrix F: F[i, c] is what item i's decoded
/// images score when paired with stimulus c (for n-way accuracy, their accuracy against stimulus c's true class; for
/// 2-way identification, the fraction of comparisons they win with c as their own stimulus). The observed per-item
/// scores are the diagonal.
/// <list type="bullet">
/// <item><b>Sign test over stimuli</b>: item i succeeds when F[i, i] is strictly above the median of F[i, c] over the
/// other stimuli c ≠ i; with an even number of others (N odd), the higher of the two middle scores, not their mean.
/// If the images carry nothing about their own stimulus, F[i, i] is one more draw from the same distribution as the
/// N − 1 others, equally likely to fall in any of the N places among them, so it beats the m-th lowest with
/// probability (N − m)/N: 1/2 for the middle of an odd count, (N − 1)/(2N) for the higher middle of an even count
/// (the mean of the two middle ones would allow (N + 1)/(2N) &gt; 1/2). Ties count as failures. The p-value is the
/// binomial upper tail over the N stimuli, so 10 stimuli can never give less than 2^−10 ≈ 0.001, however many samples
/// or pairwise comparisons there are.</item>
/// <item><b>Permutation null range</b>: the mean of F[i, π(i)] over uniformly random permutations π of the stimuli,
/// its 2.5% and 97.5% quantiles: what the mean score looks like when images and stimuli are paired at random (a
/// decoder that outputs one fixed image lands inside it).</item>
/// </list>
/// A shuffled-fMRI control is not paired at random: item i's images are decoded from donor d(i), drawn so that the
/// donor is another item of another category. Its images show the donor's category, so against uniformly random
/// pairings a leak-free control scores far below chance, and a leak of the item's own stimulus can hide inside the
/// range. With its <see cref="ControlPairing"/> both parts compare like with like: the null pairs the same images with
/// the stimuli a fresh draw of the control would have given their donors (σ = τ⁻¹ ∘ d for a re-drawn donor map τ), and
/// the sign test compares F[i, i] with the scores against the stimuli such a draw could pair image i with (not i, not
/// d(i), and of another category than d(i)).
/// </summary>
public static class StimulusLevelTest
{
    public const int DefaultPermutations = 2000;

    /// <param name="scores">F, N x N.</param>
    /// <param name="random">Draws the permutations; pass a seeded generator.</param>
    /// <param name="control">For a shuffled-fMRI control: its donors and how they are drawn; null for everything else.</param>
    public static StimulusTest Compute(double[,] scores, Random random, int permutations = DefaultPermutations, ControlPairing? control = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(random);
        int n = scores.GetLength(0);
        if (n < 2 || scores.GetLength(1) != n) throw new ArgumentException($"stimulus-level test: the score matrix is {n} x {scores.GetLength(1)}; it must be square with at least 2 stimuli");
        if (permutations < 1) throw new ArgumentException($"stimulus-level test: {permutations} permutations");

        control?.Check(n);

        int successes = 0;
        for (int i = 0; i < n; i++)
        {
            var others = Enumerable.Range(0, n).Where(c => c != i && (control is null || control.Admissible(i, c))).Select(c => scores[i, c]).ToArray();
            if (others.Length == 0) continue;                 // nothing to compare with: not a success
            Array.Sort(others);
            double median = others[others.Length / 2];   // the middle one, or the higher of the two middle ones
            if (scores[i, i] > median) successes++;
        }

        var means = new double[permutations];
        var order = Enumerable.Range(0, n).ToArray();
        var inverse = new int[n];
        for (int r = 0; r < permutations; r++)
        {
            if (control is null)
            {
                random.Shuffle(order);
            }
            else
            {
                var redrawn = control.Draw(random.NextInt64());          // recipient -> donor of a fresh control draw
                for (int s = 0; s < n; s++) inverse[redrawn[s]] = s;
                for (int i = 0; i < n; i++) order[i] = inverse[control.Donors[i]];
            }
            double sum = 0;
            for (int i = 0; i < n; i++) sum += scores[i, order[i]];
            means[r] = sum / n;
        }
        Array.Sort(means);
        double observed = Enumerable.Range(0, n).Average(i => scores[i, i]);
        var range = new Interval(observed, Bootstrap.Quantile(means, 0.025), Bootstrap.Quantile(means, 0.975));
        return new StimulusTest(n, successes, BinomialTest.UpperTailPValue(successes, n, 0.5), range) { ControlPairing = control is not null };
    }
}

/// <summary>
/// How a shuffled-fMRI control paired its items with fMRI: item i was decoded from the fMRI of item Donors[i], and
/// <see cref="ControlPairing.Draw"/> makes a fresh donor map by the same rule from a seed (the control's own drawing procedure).
/// </summary>
/// <param name="donors">The donor of each item (a permutation with no fixed point).</param>
/// <param name="categories">Each item's category; a re-drawn control gives image i only stimuli of another category than its donor's, where there is one.</param>
/// <param name="draw">A fresh donor map (recipient -> donor) for a seed.</param>
public sealed class ControlPairing(IReadOnlyList<int> donors, IReadOnlyList<int> categories, Func<long, IReadOnlyList<int>> draw)
{
    private readonly Dictionary<int, int> itemsPerCategory = categories.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());

    public IReadOnlyList<int> Donors { get; } = donors;

    public IReadOnlyList<int> Categories { get; } = categories;

    public Func<long, IReadOnlyList<int>> Draw { get; } = draw;

    /// <summary>True when a fresh control draw could pair image i (made from Donors[i]) with stimulus c.</summary>
    public bool Admissible(int i, int c)
    {
        int donor = Donors[i];
        if (c == donor) return false;
        bool otherCategoryExists = itemsPerCategory[Categories[donor]] < Categories.Count;
        return !otherCategoryExists || Categories[c] != Categories[donor];
    }

    public void Check(int n)
    {
        if (Donors.Count != n || Categories.Count != n)
            throw new ArgumentException($"control pairing: {Donors.Count} donors and {Categories.Count} categories for {n} stimuli");
        var seen = new bool[n];
        foreach (int d in Donors)
        {
            if (d < 0 || d >= n || seen[d]) throw new ArgumentException("control pairing: the donors are not a permutation of the items");
            seen[d] = true;
        }
    }
}
