
namespace Fmri.Data.Preprocessing;

/// <summary>What the split step did.</summary>
/// <param name="Dataset">The samples kept, with their final split.</param>
/// <param name="Source">Where the split came from, in words.</param>
/// <param name="ImagerySamplesExcluded">Imagery samples dropped (0 when imagery is included).</param>
/// <param name="SharedStimuli">Stimulus ids in both training and test (non-empty only when allowed).</param>
public sealed record TrainTestSplitResult(
    FmriDataset Dataset,
    string Source,
    int ImagerySamplesExcluded,
    IReadOnlyList<StimulusId> SharedStimuli,
    ProcessingStep Step);

/// <summary>
/// Step 2: assign each sample to training or test, drop imagery samples unless asked for, then run the
/// <see cref="StimulusLeakageCheck"/>. The split is the one stored in the file (BData DataType) or, when
/// <see cref="PreprocessingOptions.TestStimulusIds"/> is given, every perception sample showing a listed stimulus
/// is test and every other perception sample is training; imagery samples stay imagery either way.
/// </summary>
public static class TrainTestSplit
{
    public static TrainTestSplitResult Apply(FmriDataset dataset, PreprocessingOptions options, string file)
    {
        for (int i = 0; i < dataset.SampleCount; i++)
            if (!Enum.IsDefined(dataset.Splits[i]))
                throw new DataFormatException(file, "split", $"sample {i} has split code {(int)dataset.Splits[i]}; expected 1 (train), 2 (test) or 3 (test imagery)");

        var splits = (DataSplit[])dataset.Splits.Clone();
        string source;
        if (options.TestStimulusIds is { } testIds)
        {
            var listed = testIds.ToHashSet();
            var found = new HashSet<StimulusId>();
            for (int i = 0; i < splits.Length; i++)
            {
                if (splits[i] == DataSplit.TestImagery) continue;
                bool isTest = listed.Contains(dataset.StimulusIds[i]);
                splits[i] = isTest ? DataSplit.Test : DataSplit.Train;
                if (isTest) found.Add(dataset.StimulusIds[i]);
            }
            var missing = listed.Where(id => !found.Contains(id)).Order().ToArray();
            if (missing.Length > 0)
                throw new ArgumentException(
                    $"{file}: {missing.Length} of the {listed.Count} test stimulus ids match no perception sample: {StimulusLeakageCheck.Describe(missing)}",
                    nameof(options));
            source = $"test stimulus list ({listed.Count} ids)";
        }
        else
        {
            source = "split stored in the file (DataType)";
        }

        var keptRows = new List<int>(dataset.SampleCount);
        for (int i = 0; i < splits.Length; i++)
            if (options.IncludeImagery || splits[i] != DataSplit.TestImagery) keptRows.Add(i);
        int imageryExcluded = dataset.SampleCount - keptRows.Count;

        var relabelled = dataset with { Splits = splits };
        var split = keptRows.Count == dataset.SampleCount ? relabelled : DatasetSlicing.SelectSamples(relabelled, keptRows);
        if (split.SampleCount == 0)
            throw new DataFormatException(file, "split", "no samples are left after the split (only imagery samples, which are excluded)");

        var shared = StimulusLeakageCheck.Check(split, options.AllowSharedStimuli, file);
        var step = ProcessingStep.Of("train_test_split",
            ("source", source),
            ("include_imagery", options.IncludeImagery),
            ("imagery_samples_excluded", imageryExcluded),
            ("train_samples", split.Splits.Count(s => s == DataSplit.Train)),
            ("test_samples", split.Splits.Count(s => s == DataSplit.Test)),
            ("test_imagery_samples", split.Splits.Count(s => s == DataSplit.TestImagery)),
            ("leakage_check", shared.Count == 0 ? "passed" : $"ALLOWED: {shared.Count} shared stimulus id(s)"),
            ("shared_stimulus_ids", string.Join(" ", shared)));
        return new TrainTestSplitResult(split, source, imageryExcluded, shared, step);
    }
}
