namespace Decoding.Decode;

/// <summary>The fMRI row each item receives in a shuffled-fMRI control, and how many items kept their category.</summary>
/// <param name="Order">Item i is decoded from the fMRI of item Order[i]; never i itself.</param>
/// <param name="SameCategory">Items whose donor has the same category (0 unless the design leaves no other choice).</param>
public sealed record FmriPermutation(int[] Order, int SameCategory);

/// <summary>
/// The shuffled-fMRI control: each test item is decoded from another item's fMRI. A real control must break every
/// link between an image and its fMRI, so the permutation is a derangement (no item keeps its own fMRI) and, where
/// the design allows, every item gets the fMRI of an item of another category (otherwise a same-category donor still
/// carries the category, and the control scores what the category alone gives). Drawn from its own seed (the
/// <c>control_seed</c>), independent of the sampler's noise.
/// <code>
///   1. a uniformly random cyclic permutation (Sattolo): a derangement
///   2. while some item i has a same-category donor: swap its donor with that of an item j chosen at random among
///      those for which the swap leaves both donors of another category and neither item with its own fMRI
/// </code>
/// </summary>
public static class ShuffledFmriControl
{
    public static FmriPermutation Draw(IReadOnlyList<int> categories, long controlSeed)
    {
        ArgumentNullException.ThrowIfNull(categories);
        int n = categories.Count;
        if (n < 2) throw new InvalidSettingException("shuffle_fmri", null, $"needs at least 2 items to give each another's fMRI; the split has {n}");
        var random = new Random(unchecked((int)(controlSeed ^ (controlSeed >> 32))));
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)                                       // Sattolo: j < i, so one cycle through all items
        {
            int j = random.Next(i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        bool Bad(int item, int donor) => donor == item || categories[donor] == categories[item];
        // With a single category there is no donor of another category to swap in (the cycle is already a derangement).
        bool severalCategories = categories.Distinct().Skip(1).Any();
        for (int pass = 0; severalCategories && pass < n; pass++)
        {
            bool changed = false;
            foreach (int i in Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray())
            {
                if (!Bad(i, order[i])) continue;
                var partners = Enumerable.Range(0, n)
                    .Where(j => j != i && !Bad(i, order[j]) && !Bad(j, order[i]))
                    .ToArray();
                if (partners.Length == 0) continue;
                int p = partners[random.Next(partners.Length)];
                (order[i], order[p]) = (order[p], order[i]);
                changed = true;
            }
            if (!changed) break;
        }
        // The swaps never create a fixed point; keep it an invariant, not a hope.
        for (int i = 0; i < n; i++)
            if (order[i] == i) throw new InvalidOperationException($"shuffled-fMRI control: item {i} kept its own fMRI");
        int same = Enumerable.Range(0, n).Count(i => categories[order[i]] == categories[i]);
        return new FmriPermutation(order, same);
    }
}
