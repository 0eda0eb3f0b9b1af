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
    public static Option<string[]> Files(string name, string description, bool required = false) => new(name)
    {
        Description = description + " (several: separated by spaces, or the flag repeated)",
        AllowMultipleArgumentsPerToken = true,
        Required = required,
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
        new Option<string?>("--design") { Description = "NSD: design file mapping trials to stimuli (NSD's nsd_expdesign.mat with --nsd-subject, or the project's JSON or HDF5; see data/README.md)" });

    /// <summary>`--nsd-subject N`: the subject whose images nsd_expdesign.mat maps the trials to.</summary>
    public static Option<int?> NsdSubject() => new("--nsd-subject")
    {
        Description = "NSD: the subject (1-8) for nsd_expdesign.mat (default: from a subjNN folder in the betas path)",
    };

    /// <summary>`--nsd-session N...`: the session of each NSD betas file, when its name does not say it.</summary>
    public static Option<int[]> NsdSession() => new("--nsd-session")
    {
        Description = "NSD: the session of each betas file, in the files' order (default: from each name, betas_sessionNN or ses-NN)"
            + " (several: separated by spaces, or the flag repeated)",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<long> Seed(long defaultSeed = 0) => new("--seed")
    {
        Description = "seed for every random draw of this command",
        DefaultValueFactory = _ => defaultSeed,
    };

    /// <summary>
    /// `--threads N`: libtorch's intra-op threads, applied with <see cref="TorchOptions.Apply"/>. The default is
    /// <see cref="Fmri.Core.Torch.ThreadDefault"/>'s rule: 1 when the 1-minute load average is at or above the core
    /// count (threads that wait for each other at every operator are much slower than one on busy cores), else one per core.
    /// </summary>
    public static Option<int?> Threads() => new("--threads")
    {
        Description = "libtorch threads (default: one per core; when the 1-minute load average reaches the core count, one per core that other processes leave free, at least 1)",
    };

    /// <summary>`--device cpu|cuda`: where models and their tensors live (<see cref="Fmri.Core.Torch.TorchDevice"/>).</summary>
    public static Option<string> Device()
    {
        var device = new Option<string>("--device")
        {
            Description = "where the models run: cpu, or cuda (needs a GPU and a build made with dotnet build -p:TorchBackend=cuda)",
            DefaultValueFactory = _ => Fmri.Core.Torch.TorchDevice.Names[0],
        };
        device.AcceptOnlyFromAmong([.. Fmri.Core.Torch.TorchDevice.Names]);
        return device;
    }

    /// <summary>`--onednn-backward auto|on|off` (commands that run backward passes; <see cref="Fmri.Core.Torch.OneDnnBackwardPolicy"/>).</summary>
    public static Option<string?> OneDnnBackward()
    {
        var option = new Option<string?>("--onednn-backward")
        {
            Description = "oneDNN convolutions in backward passes: auto (a self-test run once per host and cached decides), on or off " +
                $"(default: ${Fmri.Core.Torch.OneDnnBackwardPolicy.EnvironmentVariable}, else auto)",
        };
        option.AcceptOnlyFromAmong([.. Fmri.Core.Torch.OneDnnBackwardPolicy.Modes.Keys]);
        return option;
    }

    /// <summary>
    /// Adds `--device` (and for commands that run backward passes through the models, `--onednn-backward`) to
    /// <paramref name="command"/> next to its `--threads`; the returned object applies all of them when the command runs.
    /// </summary>
    /// <param name="backwardPasses">The command runs backward passes: the training commands, and <c>decode</c> (its
    /// encoding route follows gradients through the VAE decoder).</param>
    public static TorchOptions AddTorchOptions(Command command, Option<int?> threads, bool backwardPasses)
    {
        ArgumentNullException.ThrowIfNull(command);
        var device = Device();
        command.Options.Add(device);
        Option<string?>? oneDnn = null;
        if (backwardPasses)
        {
            oneDnn = OneDnnBackward();
            command.Options.Add(oneDnn);
        }
        return new TorchOptions(threads, device, oneDnn);
    }

    /// <summary>Applies `--threads N` (or its default) and the project's libtorch settings; prints the choice in one line.</summary>
    public static Fmri.Core.Torch.ThreadChoice ApplyThreads(int? threads)
    {
        var choice = Fmri.Core.Torch.TorchSetup.ApplyThreads(threads);
        Console.WriteLine($"threads: {choice.Threads} ({choice.Reason})");
        return choice;
    }

    /// <summary>An option taking several numbers (<c>--select-guidances 4 8</c>), in the one multi-value convention of <see cref="Files"/>.</summary>
    public static Option<double[]> Numbers(string name, string description) => new(name)
    {
        Description = description + " (several: separated by spaces, or the flag repeated)",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>An option taking several thread counts (<c>--threads 1 2</c>), by the same convention as <see cref="Files"/>.</summary>
    public static Option<int[]> ThreadList(string name, string description) => new(name)
    {
        Description = description + " (several: separated by spaces, or the flag repeated)",
        AllowMultipleArgumentsPerToken = true,
    };

}

/// <summary>The libtorch options of a command that runs models: `--threads`, `--device` and, where it runs backward passes, `--onednn-backward`.</summary>
public sealed class TorchOptions(Option<int?> threads, Option<string> device, Option<string?>? oneDnnBackward)
{
    public Option<int?> Threads { get; } = threads;

    public Option<string> Device { get; } = device;

    public Option<string?>? OneDnnBackward { get; } = oneDnnBackward;

    /// <summary>Applies the device, the threads and (when this run makes backward passes) the oneDNN backward decision,
    /// one printed line each for the last two.</summary>
    /// <param name="backwardPasses">This run makes backward passes (false: a <c>decode</c> route that runs none, which
    /// then neither self-tests nor prints the decision).</param>
    public void Apply(ParseResult parse, bool backwardPasses = true)
    {
        ArgumentNullException.ThrowIfNull(parse);
        CommonOptions.ApplyThreads(parse.GetValue(Threads));
        Fmri.Core.Torch.TorchSetup.ApplyDevice(parse.GetValue(Device));
        if (OneDnnBackward is null || !backwardPasses) return;
        var mode = Fmri.Core.Torch.OneDnnBackwardPolicy.ParseMode(parse.GetValue(OneDnnBackward),
            Environment.GetEnvironmentVariable(Fmri.Core.Torch.OneDnnBackwardPolicy.EnvironmentVariable));
        if (Fmri.Core.Torch.OneDnnBackwardPolicy.WillRunSelfTest(mode))
            Console.WriteLine("oneDNN backward: checking this host (a self-test of a few seconds, run once per processor and libtorch build, then cached)...");
        var decision = Fmri.Core.Torch.TorchSetup.ApplyOneDnnBackward(mode);
        Console.WriteLine($"oneDNN backward: {(decision.Enabled ? "on" : "off")} ({decision.Reason})");
    }
}
