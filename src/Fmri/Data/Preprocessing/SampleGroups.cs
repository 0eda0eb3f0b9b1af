namespace Fmri.Data.Preprocessing;

/// <summary>The samples of one run and one split, in data-set order (taken as acquisition order).</summary>
public sealed record RunGroup(int Run, DataSplit Split, int[] Rows);

/// <summary>Groups samples by (run, split), so that no statistic computed within a group mixes training and test samples.</summary>
public static class SampleGroups
{
    /// <summary>Groups of the samples whose split satisfies <paramref name="include"/>, ordered by first sample.</summary>
    public static IReadOnlyList<RunGroup> ByRunAndSplit(FmriDataset dataset, Func<DataSplit, bool> include)
    {
        var rowsByKey = new Dictionary<(int Run, DataSplit Split), List<int>>();
        var order = new List<(int Run, DataSplit Split)>();
        for (int i = 0; i < dataset.SampleCount; i++)
        {
            if (!include(dataset.Splits[i])) continue;
            var key = (dataset.Runs[i], dataset.Splits[i]);
            if (!rowsByKey.TryGetValue(key, out var rows))
            {
                rows = [];
                rowsByKey[key] = rows;
                order.Add(key);
            }
            rows.Add(i);
        }
        return order.Select(k => new RunGroup(k.Run, k.Split, rowsByKey[k].ToArray())).ToArray();
    }
}
