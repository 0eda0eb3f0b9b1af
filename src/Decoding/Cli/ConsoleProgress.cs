using Spectre.Console;

namespace Decoding.Cli;

/// <summary>
/// A progress display for long work: a Spectre.Console bar on a terminal; when output is redirected (a log file, a
/// batch job), plain lines instead, one whenever another 5% is done or 30 s have passed since the last line, so a stall
/// is visible in the log. Library code reports through <see cref="IProgress{T}"/> of <see cref="ProgressUpdate"/>.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>True when standard output is a terminal a person is watching.</summary>
    public static bool Interactive => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="work"/> with a progress bar named <paramref name="title"/> of <paramref name="total"/> units.</summary>
    public static T Run<T>(string title, double total, Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!Interactive) return work(new ProgressLines(title, total, Console.Out));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(total, 1));
                var reporter = new SynchronousProgress(u =>
                {
                    task.Value = u.Done;
                    if (u.Status is { Length: > 0 }) task.Description = Markup.Escape($"{title}: {u.Status}");
                });
                result = work(reporter);
                task.Value = task.MaxValue;
            });
        return result;
    }

    public static void Run(string title, double total, Action<IProgress<ProgressUpdate>> work)
        => Run<bool>(title, total, p => { work(p); return true; });

    /// <summary>
    /// Progress as plain lines (<c>title: 35% (350/1000), loss 0.12, 41 s</c>): one when the fraction done has grown by
    /// <see cref="FractionStep"/> since the last line, or <see cref="Interval"/> has passed; none more often than every
    /// half second. Reports arrive on the working thread.
    /// </summary>
    public sealed class ProgressLines(string title, double total, TextWriter output, Func<TimeSpan>? clock = null) : IProgress<ProgressUpdate>
    {
        public const double FractionStep = 0.05;
        public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

        private readonly Func<TimeSpan> elapsed = clock ?? StartClock();
        private double lastFraction = double.NegativeInfinity;
        private TimeSpan lastTime = TimeSpan.Zero;

        private static Func<TimeSpan> StartClock()
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            return () => watch.Elapsed;
        }

        public void Report(ProgressUpdate value)
        {
            double fraction = total > 0 ? Math.Clamp(value.Done / total, 0, 1) : 0;
            var now = elapsed();
            bool first = double.IsNegativeInfinity(lastFraction);
            bool due = first || fraction >= lastFraction + FractionStep || now - lastTime >= Interval || (fraction >= 1 && lastFraction < 1);
            if (!due || (!first && fraction < 1 && now - lastTime < TimeSpan.FromSeconds(0.5))) return;
            lastFraction = fraction;
            lastTime = now;
            string status = value.Status is { Length: > 0 } s ? $", {s}" : "";
            string count = total > 1 ? System.FormattableString.Invariant($" ({value.Done:0.##}/{total:0.##})") : "";
            output.WriteLine(System.FormattableString.Invariant($"{title}: {fraction * 100:F0}%{count}{status}, {now.TotalSeconds:F0} s"));
            output.Flush();
        }
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool and may arrive late).</summary>
    private sealed class SynchronousProgress(Action<ProgressUpdate> handler) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => handler(value);
    }
}
