using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class CategoryBreakdownTests
{
    [Fact]
    public void Mean_per_category_matches_hand_computation()
    {
        // dog: (1 + 0 + 0.5) / 3 = 0.5; cat: (0.2 + 0.4) / 2 = 0.3; ordinal order "cat" < "dog".
        double[] scores = { 1.0, 0.2, 0.0, 0.4, 0.5 };
        string[] labels = { "dog", "cat", "dog", "cat", "dog" };
        var rows = CategoryBreakdown.MeanPerCategory(scores, labels);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("cat", 2), (rows[0].Category, rows[0].ItemCount));
        Assert.Equal(0.3, rows[0].Mean, 12);
        Assert.Equal(("dog", 3), (rows[1].Category, rows[1].ItemCount));
        Assert.Equal(0.5, rows[1].Mean, 12);
    }

    [Fact]
    public void Works_on_n_way_item_results()
    {
        var stimulus = new List<float[]> { new[] { 0.6f, 0.3f, 0.1f }, new[] { 0.1f, 0.6f, 0.3f } };
        var samples = new List<IReadOnlyList<float[]>> { new[] { stimulus[0] }, new[] { new[] { 0.6f, 0.3f, 0.1f } } };
        var result = NWayTopOneAccuracy.Compute(stimulus, samples, 3, new Random(0), 10);
        var rows = CategoryBreakdown.MeanPerCategory(result.Items.Select(i => i.MeanOverSamples).ToList(), new[] { "a", "b" });
        // n = C = 3: item 0 decoded to its own argmax (wins), item 1 decoded to class 0's argmax (loses).
        Assert.Equal(new[] { 1.0, 0.0 }, rows.Select(r => r.Mean).ToArray());
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => CategoryBreakdown.MeanPerCategory(new[] { 1.0 }, new[] { "a", "b" }));
    }
}
