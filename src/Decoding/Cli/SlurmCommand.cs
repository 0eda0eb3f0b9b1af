using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Decoding.Cluster;
using Decoding.Decode;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding slurm --out STUDY</c>: writes the Slurm batch scripts of the demo's study for several simulated subjects
/// (<see cref="StudyPlan"/>) into STUDY/slurm, and submit.sh, which submits what is not done (<see cref="SlurmScripts"/>);
/// <c>--submit</c> runs it. Run again after a failure, it resubmits only the missing tasks.
/// </summary>
public static partial class SlurmCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = "Study folder: data/, models/, sub-01/ ... and slurm/ (scripts, logs, done and failed markers)", Required = true };
        var subjects = new Option<int>("--subjects") { Description = "Simulated subjects (the same stimuli, each its own cortex)", DefaultValueFactory = _ => 3 };
        var preset = new Option<string>("--preset") { Description = "The demo's sizes: tiny or small", DefaultValueFactory = _ => "small" };
        preset.AcceptOnlyFromAmong("tiny", "small");
        var seed = CommonOptions.Seed(1);
        var shards = new Option<int>("--shards") { Description = "Shards of the test stimuli per decode (whole chunks of 8 items; extra shards decode nothing)", DefaultValueFactory = _ => 4 };
        var partition = new Option<string?>("--partition") { Description = "sbatch --partition (default: the cluster's)" };
        var account = new Option<string?>("--account") { Description = "sbatch --account (default: the user's)" };
        var time = new Option<string>("--time") { Description = "sbatch --time of every job", DefaultValueFactory = _ => "04:00:00" };
        var memory = new Option<string>("--mem") { Description = "sbatch --mem of every job", DefaultValueFactory = _ => "16G" };
        var cpus = new Option<int>("--cpus") { Description = "sbatch --cpus-per-task of the model jobs, and their libtorch --threads (fixed, so results repeat)", DefaultValueFactory = _ => 2 };
        var gpus = new Option<int>("--gpus") { Description = "sbatch --gres=gpu:N of the model jobs; with N > 0 they run on the GPU (--device cuda; a build with -p:TorchBackend=cuda)", DefaultValueFactory = _ => 0 };
        var program = new Option<string?>("--program") { Description = "The decoding program the nodes run, e.g. a self-contained publish (default: this program); it is run once with --version first and refused unless it answers with a version, as decoding does" };
        var name = new Option<string?>("--name") { Description = "Prefix of the study's job names (default: the study folder's name)" };
        var sweep = new Option<bool>("--sweep") { Description = "Add a sweep of decoding settings scored on the validation split, and its comparison table" };
        string[] defaultSweepRoutes = ["img2img", "semantic"];
        var sweepRoutes = new Option<string[]>("--sweep-routes")
        {
            Description = $"Routes of the sweep, of img2img and semantic (default: {string.Join(' ', defaultSweepRoutes)}; several: separated by spaces, or the flag repeated)",
            AllowMultipleArgumentsPerToken = true,
        };
        var sweepStrengths = CommonOptions.Numbers("--sweep-strengths", $"img2img strengths of the sweep (default: {string.Join(' ', SelectionGrid.Default.Strengths)})");
        var sweepGuidances = CommonOptions.Numbers("--sweep-guidances", $"Guidance scales of the sweep (default: {string.Join(' ', SelectionGrid.Default.Guidances)})");
        var sweepBlends = CommonOptions.Numbers("--sweep-blends", $"img2img blends scored at every sweep point (default: {string.Join(' ', SelectionGrid.Default.Blends)})");
        var submit = new Option<bool>("--submit") { Description = "Run slurm/submit.sh after writing: submit every task that is not done" };
        var command = new Command("slurm", "Write Slurm job arrays for the study over several subjects (preprocess per subject, sharded decoding, merge, evaluate, sweeps); --submit submits what is not done")
        {
            output, subjects, preset, seed, shards, partition, account, time, memory, cpus, gpus, program, name, sweep, sweepRoutes, sweepStrengths, sweepGuidances, sweepBlends, submit,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string study = Path.GetFullPath(Check.OutputFolder(parse.GetValue(output), "out"));
            var resources = new SlurmResources(parse.GetValue(partition), parse.GetValue(time)!, parse.GetValue(memory)!, parse.GetValue(cpus), parse.GetValue(gpus),
                parse.GetValue(account)).Validate();
            string decoding = parse.GetValue(program) is { } p ? Path.GetFullPath(Check.ExistingFile(p, "program")) : ThisProgram();
            // The jobs run it: a file without an execute bit (a typo naming a data file) would fail every task.
            Check.That(OperatingSystem.IsWindows() || (File.GetUnixFileMode(decoding) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0,
                "program", parse.GetValue(program), "is not an executable file; give the decoding program the nodes should run (e.g. a self-contained publish's dist/decoding/decoding)");
            string prefix = parse.GetValue(name) ?? JobName().Replace(Path.GetFileName(study.TrimEnd('/')), "-");
            Check.That(JobName().IsMatch(prefix) == false && prefix.Length > 0, "name", prefix, "must be letters, digits, '_' and '-'");
            SweepGrid? grid = null;
            // The sweep's options shape a sweep; without --sweep they would be dropped without a word.
            foreach (var (option, name) in new (Option, string)[] { (sweepRoutes, "sweep_routes"), (sweepStrengths, "sweep_strengths"), (sweepGuidances, "sweep_guidances"), (sweepBlends, "sweep_blends") })
                Check.That(parse.GetValue(sweep) || parse.GetResult(option) is null or { Implicit: true }, name, null, "shapes a sweep; add {sweep}");
            if (parse.GetValue(sweep))
            {
                grid = new SweepGrid(parse.GetValue(sweepRoutes) is { Length: > 0 } routes ? routes : defaultSweepRoutes, Values(parse.GetValue(sweepStrengths), SelectionGrid.Default.Strengths),
                    Values(parse.GetValue(sweepGuidances), SelectionGrid.Default.Guidances), Values(parse.GetValue(sweepBlends), SelectionGrid.Default.Blends));
                new SelectionGrid(grid.Strengths, grid.Guidances, grid.Blends).CheckValues("sweep_strengths", "sweep_guidances", "sweep_blends");
            }
            if (parse.GetValue(program) is not null) CheckIsDecodingProgram(decoding, parse.GetValue(program)!);
            var options = new StudyOptions(study, Check.AtLeast(parse.GetValue(subjects), 1, "subjects"), parse.GetValue(preset)!, parse.GetValue(seed),
                Check.AtLeast(parse.GetValue(shards), 1, "shards"), resources.CpusPerTask, resources.Gpus > 0 ? Fmri.Core.Torch.TorchDevice.Names[1] : null, grid);
            var steps = StudyPlan.Steps(options);
            string slurm = Path.Combine(study, "slurm");
            var scripts = SlurmScripts.Write(slurm, prefix, steps, resources, decoding);
            new RunManifest
            {
                Command = "slurm",
                Arguments = CommandLineApp.Arguments,
                Config = new { Study = options, Resources = resources, Program = decoding, JobPrefix = prefix, Steps = steps.Select(s => new { s.Name, Tasks = s.Tasks.Count, s.DependsOn }) },
                Seeds = new Dictionary<string, long> { ["seed"] = options.Seed },
                Outputs = scripts.Select(Path.GetFileName).OfType<string>().ToList(),
            }.Write(Path.Combine(slurm, "run.json"));
            foreach (var (step, script) in steps.Zip(scripts))
                Console.Out.WriteLine($"{Path.GetFileName(script)}: {step.Tasks.Count} task{(step.Tasks.Count == 1 ? "" : "s")} after {(step.DependsOn.Count == 0 ? "nothing" : string.Join(", ", step.DependsOn))}");
            string submitScript = Path.Combine(slurm, SlurmScripts.SubmitScript);
            if (!parse.GetValue(submit))
            {
                Console.Out.WriteLine($"slurm: {steps.Count} steps written to {slurm}; submit with: bash {submitScript}");
                return 0;
            }
            using var process = Process.Start(new ProcessStartInfo("bash", [submitScript]) { UseShellExecute = false })
                                ?? throw new InvalidOperationException("could not start bash");
            process.WaitForExit();
            return process.ExitCode;
        }));
        return command;
    }

    private static IReadOnlyList<double> Values(double[]? given, IReadOnlyList<double> defaults) => given is { Length: > 0 } ? given : defaults;

    /// <summary>This program's path, when it runs as the decoding executable (not under dotnet or a test host).</summary>
    private static string ThisProgram()
    {
        string? path = Environment.ProcessPath;
        Check.That(path is not null && Path.GetFileNameWithoutExtension(path) == "decoding", "program", null,
            $"is required: this process is {path ?? "unknown"}, not the decoding program the jobs should run (give its path, e.g. a self-contained publish)");
        return path!;
    }

    /// <summary>
    /// The nodes run <paramref name="path"/> with this program's command lines, so it must be the decoding program: it
    /// must answer <c>--version</c> with a version, as this one does (a wrapper script that passes its arguments on does).
    /// A different version is allowed with a warning: its commands may not take the options these scripts give them.
    /// </summary>
    private static void CheckIsDecodingProgram(string path, string given)
    {
        string own = typeof(SlurmCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        string answer;
        int exit;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, ["--version"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            }) ?? throw new InvalidOperationException("no process");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(VersionTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidSettingException("program", given, $"did not answer --version within {VersionTimeout.TotalSeconds:F0} s; give the decoding program the nodes should run");
            }
            exit = process.ExitCode;
            answer = (output.Result + errors.Result).Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidSettingException("program", given, $"could not be started ({e.Message}); give the decoding program the nodes should run", e);
        }
        string firstLine = answer.Split('\n', 2)[0].Trim();
        Check.That(exit == 0 && VersionAnswer().IsMatch(answer), "program", given,
            $"answered --version with '{(firstLine.Length > 80 ? firstLine[..80] + "..." : firstLine)}' (exit {exit}), not with a version as the decoding program does ('{own}'); give the decoding program the nodes should run (e.g. a self-contained publish's dist/decoding/decoding)");
        if (answer != own)
            Console.Error.WriteLine($"warning: --program {given} is version {answer}, this program {own}: the scripts hold this version's command lines, which another version may not take; publish this version, or write the scripts with the program the nodes run");
    }

    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What the decoding program prints for --version: its informational version, e.g. 0.1.0+5cdbcf9...</summary>
    [GeneratedRegex(@"^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$")]
    private static partial Regex VersionAnswer();

    /// <summary>Characters a job name prefix may not hold.</summary>
    [GeneratedRegex("[^A-Za-z0-9_-]+")]
    private static partial Regex JobName();
}
