namespace Decoding.Metrics;

/// <summary>Argument checks shared by the metrics; each throws a one-line <see cref="ArgumentException"/>.</summary>
internal static class EvaluationChecks
{
    public static void SameNonZeroCount<TA, TB>(IReadOnlyList<TA> a, IReadOnlyList<TB> b, string aName, string bName)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (a.Count == 0) throw new ArgumentException($"{aName} is empty; at least one test item is needed", aName);
        if (a.Count != b.Count)
            throw new ArgumentException($"{aName} has {a.Count} items but {bName} has {b.Count}; item i of each must belong together", bName);
    }
}
