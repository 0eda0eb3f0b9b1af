using Decoding.Decode;
using Fmri.Core;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// The validation split on a hand-made training set: 8 categories (0..7) of 10 stimuli each, every stimulus shown in 2
/// trials, so every count below follows from the construction.
/// </summary>
public sealed class ValidationSplitTests
{
    private const int Categories = 8, PerCategory = 10, Trials = 2;

    private static StimulusPairs Training()
    {
        var ids = new List<StimulusId>();
        var categories = new List<int>();
        for (int c = 0; c < Categories; c++)
            for (int s = 0; s < PerCategory; s++)
                for (int t = 0; t < Trials; t++)
                {
                    ids.Add(new StimulusId($"c{c}-s{s}"));
                    categories.Add(c);
                }
        int n = ids.Count;
        var voxels = Enumerable.Range(0, n).Select(i => (float)i).ToArray();   // one voxel: the trial's row
        return new StimulusPairs(voxels, 1, rand(new long[] { n, 1, 4, 4 }, generator: new Generator(1)), [.. ids], [.. categories], [.. Enumerable.Range(0, n)]);
    }

    private static HashSet<string> Stimuli(StimulusPairs pairs) => pairs.StimulusIds.Select(id => id.Value).ToHashSet();

    private static int CategoryOf(string id) => id[1] - '0';

    [Fact]
    public void Held_out_stimuli_leave_every_category_in_the_fit_part_and_average_their_trials()
    {
        var train = Training();
        var split = ValidationSplit.Carve(train, 12, seed: 3);
        Assert.Equal(12, split.Validation.Count);
        Assert.Null(split.JudgeOnly);
        Assert.Empty(split.HeldOutCategories ?? []);
        Assert.Equal("", split.Describe());
        Assert.Empty(Stimuli(split.Fit).Intersect(Stimuli(split.Validation)));
        Assert.Equal(Categories * PerCategory, Stimuli(split.Fit).Count + Stimuli(split.Validation).Count);
        Assert.Equal((Categories * PerCategory - 12) * Trials, split.Fit.Count);                   // every trial of a fit stimulus
        Assert.All(split.Validation.RepeatCounts!, r => Assert.Equal(Trials, r));
        // The voxel is the trial's row number: a stimulus's two trials are neighbouring rows 2k and 2k + 1, mean 2k + 0.5.
        for (int i = 0; i < split.Validation.Count; i++)
            Assert.Equal(0.5f, split.Validation.Voxels[i] % 2);
        split.DisposeImages();
        train.Images.Dispose();
    }

    [Fact]
    public void Whole_categories_hold_out_every_stimulus_of_two_categories_and_give_their_rest_to_the_judge_only()
    {
        var train = Training();
        var split = ValidationSplit.Carve(train, 8, seed: 3, wholeCategories: true);
        // Each held-out category gives at most half of its 10 stimuli: 2 categories can give 10 >= 8, so 2 are held out,
        // and the 8 items alternate between them: 4 each.
        var held = split.HeldOutCategories!;
        Assert.Equal(2, held.Count);
        var validation = Stimuli(split.Validation);
        Assert.Equal(8, validation.Count);
        Assert.All(validation, id => Assert.Contains(CategoryOf(id), held));
        Assert.All(held, c => Assert.Equal(4, validation.Count(id => CategoryOf(id) == c)));
        Assert.Equal(split.Validation.Categories, split.Validation.StimulusIds.Select(id => CategoryOf(id.Value)));
        // The fit part holds no stimulus of a held-out category; the judge gets their other 12 stimuli, once each.
        Assert.All(split.Fit.Categories, c => Assert.DoesNotContain(c, held));
        Assert.Equal((Categories - 2) * PerCategory * Trials, split.Fit.Count);
        var judgeOnly = Stimuli(split.JudgeOnly!);
        Assert.Equal(2 * PerCategory - 8, split.JudgeOnly!.Count);
        Assert.Equal(judgeOnly.Count, split.JudgeOnly.Count);
        Assert.Empty(judgeOnly.Intersect(validation));
        Assert.All(judgeOnly, id => Assert.Contains(CategoryOf(id), held));
        Assert.Equal(Categories * PerCategory, Stimuli(split.Fit).Count + validation.Count + judgeOnly.Count);
        Assert.Equal($"from 2 training categories held out whole, {string.Join(", ", held.Order().Select(c => $"cat{c}"))}, that nothing was fitted on",
            split.Describe([.. Enumerable.Range(0, Categories).Select(c => $"cat{c}")]));
        // The same seed carves the same split.
        var again = ValidationSplit.Carve(train, 8, seed: 3, wholeCategories: true);
        Assert.Equal(split.Validation.StimulusIds, again.Validation.StimulusIds);
        Assert.Equal(held, again.HeldOutCategories);
        split.DisposeImages();
        again.DisposeImages();
        train.Images.Dispose();
    }

    [Fact]
    public void More_stimuli_than_two_categories_can_give_take_more_categories_up_to_half_of_them()
    {
        var train = Training();
        // 12 items need 3 categories (5 each at most): 4, 4 and 4, and 18 stimuli left for the judge.
        var three = ValidationSplit.Carve(train, 12, seed: 3, wholeCategories: true);
        Assert.Equal(3, three.HeldOutCategories!.Count);
        Assert.Equal(12, three.Validation.Count);
        Assert.Equal([4, 4, 4], three.HeldOutCategories.Select(c => three.Validation.Categories.Count(v => v == c)));
        Assert.Equal(18, three.JudgeOnly!.Count);
        // 13 items: the fourth round gives one more, to the first category drawn.
        var thirteen = ValidationSplit.Carve(train, 13, seed: 3, wholeCategories: true);
        Assert.Equal([5, 4, 4], thirteen.HeldOutCategories!.Select(c => thirteen.Validation.Categories.Count(v => v == c)));
        // 30 items would need 6 categories; at most half (4) are held out, giving 5 each: 20 items, and 20 judge stimuli.
        var half = ValidationSplit.Carve(train, 30, seed: 3, wholeCategories: true);
        Assert.Equal(4, half.HeldOutCategories!.Count);
        Assert.Equal(20, half.Validation.Count);
        Assert.All(half.HeldOutCategories, c => Assert.Equal(5, half.Validation.Categories.Count(v => v == c)));
        Assert.Equal(20, half.JudgeOnly!.Count);
        foreach (var s in new[] { three, thirteen, half }) s.DisposeImages();
        train.Images.Dispose();
    }

    [Fact]
    public void Whole_categories_need_four_training_categories()
    {
        var train = Training();
        using var firstThree = train.Images.narrow(0, 0, 3 * PerCategory * Trials);
        var threeCategories = new StimulusPairs(train.Voxels[..(3 * PerCategory * Trials)], 1, firstThree,
            train.StimulusIds.Take(3 * PerCategory * Trials).ToArray(), train.Categories.Take(3 * PerCategory * Trials).ToArray(),
            train.SampleIndices.Take(3 * PerCategory * Trials).ToArray());
        var error = Assert.Throws<InvalidSettingException>(() => ValidationSplit.Carve(threeCategories, 12, seed: 3, wholeCategories: true));
        Assert.Contains("the training split has 3 categories, at least 4 are needed", error.Message);
        train.Images.Dispose();
    }
}
