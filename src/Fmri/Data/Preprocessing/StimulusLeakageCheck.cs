
namespace Fmri.Data.Preprocessing;

/// <summary>
/// Train/test leakage check: a stimulus shown in the training split must not be shown in a test split, or a
/// decoder can be scored on images it was trained on.
/// </summary>
public static class StimulusLeakageCheck
{
    /// <summary>How many offending ids an error message lists.</summary>
    public const int IdsListedInErrors = 5;

    /// <summary>
    /// Stimulus ids present both in the training split and in any other split, sorted (the test split's form). Ids are
    /// compared without surrounding white space and letter case: "test_1 " or "TEST_1" in training and "test_1" in the
    /// test split, as a file written by another tool can have them, name the same image.
    /// </summary>
    public static IReadOnlyList<StimulusId> FindSharedStimuli(FmriDataset dataset)
    {
        var train = new HashSet<string>(StringComparer.Ordinal);
        var test = new Dictionary<string, StimulusId>(StringComparer.Ordinal);
        for (int i = 0; i < dataset.SampleCount; i++)
        {
            string key = Key(dataset.StimulusIds[i]);
            if (dataset.Splits[i] == DataSplit.Train) train.Add(key);
            else test.TryAdd(key, dataset.StimulusIds[i]);
        }
        return test.Where(t => train.Contains(t.Key)).Select(t => t.Value).Order().ToArray();
    }

    /// <summary>The form two ids are compared in: no surrounding white space, upper case.</summary>
    private static string Key(StimulusId id) => id.Value.Trim().ToUpperInvariant();

    /// <summary>
    /// Throws <see cref="DataFormatException"/> (field "stimulus_id") when a stimulus id is in both training and
    /// test, unless <paramref name="allowShared"/>; returns the shared ids (empty when the check passes).
    /// </summary>
    public static IReadOnlyList<StimulusId> Check(FmriDataset dataset, bool allowShared, string file)
    {
        var shared = FindSharedStimuli(dataset);
        if (shared.Count > 0 && !allowShared)
            throw new DataFormatException(file, "stimulus_id",
                $"{shared.Count} stimulus id(s) appear in both the training and the test split (train/test leakage): " +
                $"{Describe(shared)}; use a different test set or allow shared stimuli explicitly");
        return shared;
    }

    /// <summary>Up to <see cref="IdsListedInErrors"/> ids, then "and N more".</summary>
    public static string Describe(IReadOnlyList<StimulusId> ids)
    {
        string listed = string.Join(", ", ids.Take(IdsListedInErrors));
        return ids.Count > IdsListedInErrors ? $"{listed} and {ids.Count - IdsListedInErrors} more" : listed;
    }
}
