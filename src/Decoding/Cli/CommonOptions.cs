using System.CommandLine;
using Fmri.Data.Layouts;

namespace Decoding.Cli;

/// <summary>Options shared by several commands, defined once so they read the same everywhere.</summary>
public static class CommonOptions
{
    /// <summary>`--layout bdata|nsd|canonical`; absent = detect from the file. Read it with <see cref="ParseLayout"/>.</summary>
    public static Option<string?> Layout()
    {
        var layout = new Option<string?>("--layout") { Description = "the input's layout: bdata, nsd or canonical (default: detected from the file's contents)" };
        layout.AcceptOnlyFromAmong("bdata", "nsd", "canonical");
        return layout;
    }

    public static FmriLayout? ParseLayout(string? value) => value is null ? null : Check.OneOf(value, Layouts, "layout");

    private static readonly Dictionary<string, FmriLayout> Layouts = new()
    {
        ["bdata"] = FmriLayout.BData,
        ["nsd"] = FmriLayout.Nsd,
        ["canonical"] = FmriLayout.Canonical,
    };

    /// <summary>
    /// An option taking several files or folders. The one convention for every multi-value option: values separated by
    /// spaces after one flag (<c>--data a.h5 b.h5</c>) or the flag repeated (<c>--data a.h5 --data b.h5</c>).
    /// </summary>
    public static Option<string[]> Files(string name, string description) => new(name)
    {
        Description = description + " (several: separated by spaces, or the flag repeated)",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>The files of a multi-value option, each of which must exist (at least one).</summary>
    public static IReadOnlyList<string> ExistingFiles(string[]? values, string setting)
    {
        if (values is null || values.Length == 0) throw new InvalidSettingException(setting, null, "is required (one or more files)");
        foreach (var value in values) Check.ExistingFile(value, setting);
        return values;
    }

    /// <summary>NSD inputs: the brain mask and the design file.</summary>
    public static (Option<string?> Mask, Option<string?> Design) Nsd() => (
        new Option<string?>("--mask") { Description = "NSD: brain mask selecting voxels (nsdgeneral.nii.gz, .nii or the project's HDF5 /mask)" },
        new Option<string?>("--design") { Description = "NSD: design file mapping trials to stimuli (the project's JSON or HDF5; see data/README.md)" });

    public static Option<long> Seed(long defaultSeed = 0) => new("--seed")
    {
        Description = "seed for every random draw of this command",
        DefaultValueFactory = _ => defaultSeed,
    };

    /// <summary>
    /// `--threads N`: libtorch's intra-op threads (default: one per core), applied with <see cref="ApplyThreads"/>. On a
    /// machine shared with other jobs, 1 is often much faster: two threads that wait for each other at every operator
    /// were measured 15-40 times slower than one for small models under a load of ~20 on 2 cores.
    /// </summary>
    public static Option<int> Threads() => new("--threads")
    {
        Description = "libtorch threads (default: one per core; 1 is often faster on a busy machine)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary>Applies `--threads` and the project's libtorch settings (<see cref="Fmri.Core.Torch.TorchSetup"/>).</summary>
    public static void ApplyThreads(int threads) => Fmri.Core.Torch.TorchSetup.Apply(threads);
}
