using Decoding.Decode;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// The selection's category judge on images whose neighbour ranks follow by hand: two orthogonal 4x4 patterns A (left
/// half bright) and B (top half bright), six training stimuli of each, each a copy with one pixel changed a little. An
/// image equal to A correlates about 1 with the six A copies and 0 with the six B copies (A and B are orthogonal
/// after centring), so its 10 nearest training images are the 6 A copies and 4 B copies: agreement 6/10 if the item's
/// category is A's, 4/10 if it is B's.
/// </summary>
public sealed class NearestNeighbourCategoryJudgeTests
{
    private static float[] Pattern(bool leftHalf) =>
        Enumerable.Range(0, 16).Select(p => (leftHalf ? p % 4 < 2 : p / 4 < 2) ? 0.9f : 0.1f).ToArray();

    /// <summary>Six copies of A (category 3) and six of B (category 5), pixel k of copy k raised by 0.05; each stimulus
    /// shown <paramref name="trials"/> times.</summary>
    private static StimulusPairs Training(int trials)
    {
        var images = new List<float>();
        var ids = new List<StimulusId>();
        var categories = new List<int>();
        for (int s = 0; s < 12; s++)
        {
            var pixels = Pattern(leftHalf: s < 6);
            pixels[s] += 0.05f;
            for (int t = 0; t < trials; t++)
            {
                images.AddRange(pixels);
                ids.Add(new StimulusId($"stim-{s}"));
                categories.Add(s < 6 ? 3 : 5);
            }
        }
        int n = ids.Count;
        return new StimulusPairs(new float[n], 1, tensor(images.ToArray(), new long[] { n, 1, 4, 4 }), [.. ids], [.. categories], [.. Enumerable.Range(0, n)]);
    }

    [Fact]
    public void Agreement_is_the_share_of_the_ten_nearest_training_images_in_the_items_category()
    {
        using var judge = new NearestNeighbourCategoryJudge(Training(trials: 1));
        using var a = tensor(Pattern(leftHalf: true), new long[] { 1, 1, 4, 4 });
        using var b = tensor(Pattern(leftHalf: false), new long[] { 1, 1, 4, 4 });
        Assert.Equal(0.6, judge.Agreement(a, [3]), 12);
        Assert.Equal(0.4, judge.Agreement(a, [5]), 12);
        Assert.Equal(0.6, judge.Agreement(b, [5]), 12);
        // The mean over items: (0.6 + 0.4) / 2.
        using var both = cat(new[] { a, b }, 0);
        Assert.Equal(0.5, judge.Agreement(both, [3, 3]), 12);
        // Correlation ignores brightness and contrast: a dimmer, flatter A is still A.
        using var dim = a * 0.5 + 0.2;
        Assert.Equal(0.6, judge.Agreement(dim, [3]), 12);
    }

    [Fact]
    public void The_stimuli_themselves_score_what_a_perfect_reconstruction_would()
    {
        // Validation stimuli as the split holds them (uint8): A labelled 3 and B labelled 5 look like their categories
        // (0.6 each, as above); A labelled 5 is a stimulus that looks like the other category (0.4). Mean (0.6 + 0.6 + 0.4) / 3.
        using var judge = new NearestNeighbourCategoryJudge(Training(trials: 1));
        var bytes = new[] { Pattern(leftHalf: true), Pattern(leftHalf: false), Pattern(leftHalf: true) }
            .SelectMany(p => p.Select(v => (byte)Math.Round(v * 255))).ToArray();
        var items = new StimulusPairs(new float[3], 1, tensor(bytes, new long[] { 3, 1, 4, 4 }), [new("v-0"), new("v-1"), new("v-2")], [3, 5, 5], [0, 1, 2]);
        Assert.Equal((0.6 + 0.6 + 0.4) / 3, judge.StimuliAgreement(items), 12);
        // Float images would be read as bytes and judged wrongly: refused.
        var floats = items with { Images = items.Images.to_type(ScalarType.Float32) };
        Assert.Throws<ArgumentException>(() => judge.StimuliAgreement(floats));
        floats.Images.Dispose();
        items.Images.Dispose();
    }

    [Fact]
    public void A_stimulus_shown_in_several_trials_counts_once()
    {
        // With every stimulus repeated three times, counting trials would fill the 10 nearest with A copies (share 1).
        using var judge = new NearestNeighbourCategoryJudge(Training(trials: 3));
        using var a = tensor(Pattern(leftHalf: true), new long[] { 1, 1, 4, 4 });
        Assert.Equal(0.6, judge.Agreement(a, [3]), 12);
    }

    [Fact]
    public void Too_few_training_stimuli_and_mismatched_categories_are_refused()
    {
        var few = Training(trials: 1);
        var ten = few with { Images = few.Images.narrow(0, 0, 10), StimulusIds = few.StimulusIds[..10], Categories = few.Categories[..10], SampleIndices = few.SampleIndices[..10] };
        var e = Assert.Throws<InvalidSettingException>(() => new NearestNeighbourCategoryJudge(ten));
        Assert.Contains("leaves 10 training stimuli", e.Message);
        using var judge = new NearestNeighbourCategoryJudge(few);
        using var a = tensor(Pattern(leftHalf: true), new long[] { 1, 1, 4, 4 });
        Assert.Throws<ArgumentException>(() => judge.Agreement(a, [3, 5]));
    }

    [Fact]
    public void Judge_only_stimuli_let_it_recognise_a_category_the_fit_part_lacks()
    {
        // Four more B-like stimuli of category 7, which no fit stimulus has (a validation split of whole categories gives
        // the held-out categories' other stimuli to the judge only). An image equal to B has the 6 B copies and these 4
        // as its 10 nearest (correlation about 1; every A copy about 0): agreement 4/10 for category 7, 6/10 for 5.
        var extraImages = new List<float>();
        for (int k = 0; k < 4; k++)
        {
            var pixels = Pattern(leftHalf: false);
            pixels[12 + k] += 0.05f;
            extraImages.AddRange(pixels);
        }
        var judgeOnly = new StimulusPairs(new float[4], 1, tensor(extraImages.ToArray(), new long[] { 4, 1, 4, 4 }),
            [.. Enumerable.Range(0, 4).Select(k => new StimulusId($"extra-{k}"))], [7, 7, 7, 7], [0, 1, 2, 3]);
        using var b = tensor(Pattern(leftHalf: false), new long[] { 1, 1, 4, 4 });
        using (var fitOnly = new NearestNeighbourCategoryJudge(Training(trials: 1)))
            Assert.Equal(0.0, fitOnly.Agreement(b, [7]), 12);
        using var judge = new NearestNeighbourCategoryJudge(Training(trials: 1), judgeOnly);
        Assert.Equal(0.4, judge.Agreement(b, [7]), 12);
        Assert.Equal(0.6, judge.Agreement(b, [5]), 12);
    }
}
