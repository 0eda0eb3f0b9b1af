using Fmri.Data;
using Fmri.Data.Preprocessing;
using static Fmri.Tests.Data.Preprocessing.TinyDataset;

namespace Fmri.Tests.Data.Preprocessing;

public class TrainTestSplitTests
{
    private static string God(int image) => StimulusId.FromSynsetAndImage(1518878, image).Value; // n01518878_<image>

    [Fact]
    public void A_stimulus_in_both_training_and_test_fails_with_the_id_in_the_message()
    {
        var leaky = Build([Train(1, God(1), 1), Train(1, God(2), 2), Test(2, God(2), 3), Test(2, God(3), 4)]);
        var error = Assert.Throws<DataFormatException>(() => Preprocessor.Run(leaky, new PreprocessingOptions { PatchSize = 1 }, SourceFile));
        Assert.Equal("stimulus_id", error.Field);
        Assert.Equal(SourceFile, error.File);
        Assert.Contains("n01518878_2", error.Message);
        Assert.Contains("1 stimulus id(s)", error.Message);
        Assert.DoesNotContain("n01518878_3", error.Message);
    }

    [Theory]
    [InlineData("test_1 ")]
    [InlineData(" test_1")]
    [InlineData("TEST_1")]
    [InlineData("Test_1\t")]
    public void Ids_that_differ_only_in_surrounding_space_or_letter_case_count_as_the_same_stimulus(string trainingForm)
    {
        // A canonical file written by another tool can carry the same image's id in two forms; the check must see the leak.
        var leaky = Build([Train(1, trainingForm, 1), Train(1, "train_2", 2), Test(2, "test_1", 3), Test(2, "test_3", 4)]);
        var error = Assert.Throws<DataFormatException>(() => TrainTestSplit.Apply(leaky, new PreprocessingOptions(), SourceFile));
        Assert.Contains("1 stimulus id(s) appear in both the training and the test split (train/test leakage): test_1;", error.Message);
    }

    [Fact]
    public void Ids_that_differ_inside_are_different_stimuli()
    {
        var clean = Build([Train(1, "test_1a", 1), Train(1, "test 1", 2), Test(2, "test_1", 3), Test(2, "test_3", 4)]);
        Assert.Empty(TrainTestSplit.Apply(clean, new PreprocessingOptions(), SourceFile).SharedStimuli);
    }

    [Fact]
    public void The_leakage_error_lists_five_ids_and_the_count()
    {
        var rows = new List<Row>();
        for (int k = 0; k < 7; k++)
        {
            rows.Add(Train(1, $"s{k}", k));
            rows.Add(Test(2, $"s{k}", k));
        }
        var error = Assert.Throws<DataFormatException>(() => TrainTestSplit.Apply(Build(rows), new PreprocessingOptions(), SourceFile));
        Assert.Contains("7 stimulus id(s)", error.Message);
        Assert.Contains("s0, s1, s2, s3, s4 and 2 more", error.Message);
        Assert.DoesNotContain("s5", error.Message);
    }

    [Fact]
    public void AllowSharedStimuli_records_the_shared_ids_in_provenance_and_report()
    {
        var leaky = Build([Train(1, God(1), 1), Train(1, God(2), 2), Test(2, God(2), 3), Test(2, God(3), 4)]);
        var result = Preprocessor.Run(leaky, new PreprocessingOptions { AllowSharedStimuli = true, PatchSize = 1 }, SourceFile);
        Assert.Equal([new StimulusId("n01518878_2")], result.Report.SharedStimuli);
        var step = result.Dataset.Provenance.Steps.Single(s => s.Name == "train_test_split");
        Assert.StartsWith("ALLOWED", step.Parameters["leakage_check"]);
        Assert.Equal("n01518878_2", step.Parameters["shared_stimulus_ids"]);
        Assert.Contains("Leakage check: ALLOWED by option: 1 stimulus id(s) in both training and test (n01518878_2)", result.Report.Summary);
    }

    [Fact]
    public void Imagery_is_excluded_unless_asked_for()
    {
        var d = Build([Train(1, "a", 1), Test(2, "b", 2), Imagery(3, "b", 3), Imagery(3, "c", 4)]);
        var without = TrainTestSplit.Apply(d, new PreprocessingOptions(), SourceFile);
        Assert.Equal(2, without.ImagerySamplesExcluded);
        Assert.Equal([DataSplit.Train, DataSplit.Test], without.Dataset.Splits);
        var with = TrainTestSplit.Apply(d, new PreprocessingOptions { IncludeImagery = true }, SourceFile);
        Assert.Equal(0, with.ImagerySamplesExcluded);
        Assert.Equal(4, with.Dataset.SampleCount);
    }

    [Fact]
    public void A_test_stimulus_list_makes_those_samples_test_and_every_other_perception_sample_training()
    {
        // The file says: a, b train; c test; imagery of c. The list says b and c are test.
        var d = Build([Train(1, "a", 1), Train(1, "b", 2), Test(2, "c", 3), Test(2, "c", 4), Imagery(3, "c", 5)]);
        var options = new PreprocessingOptions { TestStimulusIds = [new("b"), new("c")], IncludeImagery = true };
        var result = TrainTestSplit.Apply(d, options, SourceFile);
        Assert.Equal([DataSplit.Train, DataSplit.Test, DataSplit.Test, DataSplit.Test, DataSplit.TestImagery], result.Dataset.Splits);
        Assert.Equal("test stimulus list (2 ids)", result.Source);

        var listOnlyA = new PreprocessingOptions { TestStimulusIds = [new("a")] };
        Assert.Equal([DataSplit.Test, DataSplit.Train, DataSplit.Train, DataSplit.Train],
            TrainTestSplit.Apply(d, listOnlyA, SourceFile).Dataset.Splits);
    }

    [Fact]
    public void A_listed_test_stimulus_that_matches_no_sample_is_an_argument_error()
    {
        var d = Build([Train(1, "a", 1), Train(1, "b", 2)]);
        var error = Assert.Throws<ArgumentException>(() =>
            TrainTestSplit.Apply(d, new PreprocessingOptions { TestStimulusIds = [new("b"), new("zzz")] }, SourceFile));
        Assert.Contains("zzz", error.Message);
        Assert.Contains(SourceFile, error.Message);
    }
}
