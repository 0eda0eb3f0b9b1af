using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Decoding.Benchmarks;
using Fmri.Data;
using Fmri.Data.Layouts;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding benchmark</c>: the project's costs next to the reference implementations, measured in one run with the
/// two sides interleaved repeat by repeat (so both see the same machine load) and reported as medians and ratios.
/// <list type="bullet">
/// <item><c>train-step</c>: one training step of the small-preset latent diffusion model (batch 32: conditioner,
/// condition dropout, UNet, MSE, backward pass, clipping, AdamW, EMA) against the PyTorch twin in
/// <c>benchmarks/ldm_twin.py</c>, whose parameter count must equal the project's; peak resident memory of both;</item>
/// <item><c>sample-step</c>: one classifier-free guided DDIM step for 100 samples, against the twin;</item>
/// <item><c>read FILE</c>: the voxel matrix of a canonical or BData file, project reader and PureHDF against h5py;</item>
/// <item><c>all</c>: the three, on a GOD-sized canonical file (1,200 x 4,500 float32) made for the run;</item>
/// <item><c>make-file</c> writes such a file; <c>onednn</c> runs the oneDNN backward self-test and prints its counts.</item>
/// </list>
/// The twin runs in <c>--python</c> (default /usr/bin/python3, which needs torch and h5py: Debian's python3-torch and
/// python3-h5py); <c>--python-library-path</c> puts a folder first on its LD_LIBRARY_PATH (Debian's torch links the
/// reference BLAS; an OpenBLAS folder there makes the baseline fair).
/// </summary>
public static class BenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("benchmark", "Time the project's training step, sampling step and file reading against PyTorch and h5py");
        command.Subcommands.Add(CreateSuite("all", "Training step, sampling step and canonical file reading, each against its reference", train: true, sample: true, read: true));
        command.Subcommands.Add(CreateSuite("train-step", "One small-preset LDM training step (batch 32) against the PyTorch twin; peak memory of both", train: true, sample: false, read: false));
        command.Subcommands.Add(CreateSuite("sample-step", "One guided DDIM sampling step for 100 samples against the PyTorch twin", train: false, sample: true, read: false));
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
        var command = new Command("onednn", "Run the oneDNN backward self-test (the poisoned-allocator reproduction, each convolution as it is and padded to 16 output channels as training runs it) and print its counts; nothing is cached")
        {
            passes, threads, native,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            Fmri.Core.Torch.TorchLogging.HideWarningsUnlessAsked();
            var settings = parse.GetValue(threads) is { Length: > 0 } given ? given : Fmri.Core.Torch.OneDnnSelfTest.DefaultThreadSettings.ToArray();
            bool useNative = parse.GetValue(native);
            var result = Fmri.Core.Torch.OneDnnSelfTest.Run(Check.AtLeast(parse.GetValue(passes), 1, "passes"), settings, oneDnn: !useNative);
            var host = Fmri.Core.Torch.HostIdentity.Current();
            Console.WriteLine($"host        {host.CpuModel}; {host.Libtorch}; cache key {host.Key}");
            Console.WriteLine($"backward    {(useNative ? "native convolution (oneDNN off)" : "oneDNN")}");
            foreach (var count in result.Counts)
                Console.WriteLine(Invariant($"{count.Threads} thread{(count.Threads == 1 ? " " : "s")}   {count.Case,-36} {(count.Padded ? $"padded to {Fmri.Core.Torch.OneDnnChannelPadding.Block}" : "as it is"),-14} {count.NonFinite,5} of {count.Passes} passes non-finite"));
            Console.WriteLine(Invariant($"total       {result.Summary()} in {result.Seconds:F1} s"));
            return 0;
        }));
        return command;
    }

    private static Option<int> Repeats(int defaultRepeats) => new("--repeats")
    {
        Description = "timed repeats per side (after warm-up runs); medians are reported",
        DefaultValueFactory = _ => defaultRepeats,
    };

    private static Option<string> Python() => new("--python")
    {
        Description = "Python with torch and h5py to compare against",
        DefaultValueFactory = _ => "/usr/bin/python3",
    };

    private static Option<string?> PythonLibraryPath() => new("--python-library-path")
    {
        Description = "folder put first on the Python side's LD_LIBRARY_PATH (e.g. an extracted OpenBLAS for Debian's torch)",
    };

    private static Command CreateSuite(string name, string description, bool train, bool sample, bool read)
    {
        var threads = CommonOptions.ThreadList("--threads", "libtorch thread settings to measure, each on both sides (default: 1 and 2)");
        var repeats = Repeats(7);
        var python = Python();
        var libraryPath = PythonLibraryPath();
        var file = new Option<string?>("--file") { Description = "canonical or BData file to read (default: a GOD-sized canonical file made for the run)" };
        var device = CommonOptions.Device();
        var oneDnn = CommonOptions.OneDnnBackward();
        var command = new Command(name, description) { threads, repeats, python, libraryPath };
        if (read) command.Options.Add(file);
        if (train || sample) command.Options.Add(device);
        if (train) command.Options.Add(oneDnn);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var settings = parse.GetValue(threads) is { Length: > 0 } given ? given : [1, 2];
            foreach (int t in settings) Check.AtLeast(t, 1, "threads");
            int n = Check.AtLeast(parse.GetValue(repeats), 1, "repeats");
            if (parse.GetValue(libraryPath) is { } folder) Check.ExistingFolder(folder, "python_library_path", "give a folder that holds the BLAS the Python side should load");
            if (read && parse.GetValue(file) is { } fileGiven) BenchmarkSuite.ReadableLayout(Check.ExistingFile(fileGiven, "file"));   // before anything is measured
            var suite = new BenchmarkSuite(settings, n, parse.GetValue(python)!, parse.GetValue(libraryPath));
            if (train || sample)
            {
                Fmri.Core.Torch.TorchSetup.ApplyThreads(settings[0]);
                Fmri.Core.Torch.TorchSetup.ApplyDevice(parse.GetValue(device));
                var heap = Fmri.Core.Torch.NativeHeap.Current!;
                suite.Note($"native heap: {heap.Description} (the PyTorch side keeps its process's settings; {Fmri.Core.Torch.NativeHeap.EnvironmentVariable}=default turns this off)");
            }
            if (train)
            {
                var mode = Fmri.Core.Torch.OneDnnBackwardPolicy.ParseMode(parse.GetValue(oneDnn),
                    Environment.GetEnvironmentVariable(Fmri.Core.Torch.OneDnnBackwardPolicy.EnvironmentVariable));
                var decision = Fmri.Core.Torch.TorchSetup.ApplyOneDnnBackward(mode);
                suite.Note($"oneDNN backward: {(decision.Enabled ? "on" : "off")} ({decision.Reason})");
            }
            string? readPath = read ? parse.GetValue(file) : null;
            string? made = null;
            if (read && readPath is null)
            {
                made = Path.Combine(Path.GetTempPath(), $"decoding-benchmark-god.{Environment.ProcessId}.h5");
                CanonicalFile.Write(made, BenchmarkData.GodSized(1200, 4500, new Random(0)));
                readPath = made;
            }
            try
            {
                return suite.Run(train, sample, readPath is null ? null : Check.ExistingFile(readPath, "file"));
            }
            finally
            {
                if (made is not null) File.Delete(made);
            }
        }));
        return command;
    }

    private static Command CreateRead()
    {
        var file = new Argument<string>("file") { Description = "A BData or canonical file" };
        var repeats = Repeats(7);
        var python = Python();
        var command = new Command("read", "Read a file's voxel matrix with the project's reader, PureHDF alone and h5py, interleaved; print median times and ratios");
        command.Arguments.Add(file);
        command.Options.Add(repeats);
        command.Options.Add(python);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int n = Check.AtLeast(parse.GetValue(repeats), 1, "repeats");
            string path = Check.ExistingFile(parse.GetValue(file), "file");
            BenchmarkSuite.ReadableLayout(path);                                                       // before anything is printed
            var suite = new BenchmarkSuite([1], n, parse.GetValue(python)!, null);
            return suite.Run(train: false, sample: false, path);
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
            var dataset = BenchmarkData.GodSized(parse.GetValue(samples), parse.GetValue(voxels), new Random(parse.GetValue(seed)));
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

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
