using Decoding.Evaluation;

namespace Decoding.Tests.Evaluation;

/// <summary>
/// 2-way identification in both directions over K samples per item (<see cref="MethodScoring.TwoWay"/>), on similarity
/// matrices written out by hand: sim_k[i, j] is sample k of reconstruction i against stimulus j.
/// </summary>
public sealed class TwoWayDirectionsTests
{
    private static readonly EvaluationSettings Settings = new([2], Seed: 1, BootstrapResamples: 50, Permutations: 50);

    [Fact]
    public void Ground_truth_fixed_averages_each_reconstruction_s_samples_before_comparing_as_Takagi_and_Nishimoto_do()
    {
        // Stimulus 0 (column 0): its own reconstruction's two samples score 0.9 and 0.1, the other reconstructions 0.2 and
        // 0.3 in both samples. Takagi & Nishimoto's identification compares the means over the samples: 0.5 beats 0.2 and
        // 0.3, so stimulus 0 wins both comparisons (1.0). Sample by sample it would win both with sample 0 and none with
        // sample 1 (0.5).
        double[][,] similarity =
        [
            new double[,] { { 0.9, 0.5, 0.4 }, { 0.2, 0.8, 0.1 }, { 0.3, 0.1, 0.7 } },
            new double[,] { { 0.1, 0.5, 0.4 }, { 0.2, 0.8, 0.1 }, { 0.3, 0.1, 0.7 } },
        ];
        var scores = MethodScoring.TwoWay(similarity, Settings, "test", ["a", "b", "c"]);
        Assert.Equal(1.0, scores.GroundTruthFixed.PerItem[0]);
        // Reconstruction fixed stays sample by sample (MinD-Vis averages per-sample scores): reconstruction 0 against
        // stimuli 1 and 2 (0.5, 0.4) wins both with sample 0 (0.9) and none with sample 1 (0.1).
        Assert.Equal(0.5, scores.ReconstructionFixed.PerItem[0]);
        // Items 1 and 2 are the same in both samples and win everything in both directions.
        Assert.Equal([1.0, 1.0], scores.GroundTruthFixed.PerItem.Skip(1));
        Assert.Equal([1.0, 1.0], scores.ReconstructionFixed.PerItem.Skip(1));
    }

    [Fact]
    public void With_one_sample_both_directions_compare_single_similarities_and_ties_lose()
    {
        // Column 1: reconstruction 1 scores 0.4 against stimulus 1, reconstruction 0 scores 0.4 too (a tie: lost) and
        // reconstruction 2 scores 0.1 (won): 0.5. Row 1: 0.4 against 0.6 (lost) and 0.2 (won): 0.5.
        double[][,] similarity = [new double[,] { { 0.9, 0.4, 0.0 }, { 0.6, 0.4, 0.2 }, { 0.1, 0.1, 0.8 } }];
        var scores = MethodScoring.TwoWay(similarity, Settings, "test", ["a", "b", "c"]);
        Assert.Equal(0.5, scores.GroundTruthFixed.PerItem[1]);
        Assert.Equal(0.5, scores.ReconstructionFixed.PerItem[1]);
        Assert.Equal([1.0, 0.5, 1.0], scores.GroundTruthFixed.PerItem);
        Assert.Equal([1.0, 0.5, 1.0], scores.ReconstructionFixed.PerItem);
    }
}
