using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class RepeatAveragingTests
{
    /// <summary>Training: C twice (runs 1, 2). Test: A three times (runs 3, 4, 5), B twice (runs 3, 4).</summary>
    private static FmriDataset WithRepeats() => Build(
    [
        Train(1, "C", 7, 7),
        Test(3, "A", 1, 2),
        Test(3, "B", 10, 20),
        Train(2, "C", 9, 9),
        Test(4, "A", 3, 6),
        Test(5, "A", 5, 1),
        Test(4, "B", 30, 40),
    ]);

    // A = mean of (1,2), (3,6), (5,1) = (9/3, 9/3) = (3, 3), 3 repeats, first run 3.
    // B = mean of (10,20), (30,40) = (20, 30), 2 repeats, first run 3.
    [Fact]
    public void Averages_test_repeats_into_one_sample_per_stimulus_with_repeat_counts()
    {
        var result = RepeatAveraging.Apply(WithRepeats(), averageTest: true, averageTrain: false, SourceFile);
        var d = result.Dataset;
        // Order: each averaged sample takes the place of its first presentation: C, A, B, C.
        Assert.Equal(["C", "A", "B", "C"], d.StimulusIds.Select(s => s.Value));
        Assert.Equal([7f, 7f, 3f, 3f, 20f, 30f, 9f, 9f], d.Voxels);
        Assert.Equal([1, 3, 2, 1], d.RepeatCounts);
        Assert.Equal([1, 3, 3, 2], d.Runs);
        Assert.Equal([DataSplit.Train, DataSplit.Test, DataSplit.Test, DataSplit.Train], d.Splits);
        Assert.Equal(5, result.SamplesBefore[DataSplit.Test]);
        Assert.Equal(2, result.SamplesAfter[DataSplit.Test]);
        Assert.Equal(2, result.SamplesAfter[DataSplit.Train]);
        RepeatAveraging.RequireUniqueStimuli(d, DataSplit.Test, SourceFile); // unique now: does not throw
    }

    // With training averaged too: C = mean of (7,7), (9,9) = (8, 8), 2 repeats, run 1.
    [Fact]
    public void Can_average_training_repeats_too()
    {
        var d = RepeatAveraging.Apply(WithRepeats(), averageTest: true, averageTrain: true, SourceFile).Dataset;
        Assert.Equal(["C", "A", "B"], d.StimulusIds.Select(s => s.Value));
        Assert.Equal([8f, 8f], d.Sample(0).ToArray());
        Assert.Equal([2, 3, 2], d.RepeatCounts);
        Assert.Equal(1, d.Runs[0]);
    }

    // Already-averaged inputs are weighted by their repeat counts: (3 x 2 + 1 x 6) / 4 = 3, 4 repeats.
    [Fact]
    public void Weights_already_averaged_samples_by_their_repeat_counts()
    {
        var d = Build([Test(1, "A", 2) with { Repeats = 3 }, Test(2, "A", 6)]);
        var averaged = RepeatAveraging.Apply(d, averageTest: true, averageTrain: false, SourceFile).Dataset;
        Assert.Equal([3f], averaged.Voxels);
        Assert.Equal([4], averaged.RepeatCounts);
    }

    [Fact]
    public void Keeps_the_category_and_rejects_a_stimulus_with_two_categories()
    {
        var consistent = Build([Test(1, "A", 1) with { Category = 4 }, Test(2, "A", 3) with { Category = 4 }]);
        Assert.Equal([4], RepeatAveraging.Apply(consistent, true, false, SourceFile).Dataset.CategoryLabels);

        var inconsistent = Build([Test(1, "A", 1) with { Category = 4 }, Test(2, "A", 3) with { Category = 5 }]);
        var error = Assert.Throws<DataFormatException>(() => RepeatAveraging.Apply(inconsistent, true, false, SourceFile));
        Assert.Equal("category", error.Field);
    }

    [Fact]
    public void RequireUniqueStimuli_names_the_duplicated_ids()
    {
        var error = Assert.Throws<DataFormatException>(() => RepeatAveraging.RequireUniqueStimuli(WithRepeats(), DataSplit.Test, SourceFile));
        Assert.Equal("stimulus_id", error.Field);
        Assert.Equal(SourceFile, error.File);
        Assert.Contains("2 stimulus id(s)", error.Message);
        Assert.Contains("A, B", error.Message);
        // Training has C twice, but only the split asked about is checked.
        RepeatAveraging.RequireUniqueStimuli(Build([Train(1, "C", 1), Train(2, "C", 2), Test(3, "A", 3)]), DataSplit.Test, SourceFile);
    }

    [Fact]
    public void Averages_nothing_when_switched_off()
    {
        var raw = WithRepeats();
        var d = RepeatAveraging.Apply(raw, averageTest: false, averageTrain: false, SourceFile).Dataset;
        Assert.Equal(raw.Voxels, d.Voxels);
        Assert.Equal(raw.StimulusIds, d.StimulusIds);
    }
}
