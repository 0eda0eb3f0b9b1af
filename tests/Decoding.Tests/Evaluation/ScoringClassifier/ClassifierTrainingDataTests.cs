using Fmri.Core;
using Decoding.Evaluation.ScoringClassifier;
using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Evaluation.ScoringClassifier;

public class ClassifierTrainingDataTests
{
    private static StimulusImageSet Images(int count, string prefix)
        => new(new byte[count * 4], count, 2, 2, 1,
            Enumerable.Range(0, count).Select(i => new StimulusId($"{prefix}{i}")).ToArray(),
            Enumerable.Range(0, count).Select(i => i % 2).ToArray(), ["a", "b"]);

    [Fact]
    public void Limiting_training_keeps_a_seeded_subset_and_the_whole_test_set()
    {
        var data = new ClassifierTrainingData(Images(50, "train"), Images(10, "test"), "toy");
        var limited = data.LimitTraining(12, new Random(3));
        Assert.Equal(12, limited.Train.Count);
        Assert.Equal(10, limited.Test.Count);
        Assert.Equal(12, limited.Train.StimulusIds.Distinct().Count());
        Assert.All(limited.Train.StimulusIds, id => Assert.StartsWith("train", id.Value));
        Assert.Contains("12 of the 50", limited.Description);
        // The same seed draws the same subset; another seed (almost surely) another one.
        Assert.Equal(limited.Train.StimulusIds, data.LimitTraining(12, new Random(3)).Train.StimulusIds);
        Assert.NotEqual(limited.Train.StimulusIds, data.LimitTraining(12, new Random(4)).Train.StimulusIds);
        // A limit at or above the count changes nothing; below 1 is refused.
        Assert.Same(data, data.LimitTraining(50, new Random(3)));
        Assert.Equal("max_train_images", Assert.Throws<InvalidSettingException>(() => data.LimitTraining(0, new Random(3))).Setting);
    }

    [Fact]
    public void Without_the_train_half_the_classifier_never_sees_the_experiment_pool()
    {
        // The shipped copy has only t10k: the classifier splits t10k 5,000-9,999 80/20 and never touches 0-4,999,
        // from which the simulated experiments draw their stimuli.
        string shipped = Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist");
        var data = ClassifierTrainingData.FashionMnistData(shipped, new Random(1));
        Assert.Equal((4_000, 1_000), (data.Train.Count, data.Test.Count));
        var pool = FashionMnist.LoadExperimentPool(shipped).StimulusIds.ToHashSet();
        Assert.DoesNotContain(data.Train.StimulusIds, pool.Contains);
        Assert.DoesNotContain(data.Test.StimulusIds, pool.Contains);
        Assert.Contains("experiment pool", data.Description);
    }
}
