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

    public static FmriLayout? ParseLayout(string? value) => value switch
    {
        null => null,
        "bdata" => FmriLayout.BData,
        "nsd" => FmriLayout.Nsd,
        "canonical" => FmriLayout.Canonical,
        _ => throw new ArgumentException($"--layout: '{value}' is not one of bdata, nsd, canonical"),
    };

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
