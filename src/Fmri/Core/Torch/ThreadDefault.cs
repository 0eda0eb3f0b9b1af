using System.Globalization;
using System.Text.Json.Serialization;

namespace Fmri.Core.Torch;

/// <summary>libtorch's intra-op thread count for a run, and why: given by the user or chosen from the machine's load.</summary>
public sealed record ThreadChoice(
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("load_average_1min")] double? LoadAverage,
    [property: JsonPropertyName("explicit")] bool Explicit);

/// <summary>
/// The default of <c>--threads</c>. libtorch's threads wait for each other at every operator, so on a machine whose
/// cores are already busy with other jobs several threads are much slower than one, while on a quiet machine one per
/// core is faster. The rule: 1 thread when the 1-minute load average is at or above the core count, else one per core
/// (one per core also when the load average cannot be read). An explicit count is always used as given.
/// </summary>
public static class ThreadDefault
{
    /// <summary>The thread count for a run: <paramref name="requested"/> when given, else by the rule above.</summary>
    public static ThreadChoice Choose(int? requested, int cores, double? loadAverage)
    {
        Check.AtLeast(cores, 1, "cores");
        if (requested is int asked)
        {
            Check.AtLeast(asked, 1, "threads");
            return new ThreadChoice(asked, "given by --threads", cores, loadAverage, true);
        }
        string Cores() => $"{cores} core{(cores == 1 ? "" : "s")}";
        if (loadAverage is not double load)
            return new ThreadChoice(cores, $"one per core ({Cores()}; load average unknown)", cores, null, false);
        string loadText = load.ToString("0.00", CultureInfo.InvariantCulture);
        return load >= cores
            ? new ThreadChoice(1, $"load average {loadText} >= {Cores()}: the cores are busy, so one thread", cores, load, false)
            : new ThreadChoice(cores, $"load average {loadText} < {Cores()}: one per core", cores, load, false);
    }

    /// <summary>The 1-minute load average (first field of <c>/proc/loadavg</c>), or null where it cannot be read.</summary>
    public static double? ReadLoadAverage(string path = "/proc/loadavg")
    {
        try
        {
            if (!File.Exists(path)) return null;
            string first = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load >= 0 ? load : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
