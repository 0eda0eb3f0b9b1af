using Decoding.Decode.Routes;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>The brain → context mapper on synthetic voxels whose category is linearly encoded in noise.</summary>
public sealed class ContrastiveContextMapperTests
{
    private const int K = 4, V = 60, L = 3, D = 8;

    /// <summary>Rows of V voxels: a category pattern (unit-variance, one per category) plus Gaussian noise of the
    /// given standard deviation; contexts (K, L, D) drawn at random.</summary>
    private static (float[] Voxels, int[] Labels, Tensor Contexts) Data(int n, double noise, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var patterns = Enumerable.Range(0, K).Select(_ => Enumerable.Range(0, V).Select(_ => Gaussian()).ToArray()).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => i % K).ToArray();
        var voxels = new float[n * V];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < V; j++)
                voxels[i * V + j] = (float)(patterns[labels[i]][j] + noise * Gaussian());
        var contexts = randn(new long[] { K, L, D }, generator: new Generator((ulong)seed));
        return (voxels, labels, contexts);
    }

    private static double Accuracy(Tensor predicted, int[] labels, Tensor contexts)
    {
        using var p = nn.functional.normalize(predicted.reshape(predicted.shape[0], -1), dim: 1);
        using var c = nn.functional.normalize(contexts.reshape(K, -1), dim: 1);
        using var best = p.matmul(c.t()).argmax(1);
        var predictedLabels = best.data<long>().ToArray();
        return predictedLabels.Where((k, i) => k == labels[i]).Count() / (double)labels.Length;
    }

    [Fact]
    public void Learns_a_linearly_encoded_category_and_lands_near_its_context()
    {
        var (voxels, labels, contexts) = Data(240, noise: 1.5, seed: 5);
        using var mapper = ContrastiveContextMapper.Fit(voxels, 240, V, labels, contexts, new ContrastiveMapperOptions(Epochs: 30), seed: 1);
        using var predicted = mapper.Predict(voxels, 240);
        Assert.Equal(new long[] { 240, L, D }, predicted.shape);
        Assert.True(Accuracy(predicted, labels, contexts) > 0.9, $"training accuracy {Accuracy(predicted, labels, contexts):F3}");
        Assert.InRange(mapper.BestEpoch, 1, 30);
        // The regression term puts the prediction near its own context: closer to it than to any other category's.
        using var own = contexts.index_select(0, tensor(labels.Select(l => (long)l).ToArray()));
        double ownDistance = (predicted - own).pow(2).mean().item<float>();
        double spread = (contexts - contexts.mean([0], keepdim: true)).pow(2).mean().item<float>();
        Assert.True(ownDistance < spread, $"mean squared distance to the own context {ownDistance:F3}, spread of the contexts {spread:F3}");
    }

    [Fact]
    public void Generalises_to_new_noise_and_not_to_shuffled_labels()
    {
        var random = new Random(9);
        var (voxels, labels, contexts) = Data(320, noise: 2.0, seed: 11);
        // Fit on the first 240 rows, test on the last 80 (the same category patterns, independent noise).
        var fitVoxels = voxels[..(240 * V)];
        var testVoxels = voxels[(240 * V)..];
        using var mapper = ContrastiveContextMapper.Fit(fitVoxels, 240, V, labels[..240], contexts, new ContrastiveMapperOptions(Epochs: 30), seed: 2);
        using var predicted = mapper.Predict(testVoxels, 80);
        double accuracy = Accuracy(predicted, labels[240..], contexts);
        Assert.True(accuracy > 0.8, $"held-out accuracy {accuracy:F3}");

        var shuffled = labels[..240].OrderBy(_ => random.Next()).ToArray();
        using var control = ContrastiveContextMapper.Fit(fitVoxels, 240, V, shuffled, contexts, new ContrastiveMapperOptions(Epochs: 30), seed: 2);
        using var controlPredicted = control.Predict(testVoxels, 80);
        double controlAccuracy = Accuracy(controlPredicted, labels[240..], contexts);
        Assert.True(controlAccuracy < 0.5, $"accuracy with shuffled training labels {controlAccuracy:F3} (chance {1.0 / K})");
    }

    [Fact]
    public void The_same_seed_gives_the_same_map()
    {
        var (voxels, labels, contexts) = Data(120, noise: 1.0, seed: 3);
        using var a = ContrastiveContextMapper.Fit(voxels, 120, V, labels, contexts, new ContrastiveMapperOptions(Epochs: 5), seed: 7);
        using var b = ContrastiveContextMapper.Fit(voxels, 120, V, labels, contexts, new ContrastiveMapperOptions(Epochs: 5), seed: 7);
        using var pa = a.Predict(voxels, 120);
        using var pb = b.Predict(voxels, 120);
        Assert.True(pa.equal(pb).all().item<bool>());
    }

    [Fact]
    public void Held_out_rows_are_whole_stimuli_and_unique_stimuli_give_the_plain_permutation()
    {
        // Unique stimuli: the first 12 entries of the permutation the same seed draws, and the rest in its order.
        using (var g = new Generator(11))
        using (var reference = new Generator(11))
        {
            var (held, fit) = ContrastiveContextMapper.HoldOutGroups(Enumerable.Range(0, 120).ToArray(), 12, g);
            using var order = randperm(120, generator: reference);
            var expected = order.data<long>().ToArray();
            Assert.Equal(expected[..12], held);
            Assert.Equal(expected[12..], fit);
        }
        // 30 stimuli shown 4 times each (rows i, i + 30, i + 60, i + 90): no stimulus on both sides.
        var groups = Enumerable.Range(0, 120).Select(i => i % 30).ToArray();
        using (var g = new Generator(11))
        {
            var (held, fit) = ContrastiveContextMapper.HoldOutGroups(groups, 12, g);
            Assert.Equal(12, held.Length);                           // three whole stimuli
            Assert.Equal(120, held.Length + fit.Length);
            Assert.Empty(held.Select(r => groups[r]).Intersect(fit.Select(r => groups[r])));
            Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), held.Concat(fit).Order());
        }
        // The mapper trains with grouped rows (and refuses a group list of the wrong length).
        var (voxels, labels, contexts) = Data(120, noise: 1.0, seed: 3);
        using var mapper = ContrastiveContextMapper.Fit(voxels, 120, V, labels, contexts, new ContrastiveMapperOptions(Epochs: 3), seed: 7, groups);
        Assert.True(double.IsFinite(mapper.HeldOutLoss));
        Assert.Throws<ArgumentException>(() => ContrastiveContextMapper.Fit(voxels, 120, V, labels, contexts, new ContrastiveMapperOptions(Epochs: 3), seed: 7, groups[..100]));
    }

    [Fact]
    public void Patience_stops_an_overfitting_run_early_and_keeps_the_same_best_epoch()
    {
        // Few noisy rows and many voxels: the held-out loss turns up after a few epochs.
        var (voxels, labels, contexts) = Data(48, noise: 8.0, seed: 13);
        var options = new ContrastiveMapperOptions(Epochs: 40, BatchSize: 8, LearningRate: 0.1, WeightDecay: 0.0);
        using var full = ContrastiveContextMapper.Fit(voxels, 48, V, labels, contexts, options with { Patience = 0 }, seed: 3);
        using var patient = ContrastiveContextMapper.Fit(voxels, 48, V, labels, contexts, options with { Patience = 3 }, seed: 3);
        Assert.Equal(40, full.EpochsRun);
        Assert.True(full.BestEpoch < 37, $"the full run's best epoch {full.BestEpoch}: this data should overfit early");
        Assert.Equal(patient.BestEpoch + 3, patient.EpochsRun);
        // Up to the stop both runs draw and step alike, so where the full run found nothing better later they agree.
        Assert.Equal(full.BestEpoch, patient.BestEpoch);
        Assert.Equal(full.HeldOutLoss, patient.HeldOutLoss);
        using var a = full.Predict(voxels, 48);
        using var b = patient.Predict(voxels, 48);
        Assert.True(a.equal(b).all().item<bool>());
    }
}
