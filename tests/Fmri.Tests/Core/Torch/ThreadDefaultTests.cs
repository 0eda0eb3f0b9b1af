using Fmri.Core.Torch;

namespace Fmri.Tests.Core.Torch;

public class ThreadDefaultTests
{
    [Theory]
    [InlineData(2, 0.10, 2)]
    [InlineData(2, 1.99, 2)]
    [InlineData(2, 2.00, 1)]
    [InlineData(2, 4.25, 1)]
    [InlineData(8, 7.5, 8)]
    [InlineData(8, 8.0, 1)]
    [InlineData(1, 0.0, 1)]
    public void One_thread_when_the_load_average_reaches_the_core_count_else_one_per_core(int cores, double load, int expected)
    {
        var choice = ThreadDefault.Choose(null, cores, load);
        Assert.Equal(expected, choice.Threads);
        Assert.False(choice.Explicit);
        Assert.Contains("load average", choice.Reason);
        Assert.Equal(load, choice.LoadAverage);
    }

    [Fact]
    public void An_unknown_load_gives_one_per_core_and_an_explicit_count_always_wins()
    {
        Assert.Equal(4, ThreadDefault.Choose(null, 4, null).Threads);
        var given = ThreadDefault.Choose(3, 2, 10.0);
        Assert.Equal(3, given.Threads);
        Assert.True(given.Explicit);
        Assert.Contains("--threads", given.Reason);
        Assert.Throws<Fmri.Core.InvalidSettingException>(() => ThreadDefault.Choose(0, 2, null));
    }

    [Fact]
    public void The_load_average_is_the_first_field_of_proc_loadavg()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "loadavg");
        File.WriteAllText(path, "4.25 4.77 5.45 3/412 5120\n");
        Assert.Equal(4.25, ThreadDefault.ReadLoadAverage(path));
        File.WriteAllText(path, "garbage\n");
        Assert.Null(ThreadDefault.ReadLoadAverage(path));
        Assert.Null(ThreadDefault.ReadLoadAverage(Path.Combine(folder.Path, "missing")));
        if (File.Exists("/proc/loadavg")) Assert.NotNull(ThreadDefault.ReadLoadAverage());
    }

    [Theory]
    [InlineData(2, 0.05, 2)]
    [InlineData(2, 0.49, 2)]
    [InlineData(2, 0.60, 1)]
    [InlineData(2, 1.00, 1)]
    [InlineData(2, 2.00, 1)]
    [InlineData(8, 3.00, 5)]
    public void A_high_load_average_is_checked_against_the_cpu_time_others_use_now(int cores, double busy, int expected)
    {
        bool asked = false;
        var choice = ThreadDefault.Choose(null, cores, cores + 1.5, () => { asked = true; return busy; });
        Assert.True(asked);
        Assert.Equal(expected, choice.Threads);
        Assert.Contains("other processes used", choice.Reason);
        // Below the core count the load average decides alone, and nothing is measured.
        var quiet = ThreadDefault.Choose(null, cores, cores - 0.5, () => throw new InvalidOperationException("not measured"));
        Assert.Equal(cores, quiet.Threads);
        // Without a measurement a high load average still means one thread.
        Assert.Equal(1, ThreadDefault.Choose(null, cores, cores + 1.5, () => null).Threads);
    }

    [Fact]
    public void Busy_cores_come_from_two_readings_of_proc_stat()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "stat");
        // user nice system idle iowait irq softirq steal: an unchanging file has no elapsed time, so nothing is measured.
        File.WriteAllText(path, "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n");
        Assert.Null(ThreadDefault.ReadBusyCores(TimeSpan.FromMilliseconds(1), 2, path));
        File.WriteAllText(path, "garbage\n");
        Assert.Null(ThreadDefault.ReadBusyCores(TimeSpan.FromMilliseconds(1), 2, path));
        Assert.Null(ThreadDefault.ReadBusyCores(TimeSpan.FromMilliseconds(1), 2, Path.Combine(folder.Path, "missing")));
        if (File.Exists("/proc/stat"))
        {
            double? busy = ThreadDefault.ReadBusyCores(TimeSpan.FromMilliseconds(100), Environment.ProcessorCount);
            Assert.NotNull(busy);
            Assert.InRange(busy!.Value, 0, Environment.ProcessorCount);
        }
    }

    [Fact]
    public void A_burst_that_ends_within_the_windows_does_not_count_but_steady_work_does()
    {
        // The tail of a build (one core busy, then nothing): the second window is quiet, so measuring stops there at 0.02.
        var burst = new Queue<double?>([0.98, 0.02, 1.5]);
        int calls = 0;
        Assert.Equal(0.02, ThreadDefault.LeastBusy(() => { calls++; return burst.Dequeue(); }, windows: 8));
        Assert.Equal(2, calls);
        // A job that keeps one core busy: every window sees it, and the least of the 8 is what it leaves.
        calls = 0;
        Assert.Equal(0.97, ThreadDefault.LeastBusy(() => ++calls % 2 == 0 ? 0.97 : 1.0, windows: 8));
        Assert.Equal(8, calls);
        // No measurement at all stays "unknown"; a failing later window keeps the earlier ones.
        Assert.Null(ThreadDefault.LeastBusy(() => null, windows: 8));
        var partial = new Queue<double?>([1.2, null]);
        Assert.Equal(1.2, ThreadDefault.LeastBusy(() => partial.Dequeue(), windows: 8));
    }
}
