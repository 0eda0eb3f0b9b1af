using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

public class TwoWayIdentificationTests
{
    private static float[] RandomVector(int length, Random random) =>
        Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();

    [Fact]
    public void Perfect_decoder_scores_one()
    {
        // Reconstruction = stimulus: corr(recon_i, stim_i) = 1 > corr(recon_i, stim_j) for distinct random stimuli.
        var random = new Random(2);
        var stimuli = Enumerable.Range(0, 30).Select(_ => RandomVector(64, random)).ToList();
        var result = TwoWayIdentification.Compute(stimuli, stimuli);
        Assert.All(result.PerItem, s => Assert.Equal(1.0, s));
        Assert.Equal(1.0, result.Mean);
        Assert.Equal(0.5, result.Chance);
    }

    [Fact]
    public void Decoder_returning_one_fixed_image_scores_exactly_one_half()
    {
        // Every reconstruction is the same vector f, so item i compares c_i = corr(f, stim_i) with every other c_j.
        // With distinct c's, the item of rank r (0-based, ascending) wins r of N-1 comparisons; the mean over items
        // is sum_r r / (N (N-1)) = (N-1)N/2 / (N(N-1)) = 1/2 exactly.
        var random = new Random(4);
        var stimuli = Enumerable.Range(0, 25).Select(_ => RandomVector(50, random)).ToList();
        var fixedRecon = RandomVector(50, random);
        var recons = stimuli.Select(_ => fixedRecon).ToList();
        var result = TwoWayIdentification.Compute(recons, stimuli);
        Assert.Equal(0.5, result.Mean, 12);
    }

    [Fact]
    public void Small_case_matches_hand_computation()
    {
        // Stimuli (centred):  s0 = [1,2,3] -> [-1,0,1];  s1 = [3,2,1] -> [1,0,-1];  s2 = [2,3,1] -> [0,1,-1]; |s| = sqrt 2.
        // r0 = [0,1,5] -> [-2,-1,3] (|.| = sqrt 14): corr with s0 = 5/sqrt 28 = 0.945, s1 = -0.945, s2 = -4/sqrt 28 = -0.756
        //      -> own beats both: 2/2 = 1.
        // r1 = [2,1,3] -> [0,-1,1] (|.| = sqrt 2): corr with s1 = -1/2, s0 = +1/2, s2 = -2/2 = -1
        //      -> own beats s2 only: 1/2.
        // r2 = [2,4,0] -> [0,2,-2] (|.| = sqrt 8): corr with s2 = 4/4 = 1, s0 = -2/4 = -0.5, s1 = 2/4 = 0.5
        //      -> 2/2 = 1.
        // Mean = (1 + 0.5 + 1) / 3 = 5/6.
        var stimuli = new List<float[]> { new float[] { 1, 2, 3 }, new float[] { 3, 2, 1 }, new float[] { 2, 3, 1 } };
        var recons = new List<float[]> { new float[] { 0, 1, 5 }, new float[] { 2, 1, 3 }, new float[] { 2, 4, 0 } };
        var result = TwoWayIdentification.Compute(recons, stimuli);
        Assert.Equal(new[] { 1.0, 0.5, 1.0 }, result.PerItem.ToArray());
        Assert.Equal(5.0 / 6.0, result.Mean, 12);
    }

    [Fact]
    public void Ties_lose()
    {
        // Two identical stimuli: each reconstruction correlates equally with its own and the other stimulus.
        var s = new float[] { 1, 2, 4 };
        var result = TwoWayIdentification.Compute(new List<float[]> { s, s }, new List<float[]> { s, s });
        Assert.Equal(new[] { 0.0, 0.0 }, result.PerItem.ToArray());
    }

    [Fact]
    public void Pixel_features_and_custom_similarity_agree_with_feature_version()
    {
        var random = new Random(6);
        var images = Enumerable.Range(0, 6).Select(_ => new ImageTensor(4, 4, 3, RandomVector(48, random))).ToList();
        var recons = Enumerable.Range(0, 6).Select(_ => new ImageTensor(4, 4, 3, RandomVector(48, random))).ToList();
        var viaImages = TwoWayIdentification.Compute(recons, images);
        var viaSimilarity = TwoWayIdentification.ComputeWithSimilarity(6, (i, j) => PixCorr.Compute(recons[i], images[j]));
        Assert.Equal(viaSimilarity.PerItem.ToArray(), viaImages.PerItem.ToArray());
    }

    [Fact]
    public void Constant_feature_vector_is_rejected_with_its_index()
    {
        var e = Assert.Throws<ArgumentException>(() => TwoWayIdentification.Compute(
            new List<float[]> { new float[] { 1, 2 }, new float[] { 3, 3 } },
            new List<float[]> { new float[] { 1, 2 }, new float[] { 2, 1 } }));
        Assert.Contains("reconstructionFeatures[1]", e.Message);
    }

    [Fact]
    public void Within_category_compares_only_the_other_stimuli_of_the_items_category()
    {
        // Categories a, a, a, b, c. similarity[i, j] of reconstruction i to stimulus j, by hand:
        //   item 0 (a): own 0.9; a-peers 1 (0.95, lost) and 2 (0.5, won); 3 (0.99) and 4 are other categories -> 1/2
        //   item 1 (a): own 0.8; a-peers 0 (0.7, won) and 2 (0.6, won)                                        -> 1
        //   item 2 (a): own 0.3; a-peers 0 (0.4, lost) and 1 (0.3, a tie: lost)                                -> 0
        //   items 3 (b) and 4 (c): no other stimulus of their category                                          -> null
        // Over all stimuli item 0 would score 2/4 and item 2 would win against 3 and 4 (0.3 > 0.1): the within score
        // differs from the whole-set one.
        double[,] similarity =
        {
            { 0.9, 0.95, 0.5, 0.99, 0.1 },
            { 0.7, 0.8, 0.6, 0.1, 0.1 },
            { 0.4, 0.3, 0.3, 0.1, 0.1 },
            { 0.1, 0.1, 0.1, 0.5, 0.9 },
            { 0.1, 0.1, 0.1, 0.9, 0.5 },
        };
        string[] categories = ["a", "a", "a", "b", "c"];
        var within = TwoWayIdentification.WithinCategory(5, (i, j) => similarity[i, j], categories);
        Assert.Equal(new double?[] { 0.5, 1.0, 0.0, null, null }, within);
        var all = TwoWayIdentification.ComputeWithSimilarity(5, (i, j) => similarity[i, j]);
        Assert.Equal(new[] { 0.5, 1.0, 0.5, 0.75, 0.75 }, all.PerItem);
    }

    [Fact]
    public void Within_category_refuses_a_category_list_of_the_wrong_length()
    {
        var error = Assert.Throws<ArgumentException>(() => TwoWayIdentification.WithinCategory(3, (i, j) => i == j ? 1 : 0, ["a", "a"]));
        Assert.Contains("categories has 2 entries for 3 items", error.Message);
    }
}
