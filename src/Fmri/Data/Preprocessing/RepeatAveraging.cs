
namespace Fmri.Data.Preprocessing;

/// <summary>What repeat averaging did.</summary>
/// <param name="SamplesBefore">Samples per split before averaging.</param>
/// <param name="SamplesAfter">Samples per split after averaging.</param>
public sealed record RepeatAveragingResult(
    FmriDataset Dataset,
    IReadOnlyDictionary<DataSplit, int> SamplesBefore,
    IReadOnlyDictionary<DataSplit, int> SamplesAfter,
    ProcessingStep Step);

/// <summary>
/// Step 6: average repeated presentations of the same stimulus within a split (by default the test splits only).
/// The samples of one (split, stimulus id) become one sample: the mean of their voxel vectors weighted by their
/// repeat counts (a plain mean for single trials), with RepeatCount = the sum of their repeat counts, their common
/// category, the split, and run = the run of the first presentation in data-set order (a convention: an averaged
/// sample belongs to no single run). The averaged sample takes the place of the first presentation; other samples
/// keep their order.
/// </summary>
public static class RepeatAveraging
{
    /// <exception cref="DataFormatException">A repeat count is not positive (field "repeats"), or one stimulus has two categories (field "category").</exception>
    public static RepeatAveragingResult Apply(FmriDataset dataset, bool averageTest, bool averageTrain, string file)
    {
        int n = dataset.SampleCount, v = dataset.VoxelCount;
        bool Averaged(DataSplit s) => s == DataSplit.Train ? averageTrain : averageTest;

        // Group assignment: output slot of each input sample, and the input samples of each output slot.
        var slotOf = new Dictionary<(DataSplit, StimulusId), int>();
        var members = new List<List<int>>();
        for (int i = 0; i < n; i++)
        {
            if (dataset.RepeatCounts[i] <= 0)
                throw new DataFormatException(file, "repeats", $"sample {i} has repeat count {dataset.RepeatCounts[i]}; expected at least 1");
            if (Averaged(dataset.Splits[i]))
            {
                var key = (dataset.Splits[i], dataset.StimulusIds[i]);
                if (slotOf.TryGetValue(key, out int slot))
                {
                    members[slot].Add(i);
                    continue;
                }
                slotOf[key] = members.Count;
            }
            members.Add([i]);
        }

        int m = members.Count;
        var voxels = new float[(long)m * v];
        var ids = new StimulusId[m];
        var categories = new int[m];
        var runs = new int[m];
        var splits = new DataSplit[m];
        var repeats = new int[m];
        var sum = new double[v];
        for (int o = 0; o < m; o++)
        {
            var group = members[o];
            int first = group[0];
            ids[o] = dataset.StimulusIds[first];
            categories[o] = dataset.CategoryLabels[first];
            runs[o] = dataset.Runs[first];
            splits[o] = dataset.Splits[first];
            var target = voxels.AsSpan(o * v, v);
            if (group.Count == 1)
            {
                repeats[o] = dataset.RepeatCounts[first];
                dataset.Sample(first).CopyTo(target);
                continue;
            }

            // Weighted mean x̄ = Σ r_i x_i / Σ r_i over the presentations i of this stimulus.
            Array.Clear(sum);
            long weight = 0;
            foreach (int i in group)
            {
                if (dataset.CategoryLabels[i] != categories[o])
                    throw new DataFormatException(file, "category",
                        $"stimulus {ids[o]} has category {categories[o]} in sample {first} but {dataset.CategoryLabels[i]} in sample {i}");
                int r = dataset.RepeatCounts[i];
                weight += r;
                var row = dataset.Sample(i);
                for (int j = 0; j < v; j++) sum[j] += r * (double)row[j];
            }
            for (int j = 0; j < v; j++) target[j] = (float)(sum[j] / weight);
            repeats[o] = checked((int)weight);
        }

        var averaged = dataset with
        {
            Voxels = voxels,
            SampleCount = m,
            StimulusIds = ids,
            CategoryLabels = categories,
            Runs = runs,
            Splits = splits,
            RepeatCounts = repeats,
        };
        var before = CountBySplit(dataset);
        var after = CountBySplit(averaged);
        var step = ProcessingStep.Of("average_repeats",
            ("average_test", averageTest),
            ("average_train", averageTrain),
            ("rule", "mean over presentations of one stimulus within a split, weighted by repeat counts; run = first presentation's run"),
            ("samples_before", Describe(before)),
            ("samples_after", Describe(after)));
        return new RepeatAveragingResult(averaged, before, after, step);
    }

    /// <summary>
    /// Throws <see cref="DataFormatException"/> (field "stimulus_id") when a stimulus id occurs more than once in
    /// <paramref name="split"/>: for consumers that need one sample per stimulus (e.g. evaluation on averaged test data).
    /// </summary>
    public static void RequireUniqueStimuli(FmriDataset dataset, DataSplit split, string file)
    {
        var seen = new HashSet<StimulusId>();
        var duplicated = new SortedSet<StimulusId>();
        for (int i = 0; i < dataset.SampleCount; i++)
            if (dataset.Splits[i] == split && !seen.Add(dataset.StimulusIds[i])) duplicated.Add(dataset.StimulusIds[i]);
        if (duplicated.Count > 0)
            throw new DataFormatException(file, "stimulus_id",
                $"{duplicated.Count} stimulus id(s) occur more than once in the {split} split, where one sample per stimulus is required: " +
                $"{StimulusLeakageCheck.Describe(duplicated.ToArray())}; average the repeats first");
    }

    /// <summary>Sample count of each split present, in split order.</summary>
    public static IReadOnlyDictionary<DataSplit, int> CountBySplit(FmriDataset dataset)
        => dataset.Splits.GroupBy(s => s).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>"Train 1200, Test 50" style text.</summary>
    public static string Describe(IReadOnlyDictionary<DataSplit, int> counts)
        => string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
}
