using Spectre.Console;

namespace Decoding.Cli;

/// <summary>
/// A progress display for long work (Spectre.Console) that is silent when output is redirected, so logs
/// and CI output stay clean. Library code reports through <see cref="IProgress{T}"/> of <see cref="ProgressUpdate"/>.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>True when standard output is a terminal a person is watching.</summary>
    public static bool Interactive => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="work"/> with a progress bar named <paramref name="title"/> of <paramref name="total"/> units.</summary>
    public static T Run<T>(string title, double total, Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!Interactive) return work(new Progress<ProgressUpdate>(_ => { }));
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

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool and may arrive late).</summary>
    private sealed class SynchronousProgress(Action<ProgressUpdate> handler) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => handler(value);
    }
}
