using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fmri.Data;
using Fmri.Data.Layouts;
using PureHDF;
using PureHDF.VOL.Native;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding benchmark read FILE</c>: reads the voxel matrix of a BData or canonical file N times through the
/// project's reader and through h5py (the reference HDF5 client, run as /usr/bin/python3 when it has h5py) and
/// prints both throughputs and their ratio. <c>decoding benchmark make-file OUT</c> writes a Generic Object
/// Decoding-sized test file for it (1,200 samples x 4,500 voxels, float32, chunked, gzip).
/// </summary>
public static class BenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("benchmark", "Measure the project's file readers against h5py");
        command.Subcommands.Add(CreateRead());
        command.Subcommands.Add(CreateMakeFile());
        command.Subcommands.Add(CreateOneDnn());
        return command;
    }

    private static Command CreateOneDnn()
    {
        var passes = new Option<int>("--passes") { Description = "backward passes per case and thread setting", DefaultValueFactory = _ => Fmri.Core.Torch.OneDnnSelfTest.DefaultPasses };
        var threads = CommonOptions.ThreadList("--threads", "thread settings to test (default: 1 and one per core)");
        var native = new Option<bool>("--native") { Description = "run the passes with libtorch's native convolution backward instead (the control)" };
        var command = new Command("onednn", "Run the oneDNN backward self-test (the poisoned-allocator reproduction) and print its counts; nothing is cached")
        {
            passes, threads, native,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            Fmri.Core.Torch.TorchLogging.HideWarningsUnlessAsked();
            var settings = parse.GetValue(threads) is { Length: > 0 } given ? given : Fmri.Core.Torch.OneDnnSelfTest.DefaultThreadSettings.ToArray();
            bool useNative = parse.GetValue(native);
            var result = Fmri.Core.Torch.OneDnnSelfTest.Run(Check.AtLeast(parse.GetValue(passes), 1, "passes"), settings, oneDnn: !useNative);
            Console.WriteLine($"host        {Fmri.Core.Torch.HostIdentity.Current()}");
            Console.WriteLine($"backward    {(useNative ? "native convolution (oneDNN off)" : "oneDNN")}");
            foreach (var count in result.Counts)
                Console.WriteLine(Invariant($"{count.Threads} thread{(count.Threads == 1 ? " " : "s")}   {count.Case,-36} {count.NonFinite,5} of {count.Passes} passes non-finite"));
            Console.WriteLine(Invariant($"total       {result.Summary()} in {result.Seconds:F1} s"));
            return 0;
        }));
        return command;
    }

    private static Command CreateRead()
    {
        var file = new Argument<string>("file") { Description = "A BData or canonical file" };
        var repeats = new Option<int>("--repeats") { Description = "Timed reads per reader (after one warm-up read)", DefaultValueFactory = _ => 5 };
        var python = new Option<string>("--python") { Description = "Python with h5py to compare against", DefaultValueFactory = _ => "/usr/bin/python3" };
        var command = new Command("read", "Read a file's voxel matrix N times with the project's reader and with h5py; print MB/s and the ratio");
        command.Arguments.Add(file);
        command.Options.Add(repeats);
        command.Options.Add(python);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int n = Check.AtLeast(parse.GetValue(repeats), 1, "repeats");
            Console.Out.Write(Read(Check.ExistingFile(parse.GetValue(file), "file"), n, parse.GetValue(python)!));
            return 0;
        }));
        return command;
    }

    private static Command CreateMakeFile()
    {
        var output = new Argument<string>("out") { Description = "Path of the file to write" };
        var samples = new Option<int>("--samples") { Description = "Samples (rows)", DefaultValueFactory = _ => 1200 };
        var voxels = new Option<int>("--voxels") { Description = "Voxels (columns)", DefaultValueFactory = _ => 4500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator of the voxel values", DefaultValueFactory = _ => 0 };
        var layout = new Option<string>("--layout") { Description = "canonical (float32, contiguous) or bdata (float64, contiguous, as bdpy writes)", DefaultValueFactory = _ => "canonical" };
        layout.AcceptOnlyFromAmong("canonical", "bdata");
        var storage = new Option<string>("--storage") { Description = "canonical /voxels storage: contiguous (what the project writes), chunked (no filter) or gzip (chunked, shuffle + gzip: what earlier versions wrote)", DefaultValueFactory = _ => "contiguous" };
        storage.AcceptOnlyFromAmong([.. Storages.Keys]);
        var command = new Command("make-file", "Write a GOD-sized synthetic data set (default 1,200 x 4,500 float32) to benchmark reading");
        command.Arguments.Add(output);
        command.Options.Add(samples);
        command.Options.Add(voxels);
        command.Options.Add(seed);
        command.Options.Add(layout);
        command.Options.Add(storage);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string path = Check.OutputFile(parse.GetValue(output), "out");
            var dataset = Synthetic(parse.GetValue(samples), parse.GetValue(voxels), new Random(parse.GetValue(seed)));
            var clock = Stopwatch.StartNew();
            if (parse.GetValue(layout) == "bdata") BDataFile.Write(path, dataset);
            else CanonicalFile.Write(path, dataset, Storages[parse.GetValue(storage)!]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path}: {dataset.SampleCount} x {dataset.VoxelCount} ({parse.GetValue(layout)}), {new FileInfo(path).Length / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F2} s"));
            return 0;
        }));
        return command;
    }

    private static readonly Dictionary<string, CanonicalFile.VoxelStorage> Storages = new()
    {
        ["contiguous"] = CanonicalFile.VoxelStorage.Contiguous,
        ["chunked"] = CanonicalFile.VoxelStorage.Chunked,
        ["gzip"] = CanonicalFile.VoxelStorage.ChunkedGzip,
    };

    /// <summary>Times both readers on <paramref name="path"/> and returns the report.</summary>
    public static string Read(string path, int repeats, string python)
    {
        var layout = LayoutDetector.Detect(path);
        if (layout == FmriLayout.Nsd) throw new ArgumentException($"{path}: benchmark read takes BData or canonical files (NSD betas need a mask and a design)");
        var options = new FmriReadOptions { Layout = layout, HashSource = false };

        var warm = FmriFileReader.Read(path, options); // JIT and page cache
        int bytesPerValue = layout == FmriLayout.BData ? sizeof(double) : sizeof(float);
        double megabytes = (double)warm.SampleCount * warm.VoxelCount * bytesPerValue / 1e6;
        // The project's reader and, interleaved with it so both see the same machine load, PureHDF alone reading the
        // stored matrix (no labels, no conversion): separates the library's speed from the reader's overhead.
        // Each read starts from a collected heap, as h5py's loop does (CPython frees each array at once).
        var ours = new double[repeats];
        var library = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            ours[i] = Seconds(() => GC.KeepAlive(FmriFileReader.Read(path, options)));
            library[i] = Seconds(() => ReadMatrixWithPureHdf(path, layout));
        }

        var lines = new List<string>
        {
            Invariant($"file        {path} ({layout.ToString().ToLowerInvariant()}; voxel matrix {warm.SampleCount} x {warm.VoxelCount} {(bytesPerValue == 8 ? "float64" : "float32")} = {megabytes:F1} MB)"),
            Invariant($"reads       {repeats} per reader, after one warm-up read"),
            Invariant($"project     median {Median(ours):F3} s  {megabytes / Median(ours),7:F1} MB/s   (best {ours.Min():F3} s; FmriFileReader: whole data set incl. labels)"),
            Invariant($"PureHDF     median {Median(library):F3} s  {megabytes / Median(library),7:F1} MB/s   (best {library.Min():F3} s; whole stored matrix only)"),
        };
        var (theirs, version, problem) = RunH5py(python, path, layout, repeats);
        if (theirs is null)
        {
            lines.Add($"h5py        not measured: {problem}");
        }
        else
        {
            lines.Add(Invariant($"h5py {version,-6} median {Median(theirs):F3} s  {megabytes / Median(theirs),7:F1} MB/s   (best {theirs.Min():F3} s; voxel matrix only)"));
            lines.Add(Invariant($"ratio       {Median(theirs) / Median(ours):F2}  (project reader MB/s / h5py MB/s, medians); PureHDF alone / h5py: {Median(theirs) / Median(library):F2}"));
        }
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
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

    /// <summary>Seconds per read measured inside Python (interpreter start-up not counted), or why it could not run.</summary>
    private static (double[]? Seconds, string Version, string Problem) RunH5py(string python, string path, FmriLayout layout, int repeats)
    {
        if (!File.Exists(python)) return (null, "", $"{python} not found");
        const string Script = """
            import sys, json, time
            import h5py, numpy as np
            path, layout, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
            def read(f):
                if layout == "canonical":
                    return f["voxels"][()]
                matrix = "dataset" if "dataset" in f else "dataSet"
                meta = "metadata" if "metadata" in f else "metaData"
                keys = [k.decode() if isinstance(k, bytes) else k for k in f[meta + "/key"][()]]
                columns = np.flatnonzero(f[meta + "/value"][keys.index("VoxelData")] == 1)
                return f[matrix][()][:, columns]
            with h5py.File(path, "r") as f:
                read(f)
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                with h5py.File(path, "r") as f:
                    read(f)
                seconds.append(time.perf_counter() - start)
            print(json.dumps({"seconds": seconds, "h5py": h5py.__version__}))
            """;
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-c", Script, path, layout == FmriLayout.BData ? "bdata" : "canonical", repeats.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start);
        if (process is null) return (null, "", $"could not start {python}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {process.ExitCode}";
            return (null, "", $"{python} failed: {last.Trim()}");
        }
        using var json = JsonDocument.Parse(stdout);
        var seconds = json.RootElement.GetProperty("seconds").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        return (seconds, json.RootElement.GetProperty("h5py").GetString() ?? "", "");
    }

    /// <summary>
    /// A Generic Object Decoding-sized training set: 150 categories x 8 images, one sample each, 24 runs of 50,
    /// voxel values standard normal (like z-scored responses, which compress about as badly as real ones).
    /// </summary>
    private static FmriDataset Synthetic(int samples, int voxels, Random random)
    {
        if (samples < 1 || voxels < 1) throw new ArgumentException($"--samples and --voxels must be positive (got {samples} x {voxels})");
        var values = new float[(long)samples * voxels];
        for (long i = 0; i < values.LongLength; i += 2)
        {
            // Box-Muller: two independent standard normals from two uniforms.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.LongLength) values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
        }
        const int categories = 150;
        const long firstSynset = 1_440_764; // n01440764, the first ImageNet synset; the next ones are made up
        return new FmriDataset
        {
            Voxels = values,
            SampleCount = samples,
            VoxelCount = voxels,
            StimulusIds = Enumerable.Range(0, samples).Select(i => StimulusId.FromSynsetAndImage(firstSynset + i % categories, 1 + i / categories)).ToArray(),
            CategoryLabels = Enumerable.Range(0, samples).Select(i => i % categories).ToArray(),
            Runs = Enumerable.Range(0, samples).Select(i => 1 + i * 24 / samples).ToArray(),
            Splits = Enumerable.Repeat(DataSplit.Train, samples).ToArray(),
            RepeatCounts = Enumerable.Repeat(1, samples).ToArray(),
            Rois = new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, voxels).ToArray() },
            CategoryNames = Enumerable.Range(0, categories).Select(c => Invariant($"category {c}")).ToArray(),
            Subject = "synthetic",
            Provenance = new DatasetProvenance { SourceLayout = "synthetic", Steps = [ProcessingStep.Of("standard_normal_voxels")] },
        };
    }

    private static double Seconds(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
