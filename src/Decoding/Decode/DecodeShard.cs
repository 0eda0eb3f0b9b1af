using System.Globalization;

namespace Decoding.Decode;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a decode: a contiguous run of the split's items, so that N processes
/// (e.g. the tasks of a Slurm job array) decode one split together and <see cref="DecodedShards"/> merges their outputs.
/// <para>
/// Shards are cut at the boundaries of the chunks of <see cref="DecodingRun.ItemsPerCall"/> items that a single process
/// hands to the route: every route call then sees exactly the batch it sees in a single process. Per-item generators
/// (<see cref="ItemGenerators"/>) already make an item's noise independent of its batch, but batched kernels (matrix
/// products, convolutions) may round differently for another batch size, which can move a decoded pixel by one grey
/// level; with aligned shards the merged images are bit-identical to a single-process decode. A shard with no whole
/// chunk left (more shards than chunks) decodes nothing and says so.
/// </para>
/// </summary>
public sealed record DecodeShard(int Index, int Count)
{
    /// <summary>The Slurm variables <c>--shard slurm</c> reads.</summary>
    public const string TaskIdVariable = "SLURM_ARRAY_TASK_ID", TaskCountVariable = "SLURM_ARRAY_TASK_COUNT",
        TaskMinVariable = "SLURM_ARRAY_TASK_MIN", TaskMaxVariable = "SLURM_ARRAY_TASK_MAX", TaskStepVariable = "SLURM_ARRAY_TASK_STEP";

    /// <summary>"i/N" as written in attributes and messages.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>The folder name of this shard's output: <c>shard-01-of-04</c> (zero-padded so that names sort by index).</summary>
    public string FolderName
    {
        get
        {
            int width = Math.Max(2, Count.ToString(CultureInfo.InvariantCulture).Length);
            return $"shard-{Index.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}-of-{Count.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
        }
    }

    /// <summary>
    /// The items [First, First + Length) of a split of <paramref name="items"/> items that this shard decodes: whole
    /// chunks of <see cref="DecodingRun.ItemsPerCall"/>, spread as evenly as whole chunks allow.
    /// </summary>
    public (int First, int Length) ItemRange(int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        int chunks = (items + DecodingRun.ItemsPerCall - 1) / DecodingRun.ItemsPerCall;
        int firstChunk = (int)((long)Index * chunks / Count), endChunk = (int)((long)(Index + 1) * chunks / Count);
        int first = Math.Min(items, firstChunk * DecodingRun.ItemsPerCall), end = Math.Min(items, endChunk * DecodingRun.ItemsPerCall);
        return (first, end - first);
    }

    /// <summary>
    /// Parses <c>--shard</c>: <c>i/N</c> (0 ≤ i &lt; N), or <c>slurm</c> for the task of a Slurm job array: i from
    /// <c>SLURM_ARRAY_TASK_ID</c>, N from <c>SLURM_ARRAY_TASK_COUNT</c>. The latter only holds for an array numbered
    /// 0 .. N−1 in steps of 1; any other array (e.g. one resubmitting only tasks 1 and 3) must give <c>i/N</c>, which
    /// the scripts of <c>decoding slurm</c> do: each task of their array names its own shard, e.g. <c>--shard 2/4</c>.
    /// </summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    public static DecodeShard Parse(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        const string setting = "shard";
        text = text?.Trim() ?? "";
        if (text == "slurm")
        {
            int Variable(string name)
            {
                string? value = environment(name);
                Check.That(value is not null, setting, "slurm", $"reads {name}, which is not set: run it as a task of a Slurm job array (sbatch --array=0-N), or give i/N");
                Check.That(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number), setting, "slurm", $"reads {name}='{value}', which is not a whole number");
                return number;
            }
            int id = Variable(TaskIdVariable), count = Variable(TaskCountVariable);
            int min = Variable(TaskMinVariable), max = Variable(TaskMaxVariable);
            int step = environment(TaskStepVariable) is { } s && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int st) ? st : 1;
            Check.That(min == 0 && max == count - 1 && step == 1, setting, "slurm",
                $"needs an array numbered 0-{count - 1} to know the number of shards; this one runs {count} tasks from {min} to {max} in steps of {step}: give {{shard}} ID/N, e.g. \"$SLURM_ARRAY_TASK_ID/N\"");
            return Create(id, count);
        }
        var parts = text.Split('/');
        Check.That(parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                   && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _),
            setting, text, "must be i/N (shard i of N, counted from 0) or slurm");
        return Create(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>, checked.</summary>
    public static DecodeShard Create(int index, int count)
    {
        Check.That(count >= 1, "shard", $"{index}/{count}", "needs at least 1 shard");
        Check.That(index >= 0 && index < count, "shard", $"{index}/{count}", $"must count from 0 to {count - 1}");
        return new DecodeShard(index, count);
    }
}
