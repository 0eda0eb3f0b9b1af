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
/// core is faster. The rule: one per core while the 1-minute load average is below the core count (or cannot be read).
/// At or above it, the load average may only remember work that has just ended (a build, the previous stage), so the
/// CPU time other processes use is measured over a short window (<see cref="ReadBusyCores"/>; the demo takes the least
/// busy of a few, <see cref="LeastBusy"/>, so the tail of the build that started it does not count): one thread per
/// core they leave free, at least 1 (1 when the measurement is not available). An explicit count is always used as given.
/// </summary>
public static class ThreadDefault
{
    /// <summary>The thread count for a run: <paramref name="requested"/> when given, else by the rule above.</summary>
    /// <param name="busyCores">Cores' worth of CPU time other processes used just now (<see cref="ReadBusyCores"/>); consulted
    /// only when the load average reaches the core count; null: not measured.</param>
    public static ThreadChoice Choose(int? requested, int cores, double? loadAverage, Func<double?>? busyCores = null)
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
        if (load < cores) return new ThreadChoice(cores, $"load average {loadText} < {Cores()}: one per core", cores, load, false);
        if (busyCores?.Invoke() is not double busy)
            return new ThreadChoice(1, $"load average {loadText} >= {Cores()}: the cores are busy, so one thread", cores, load, false);
        int free = Math.Clamp((int)Math.Floor(cores - busy + 0.5), 1, cores);
        string busyText = busy.ToString("0.00", CultureInfo.InvariantCulture);
        return new ThreadChoice(free, $"load average {loadText} >= {Cores()}, and other processes used {busyText} of them just now: "
            + (free == 1 ? "one thread" : $"{free} threads, one per free core"), cores, load, false);
    }

    /// <summary>
    /// Cores' worth of CPU time used by the other processes on the machine over <paramref name="window"/>: everything's
    /// (the first line of <c>/proc/stat</c>, read before and after) minus this process's own (<c>/proc/self/stat</c>, whose
    /// start-up work such as JIT compilation runs meanwhile), or null where it cannot be read.
    /// </summary>
    public static double? ReadBusyCores(TimeSpan window, int cores, string path = "/proc/stat", string? self = "/proc/self/stat")
    {
        static double? OwnTicks(string? self)
        {
            try
            {
                if (self is null || !File.Exists(self)) return null;
                string text = File.ReadAllText(self);
                // Fields after the command name in parentheses: state is field 3, utime 14 and stime 15 (clock ticks).
                var fields = text[(text.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 12 && double.TryParse(fields[11], CultureInfo.InvariantCulture, out var user)
                       && double.TryParse(fields[12], CultureInfo.InvariantCulture, out var system) ? user + system : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        static (double Total, double Idle)? Sample(string path)
        {
            try
            {
                if (!File.Exists(path)) return null;
                using var reader = new StreamReader(path);
                // The first line sums every core: "cpu  user nice system idle iowait irq softirq steal ...".
                string line = reader.ReadLine() ?? "";
                if (!line.StartsWith("cpu ", StringComparison.Ordinal)) return null;
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5) return null;
                var values = fields.Skip(1).Take(8).Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                if (values.Any(double.IsNaN)) return null;
                double idle = values[3] + (values.Length > 4 ? values[4] : 0); // idle + iowait
                return (values.Sum(), idle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        double? ownBefore = OwnTicks(self);
        if (Sample(path) is not { } before) return null;
        Thread.Sleep(window);
        if (Sample(path) is not { } after) return null;
        double? ownAfter = OwnTicks(self);
        double total = after.Total - before.Total;
        if (total <= 0) return null;
        double busy = total - (after.Idle - before.Idle);
        if (ownBefore is double b && ownAfter is double a) busy -= a - b;
        return Math.Clamp(busy / total, 0, 1) * cores;
    }

    /// <summary>
    /// The least of up to <paramref name="windows"/> consecutive measurements of <paramref name="measure"/> (busy cores over
    /// one window each), stopping early once fewer than half a core is busy: a burst that ends within them (a compiler
    /// server finishing the build that started this run, the previous job's last seconds) does not count, work that
    /// keeps running does. Null when the first measurement is unavailable.
    /// </summary>
    public static double? LeastBusy(Func<double?> measure, int windows)
    {
        ArgumentNullException.ThrowIfNull(measure);
        Check.AtLeast(windows, 1, "windows");
        double? least = null;
        for (int i = 0; i < windows; i++)
        {
            if (measure() is not double busy) break;
            least = least is double l ? Math.Min(l, busy) : busy;
            if (least < 0.5) break;
        }
        return least;
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
