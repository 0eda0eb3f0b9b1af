using Decoding.LatentDiffusion;
using Fmri.Core.Runs;
using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using PureHDF;
using PureHDF.VOL.Native;

namespace Decoding.Benchmarks;

/// <summary>
/// Runs the workloads of <c>decoding benchmark</c> on both sides, interleaved: each repeat times the project's run and
/// the reference's (alternating which goes first), after warm-up runs of both, for every thread setting; prints a table
/// of medians and ratios (project / reference: above 1 the project is slower), the load average before and after, the
/// parameter counts of both models and the peak resident memory of both processes after the training steps.
/// </summary>
public sealed class BenchmarkSuite(IReadOnlyList<int> threadSettings, int repeats, string python, string? pythonLibraryPath)
{
    /// <summary>Warm-up runs per side before the timed ones.</summary>
    public const int WarmUps = 2;

    /// <summary>Training batch and sampling batch of the LDM workloads.</summary>
    public const int TrainBatch = 32, SampleCount = 100;

    private readonly List<string> notes = [];
    private readonly List<(string Workload, int Threads, double[] Ours, double[]? Theirs, string Reference)> rows = [];
    private readonly List<PythonTwin> extraTwins = [];

    /// <summary>A line printed before the table.</summary>
    public void Note(string line) => notes.Add(line);

    /// <summary>Runs the chosen workloads; 0 when everything ran and the models matched, 1 when the parameter counts differ.</summary>
    public int Run(bool train, bool sample, string? readPath)
    {
        string loadBefore = LoadAverages();
        int exit = 0;
        var (twin, problem) = PythonTwin.Start(python, pythonLibraryPath);
        using var _ = twin;
        if (twin is null) Note($"reference not measured: {problem}");
        try
        {
            if (train || sample) exit = RunLdm(train, sample, twin);
            if (readPath is not null) RunRead(readPath, twin);
        }
        finally
        {
            foreach (var extra in extraTwins) extra.Dispose();
            Note($"load average (1, 5, 15 min) before: {loadBefore}; after: {LoadAverages()}; {Environment.ProcessorCount} cores");
            Print();
        }
        return exit;
    }

    private int RunLdm(bool train, bool sample, PythonTwin? twin)
    {
        long rssBefore = Rss("VmRSS");
        using var bench = new LdmStepBenchmark(LatentDiffusionPreset.Small, FashionMnist.ClassNames, TrainBatch, SampleCount, seed: 0);
        Note(Invariant($"model: small preset, {bench.ParameterCount:N0} parameters (conditioner + UNet), device {TorchDevice.Name(TorchDevice.Current)}"));
        int exit = 0;
        if (twin is not null)
        {
            try
            {
                var answer = twin.Ask(new { cmd = "setup", config = bench.TwinConfig, threads = threadSettings[0] });
                long theirs = twin.Field<long>(answer, "parameters");
                string version = twin.Field<string>(answer, "torch");
                string blas = twin.Field<string>(answer, "blas");
                bool same = theirs == bench.ParameterCount;
                Note(Invariant($"PyTorch {version} twin: {theirs:N0} parameters: {(same ? "the same model" : "MISMATCH, the comparison is void")}; BLAS: {blas}"));
                if (blas.StartsWith("reference BLAS", StringComparison.Ordinal))
                    Note("warning: PyTorch runs on the slow reference BLAS, so its times are not its best; put an OpenBLAS first with --python-library-path (see the README's benchmark section)");
                if (!same)
                {
                    exit = 1;
                    twin = null;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or PythonTwinException)
            {
                Note($"PyTorch not measured: {e.Message}");
                twin = null;
            }
        }
        bool firstTrain = true;
        foreach (int threads in threadSettings)
        {
            TorchSharp.torch.set_num_threads(threads);
            string attention = Fmri.Core.Torch.AttentionKernel.Apply(threads, Fmri.Core.Torch.TorchDevice.Current);
            Note($"{threads} thread{(threads == 1 ? "" : "s")}: attention kernel {attention}");
            twin?.Ask(new { cmd = "threads", threads });
            if (train)
            {
                Interleave($"LDM training step (small, batch {TrainBatch})", threads, () => Sink(bench.TrainStep()), twin, "train", "PyTorch");
                if (firstTrain)
                {
                    firstTrain = false;
                    string ours = Invariant($"peak RSS after the training steps: project {Rss("VmHWM") / 1024.0:F0} MiB (before the model: {rssBefore / 1024.0:F0} MiB)");
                    if (twin is not null)
                    {
                        var peak = twin.Ask(new { cmd = "peak" });
                        ours += Invariant($"; PyTorch {twin.Field<long>(peak, "peak_rss_kb") / 1024.0:F0} MiB");
                    }
                    Note(ours);
                }
            }
            if (sample)
                Interleave($"guided DDIM step ({SampleCount} samples)", threads, () => Sink(bench.SampleStep()), twin, "sample", "PyTorch");
        }
        return exit;
    }

    /// <summary>
    /// The layout of a file the read benchmark can read (BData or canonical); throws naming the file otherwise. Called
    /// before anything is measured or printed.
    /// </summary>
    public static FmriLayout ReadableLayout(string path)
    {
        var layout = LayoutDetector.Detect(path);
        if (layout == FmriLayout.Nsd) throw new ArgumentException($"{path}: benchmark read takes BData or canonical files (NSD betas need a mask and a design)");
        return layout;
    }

    private void RunRead(string path, PythonTwin? twin)
    {
        var layout = ReadableLayout(path);
        var options = new FmriReadOptions { Layout = layout, HashSource = false };
        var warm = FmriFileReader.Read(path, options);
        int bytes = layout == FmriLayout.BData ? sizeof(double) : sizeof(float);
        double megabytes = (double)warm.SampleCount * warm.VoxelCount * bytes / 1e6;
        Note(Invariant($"file: {path} ({layout.ToString().ToLowerInvariant()}, {StorageOf(path, layout)}; voxel matrix {warm.SampleCount} x {warm.VoxelCount} = {megabytes:F1} MB on {new FileInfo(path).Length / 1e6:F1} MB of file)"));
        if (Environment.ProcessorCount >= 2 && megabytes > 4 * 1.048576)
            Note("threads: the project reads a contiguous voxel matrix above 4 MiB in two halves at once (2 threads); h5py and PureHDF alone read on one");
        PythonTwin? h5py = layout == FmriLayout.Canonical ? twin : null;
        if (twin is not null && h5py is null) Note("h5py: compared on canonical files only");
        // A command reads its data set once, into memory the process has not used before; a loop over data sets may reuse
        // memory the last read freed. Both are measured, as the GC and glibc's malloc differ in what they keep: after a
        // plain full collection the GC returns the freed array's pages about every other time, after an aggressive one
        // every time (resident memory falls by the array's size before each read); glibc keeps them unless its mmap
        // threshold is fixed (FreshH5py).
        Interleave("read: whole data set, fresh memory", 1, () => GC.KeepAlive(FmriFileReader.Read(path, options)), FreshH5py(h5py), "read-all",
            "h5py, same fields, fresh memory", path, beforeOurs: () =>
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            });
        Interleave("read: whole data set, repeated", 1, () => GC.KeepAlive(FmriFileReader.Read(path, options)), h5py, "read-all",
            "h5py, same fields", path);
        Interleave("read: PureHDF alone (voxel matrix)", 1, () => ReadMatrixWithPureHdf(path, layout), h5py, "read", "h5py", path);
    }

    /// <summary>
    /// A second h5py twin whose large arrays come from fresh pages every time: glibc's malloc, left as it is, keeps a
    /// freed 21.6 MB array and hands it to the next read (its mmap threshold adapts upwards); with a fixed threshold
    /// (MALLOC_MMAP_THRESHOLD_, see mallopt(3)) every large array is mapped anew and returned on free, as the first
    /// read of a process is. Null when there is no twin.
    /// </summary>
    private PythonTwin? FreshH5py(PythonTwin? twin)
    {
        if (twin is null) return null;
        var fresh = new Dictionary<string, string> { ["MALLOC_MMAP_THRESHOLD_"] = "131072", ["MALLOC_TRIM_THRESHOLD_"] = "131072" };
        var (started, problem) = PythonTwin.Start(python, pythonLibraryPath, environment: fresh);
        if (started is null) Note($"h5py with fresh memory not measured: {problem}");
        else extraTwins.Add(started);
        return started;
    }

    /// <summary>
    /// Warm-ups, then <c>repeats</c> interleaved timings of both sides. Before each of the project's runs
    /// <paramref name="beforeOurs"/> runs, untimed (default: a full collection, so no run pays for the garbage of the last).
    /// </summary>
    private void Interleave(string workload, int threads, Action ours, PythonTwin? twin, string command, string reference, string? path = null,
        Action? beforeOurs = null)
    {
        Console.Error.WriteLine($"benchmark: {workload}, {threads} thread{(threads == 1 ? "" : "s")}...");
        double Theirs() => path is null ? twin!.Milliseconds(command) : twin!.Field<double>(twin.Ask(new { cmd = command, path }), "ms");
        double Ours()
        {
            if (beforeOurs is null)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            else
            {
                beforeOurs();
            }
            return LdmStepBenchmark.Milliseconds(ours);
        }
        for (int i = 0; i < WarmUps; i++)
        {
            Ours();
            if (twin is not null) Theirs();
        }
        var oursMs = new double[repeats];
        var theirsMs = twin is null ? null : new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            if (theirsMs is not null && i % 2 == 1) theirsMs[i] = Theirs();
            oursMs[i] = Ours();
            if (theirsMs is not null && i % 2 == 0) theirsMs[i] = Theirs();
        }
        rows.Add((workload, threads, oursMs, theirsMs, reference));
    }

    private void Print()
    {
        foreach (var note in notes) Console.WriteLine(note);
        if (rows.Count == 0) return;
        Console.WriteLine(Invariant($"medians of {repeats} interleaved repeats after {WarmUps} warm-ups per side; ratio = project / reference (above 1: the project is slower)"));
        Console.WriteLine($"{"workload",-42} {"threads",7} {"project ms",11} {"reference ms",13} {"ratio",7}  reference");
        foreach (var (workload, threads, ours, theirs, reference) in rows)
        {
            double mine = Median(ours);
            string other = theirs is null ? "-" : Invariant($"{Median(theirs):F1}");
            string ratio = theirs is null ? "-" : Invariant($"{mine / Median(theirs):F2}");
            Console.WriteLine(Invariant($"{workload,-42} {threads,7} {mine,11:F1} {other,13} {ratio,7}  {(theirs is null ? "not measured" : reference)}"));
        }
    }

    private static string StorageOf(string path, FmriLayout layout)
    {
        if (layout != FmriLayout.Canonical) return "as stored";
        var voxels = Hdf5Listing.List(path).Single(e => e.Path == "/voxels");
        return voxels.Chunks is null ? "contiguous" : $"chunks {string.Join(" x ", voxels.Chunks)}";
    }

    /// <summary>Reads the stored matrix (<c>/voxels</c>, or the whole BData matrix) with PureHDF and nothing else.</summary>
    private static void ReadMatrixWithPureHdf(string path, FmriLayout layout)
    {
        using var file = H5File.OpenRead(path);
        string name = layout == FmriLayout.Canonical ? "voxels" : file.LinkExists("dataset") ? "dataset" : "dataSet";
        var matrix = (NativeDataset)file.Dataset(name);
        long count = matrix.Space.Dimensions.Aggregate(1L, (a, d) => a * (long)d);
        if (layout == FmriLayout.Canonical) matrix.Read<float>(new float[count].AsSpan(), null, null, null);
        else matrix.Read<double>(new double[count].AsSpan(), null, null, null);
    }

    private static void Sink(double value)
    {
        if (!double.IsFinite(value)) throw new InvalidOperationException($"benchmark: a workload gave {value}");
    }

    /// <summary>A field of /proc/self/status in KiB (VmRSS: resident now; VmHWM: peak resident).</summary>
    private static long Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }

    private static string LoadAverages()
        => File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
