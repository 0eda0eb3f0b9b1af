using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// A validation split carved from the training trials, so that settings are chosen without looking at the test
/// stimuli: a seeded random set of training stimuli is held out (every trial of a held-out stimulus, so no stimulus
/// is on both sides), its trials averaged per stimulus as test trials are; the rest is what the routes are fitted on.
/// <para>
/// With whole categories (<c>--validation-split categories</c>) the held-out stimuli come from training categories
/// held out whole, as Generic Object Decoding's test categories are absent from its training set: the routes are
/// fitted on the other categories only, so the validation scores say how a setting does on a category it never saw.
/// Each held-out category gives at most half of its stimuli as validation items; its other stimuli are fitted on by
/// nothing and only join the category judge's references (<see cref="JudgeOnly"/>), which needs images of the
/// held-out categories to recognise them.
/// </para>
/// </summary>
/// <param name="Fit">The training pairs the routes are fitted on.</param>
/// <param name="Validation">One item per held-out stimulus (its trials' mean voxels).</param>
/// <param name="JudgeOnly">With whole categories: the held-out categories' stimuli that are not validation items (one
/// row each), for <see cref="NearestNeighbourCategoryJudge"/> only; null otherwise.</param>
/// <param name="HeldOutCategories">With whole categories: the categories held out, in the order drawn; empty otherwise.</param>
public sealed record ValidationSplit(StimulusPairs Fit, StimulusPairs Validation, StimulusPairs? JudgeOnly = null, IReadOnlyList<int>? HeldOutCategories = null)
{
    /// <summary>Holds out <paramref name="stimuli"/> training stimuli (at most half of them) chosen with <paramref name="seed"/>;
    /// with <paramref name="wholeCategories"/>, from training categories held out whole (at least 2, at most half of the
    /// categories, each giving at most half of its stimuli; see the remarks), so possibly fewer.</summary>
    public static ValidationSplit Carve(StimulusPairs train, int stimuli, long seed, bool wholeCategories = false)
    {
        ArgumentNullException.ThrowIfNull(train);
        var byStimulus = Enumerable.Range(0, train.Count).GroupBy(i => train.StimulusIds[i]).Select(g => g.ToArray()).ToArray();
        Check.That(byStimulus.Length >= 4, "validation", stimuli, $"needs a training split of at least 4 stimuli; it has {byStimulus.Length}");
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        int[] validationStimuli, fitStimuli, judgeOnly = [];
        int[] heldCategories = [];
        if (!wholeCategories)
        {
            int held = Math.Clamp(stimuli, 2, byStimulus.Length / 2);
            var order = Enumerable.Range(0, byStimulus.Length).ToArray();
            random.Shuffle(order);
            validationStimuli = order.Take(held).ToArray();
            fitStimuli = order.Skip(held).ToArray();
        }
        else
        {
            // Categories in a seeded order, held out until they can give the stimuli asked for (at least 2 categories,
            // at most half). Each gives at most half of its stimuli as validation items, so that the category judge
            // keeps at least as many of them as references; the items are drawn from the categories in turn, each
            // category's stimuli in a seeded order.
            var categoryOf = byStimulus.Select(rows => train.Categories[rows[0]]).ToArray();
            var categories = categoryOf.Distinct().Order().ToArray();
            Check.That(categories.Length >= 4, "validation_split", "categories",
                $"holds out whole training categories and fits on the others; the training split has {categories.Length} categor{(categories.Length == 1 ? "y" : "ies")}, at least 4 are needed ({{validation_split}} stimuli holds out stimuli)");
            random.Shuffle(categories);
            var members = categories.ToDictionary(c => c, c => Enumerable.Range(0, byStimulus.Length).Where(k => categoryOf[k] == c).ToArray());
            foreach (var list in members.Values) random.Shuffle(list);
            static int Cap(int[] stimuliOfCategory) => stimuliOfCategory.Length / 2;
            var held = new List<int>();
            int available = 0;
            foreach (int c in categories)
            {
                if (held.Count >= categories.Length / 2 || (held.Count >= 2 && available >= stimuli)) break;
                held.Add(c);
                available += Cap(members[c]);
            }
            Check.That(available >= 2, "validation_split", "categories",
                "holds out whole categories, each giving at most half of its stimuli as validation items; the held-out categories have too few stimuli");
            int count = Math.Clamp(stimuli, 2, available);
            var taken = new List<int>();
            for (int round = 0; taken.Count < count; round++)
                foreach (int c in held)
                    if (round < Cap(members[c]) && taken.Count < count) taken.Add(members[c][round]);
            validationStimuli = [.. taken];
            judgeOnly = held.SelectMany(c => members[c]).Except(taken).ToArray();
            fitStimuli = categories.Except(held).SelectMany(c => members[c]).ToArray();
            heldCategories = [.. held];
        }
        var validation = validationStimuli.Order().Select(k => byStimulus[k]).ToArray();
        var fit = fitStimuli.SelectMany(k => byStimulus[k]).Order().ToArray();

        int v = train.VoxelCount;
        var averaged = new float[(long)validation.Length * v];
        for (int r = 0; r < validation.Length; r++)
        {
            foreach (int i in validation[r])
                for (int j = 0; j < v; j++) averaged[(long)r * v + j] += train.Voxels[(long)i * v + j];
            for (int j = 0; j < v; j++) averaged[(long)r * v + j] /= validation[r].Length;
        }
        var firstRows = validation.Select(rows => rows[0]).ToArray();
        return new ValidationSplit(Rows(train, fit), new StimulusPairs(averaged, v, Images(train, firstRows),
            firstRows.Select(i => train.StimulusIds[i]).ToArray(), firstRows.Select(i => train.Categories[i]).ToArray(),
            firstRows.Select(i => train.SampleIndices[i]).ToArray())
        {
            RepeatCounts = validation.Select(rows => rows.Sum(i => train.RepeatCounts?[i] ?? 1)).ToArray(),
            NativeSize = train.NativeSize,
        }, wholeCategories ? Rows(train, judgeOnly.Order().Select(k => byStimulus[k][0]).ToArray()) : null, heldCategories);
    }

    /// <summary>The image tensors the split holds (fit, validation and judge-only parts).</summary>
    public void DisposeImages()
    {
        Fit.Images.Dispose();
        Validation.Images.Dispose();
        JudgeOnly?.Images.Dispose();
    }

    /// <summary>How the split was carved, for a rule's description: "" for held-out stimuli, else the categories held out whole.</summary>
    public string Describe(IReadOnlyList<string>? categoryNames = null) => HeldOutCategories is not { Count: > 0 } held ? ""
        : $"from {held.Count} training categories held out whole, {string.Join(", ", held.Order().Select(c => categoryNames is not null && c >= 0 && c < categoryNames.Count ? categoryNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture)))}, "
          + "that nothing was fitted on";

    private static StimulusPairs Rows(StimulusPairs pairs, int[] rows)
    {
        int v = pairs.VoxelCount;
        var voxels = new float[(long)rows.Length * v];
        for (int r = 0; r < rows.Length; r++) Array.Copy(pairs.Voxels, (long)rows[r] * v, voxels, (long)r * v, v);
        return new StimulusPairs(voxels, v, Images(pairs, rows), rows.Select(i => pairs.StimulusIds[i]).ToArray(),
            rows.Select(i => pairs.Categories[i]).ToArray(), rows.Select(i => pairs.SampleIndices[i]).ToArray())
        {
            RepeatCounts = pairs.RepeatCounts is null ? null : rows.Select(i => pairs.RepeatCounts[i]).ToArray(),
            NativeSize = pairs.NativeSize,
        };
    }

    private static Tensor Images(StimulusPairs pairs, int[] rows)
    {
        using var index = tensor(rows.Select(i => (long)i).ToArray(), ScalarType.Int64);
        return pairs.Images.index_select(0, index);
    }
}
