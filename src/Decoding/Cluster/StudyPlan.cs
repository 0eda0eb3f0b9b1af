using System.Globalization;
using Decoding.Decode;
using Decoding.Demo;
using Fmri.Data.Simulation;

namespace Decoding.Cluster;

/// <summary>What <see cref="StudyPlan"/> lays out.</summary>
/// <param name="Folder">The study folder: data/, models/ (shared), sub-01/ ... (per subject), slurm/.</param>
/// <param name="Subjects">Simulated subjects (simulate --subjects): the same stimuli and design, each its own cortex.</param>
/// <param name="Preset">The demo's preset (tiny or small) for every stage's sizes.</param>
/// <param name="Shards">Shards of each decode: the decode array has subjects x routes x shards tasks.</param>
/// <param name="Threads">libtorch threads of every model command (the CPUs each task gets; fixed, so results repeat).</param>
/// <param name="Device">--device of every model command (cuda when the jobs get GPUs), or null for each command's default.</param>
/// <param name="Sweep">An optional grid of decoding settings scored on the validation split.</param>
public sealed record StudyOptions(string Folder, int Subjects, string Preset, long Seed, int Shards, int? Threads, string? Device, SweepGrid? Sweep = null);

/// <summary>
/// A grid of decoding settings, each point chosen from and scored on the validation split of the training trials
/// (<c>decode --select --select-only</c> with a one-point grid), never on the test stimuli.
/// </summary>
/// <param name="Routes">Routes to sweep (img2img and semantic: the routes with settings to choose).</param>
/// <param name="Strengths">img2img strengths (the semantic route has none).</param>
/// <param name="Guidances">Classifier-free guidance scales.</param>
/// <param name="Blends">img2img blends of the low-level image.</param>
public sealed record SweepGrid(IReadOnlyList<string> Routes, IReadOnlyList<double> Strengths, IReadOnlyList<double> Guidances, IReadOnlyList<double> Blends)
{
    /// <summary>The grid's points, each a (route, strength, guidance) with every blend.</summary>
    public IReadOnlyList<(string Route, double Strength, double Guidance)> Points() =>
        Routes.SelectMany(route => (route == "img2img" ? Strengths : [1.0]).SelectMany(strength => Guidances.Select(guidance => (route, strength, guidance)))).ToList();
}

/// <summary>
/// The demo's study (<see cref="DemoPlan"/>: the same commands and sizes) for several simulated subjects, as cluster steps:
/// the image models are trained once and shared; preprocessing, the brain models and evaluation are arrays over subjects;
/// each route's settings are chosen once per subject on its validation split; decoding is one array over subjects x the
/// demo's decode stages (its routes, MinD-Vis's control, the baseline and references) x shards of the test stimuli; a
/// merge array joins each decode's shards once all are done, then each subject is evaluated.
/// </summary>
public static class StudyPlan
{
    /// <summary>The image-model stages of the demo, trained once for every subject (continue-ldm: the LDM's second stage,
    /// in the presets that train it in two).</summary>
    private static readonly string[] SharedImageStages = ["train-classifier", "train-vae", "train-ldm", "continue-ldm"];

    public static IReadOnlyList<ClusterStep> Steps(StudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check.AtLeast(options.Subjects, 1, "subjects");
        Check.AtLeast(options.Shards, 1, "shards");
        string study = Path.GetFullPath(options.Folder);
        int n = options.Subjects;
        // Every route, the semantic one too: the demo leaves it out only for its own time on one machine.
        var shared = DemoPlan.Stages(study, options.Preset, options.Seed, options.Threads, options.Device, allRoutes: true).ToDictionary(s => s.Name);
        var subjects = Enumerable.Range(1, n).Select(k => Subject(study, k, n, options)).ToList();
        var known = new HashSet<string>(["simulate", "preprocess", "preprocess-pool", "inspect", "pretrain-mbm", "train-adapter", "evaluate", .. SharedImageStages]);
        foreach (var stage in subjects[0].Stages.Values.Where(s => !known.Contains(s.Name) && !s.Name.StartsWith("decode-", StringComparison.Ordinal)))
            throw new InvalidOperationException($"the demo's stage '{stage.Name}' has no place in the cluster study (StudyPlan)");

        var simulate = shared["simulate"];
        var ldmStages = new[] { "train-ldm", "continue-ldm" }.Where(shared.ContainsKey).Select(name => shared[name]).ToList();
        string data = Path.Combine(study, "data");
        var steps = new List<ClusterStep>
        {
            new("simulate", $"{n} simulated subjects viewing the same stimuli (one job: they share the design)",
                [new ClusterTask("all subjects", [[.. simulate.Arguments, "--subjects", Text(n)]],
                    [.. Enumerable.Range(1, n).Select(k => Path.Combine(data, SubjectFile(k))),
                     .. Enumerable.Range(1, n).Select(k => Path.Combine(data, SimulatedFiles.PretrainingPoolFileName(k, n))),
                     .. Enumerable.Range(1, n).Select(k => Path.Combine(data, SimulatedFiles.TruthFileName(k, n))), Path.Combine(data, SimulatedFiles.Stimuli)])],
                [], UsesModels: false),
            new("train-image-models", "the scoring classifier and the VAE, trained once for all subjects",
                [Task("classifier", shared["train-classifier"]), Task("vae", shared["train-vae"])], [], UsesModels: true),
            // With the LDM in two stages, one task trains the first (stage B's start) and carries it on to the second.
            new("train-ldm", "the label-conditioned latent diffusion model (every generative route's image prior), trained once"
                    + (ldmStages.Count > 1 ? ", in two stages: the first is MinD-Vis stage B's start, the second the routes' prior" : ""),
                [new ClusterTask("ldm", [.. ldmStages.Select(s => s.Arguments)], [.. ldmStages.SelectMany(s => s.Outputs)])
                    { FreshFolders = [.. ldmStages.Select(s => s.Checkpoint?.Folder)] }],
                ["train-image-models"], UsesModels: true),
            new("preprocess", "per subject: ROI selection, z-scoring with training statistics, test repeats averaged; the subject's unlabelled pretraining pool the same way; then inspect",
                subjects.Select(s => new ClusterTask(s.Name, [s.Stages["preprocess"].Arguments, s.Stages["preprocess-pool"].Arguments, s.Stages["inspect"].Arguments],
                    [.. s.Stages["preprocess"].Outputs, .. s.Stages["preprocess-pool"].Outputs])).ToList(),
                ["simulate"], UsesModels: false),
            new("pretrain-mbm", "per subject: MinD-Vis stage A, masked brain modeling on the training fMRI",
                subjects.Select(s => Task(s.Name, s.Stages["pretrain-mbm"])).ToList(), ["preprocess"], UsesModels: true),
            new("train-adapter", "per subject: MinD-Vis stage B, the fMRI-conditioned LDM",
                subjects.Select(s => Task(s.Name, s.Stages["train-adapter"])).ToList(), ["simulate", "preprocess", "pretrain-mbm", "train-ldm"], UsesModels: true),
        };

        var decodes = subjects.SelectMany(s => s.Stages.Values.Where(d => d.Name.StartsWith("decode-", StringComparison.Ordinal)).Select(d => (Subject: s.Name, Decode: DecodeParts.Of(d)))).ToList();
        var selecting = decodes.Where(d => d.Decode.Selects).ToList();
        if (selecting.Count > 0)
            steps.Add(new("select", "per subject and route: img2img / semantic settings chosen once on the validation split of the training trials (never the test stimuli)",
                selecting.Select(d => new ClusterTask($"{d.Subject} {d.Decode.Route}", [d.Decode.SelectOnly()], [d.Decode.SelectionFile])).ToList(),
                ["simulate", "preprocess", "train-ldm"], UsesModels: true));
        steps.Add(new("decode", $"per subject, route and shard of the test stimuli ({options.Shards} shards): the route's images and, where it has one, its shuffled-fMRI control",
            decodes.SelectMany(d => Enumerable.Range(0, options.Shards).Select(i => DecodeShard.Create(i, options.Shards))
                .Select(shard => new ClusterTask($"{d.Subject} {d.Decode.Label} shard {shard}", [d.Decode.ShardCommand(shard)], d.Decode.ShardOutputs(shard)))).ToList(),
            [.. (selecting.Count > 0 ? new[] { "select" } : []), "simulate", "preprocess", "train-ldm", "train-adapter"], UsesModels: true));
        steps.Add(new("merge", "per subject and route: the shards joined into the decoded.h5, PNGs and grid one process writes",
            decodes.Select(d => new ClusterTask($"{d.Subject} {d.Decode.Label}", d.Decode.MergeCommands(options.Shards), d.Decode.MergedOutputs)).ToList(),
            ["decode"], UsesModels: false));
        steps.Add(new("evaluate", "per subject: every method scored against chance, the controls, baselines and references; the report",
            subjects.Select(s => Task(s.Name, s.Stages["evaluate"])).ToList(),
            ["merge", "train-image-models", "train-ldm", "pretrain-mbm", "train-adapter", "preprocess"], UsesModels: true));
        if (options.Sweep is { } grid) steps.AddRange(SweepSteps(grid, subjects, decodes));
        return steps;
    }

    /// <summary>The sweep: one task per subject and grid point, then a table and plot per subject.</summary>
    private static IEnumerable<ClusterStep> SweepSteps(SweepGrid grid, IReadOnlyList<SubjectPlan> subjects, IReadOnlyList<(string Subject, DecodeParts Decode)> decodes)
    {
        foreach (var route in grid.Routes)
            Check.That(route is "img2img" or "semantic", "sweep_routes", route, "can hold img2img and semantic (the routes with settings chosen on the validation split)");
        var points = grid.Points();
        var tasks = new List<ClusterTask>();
        var tables = new List<ClusterTask>();
        foreach (var subject in subjects)
        {
            var folders = new List<string>();
            foreach (var (route, strength, guidance) in points)
            {
                var decode = decodes.FirstOrDefault(d => d.Subject == subject.Name && d.Decode.Route == route).Decode
                             ?? throw new InvalidSettingException("sweep_routes", route, "is not a route the study decodes");
                string folder = Path.Combine(subject.Folder, "sweep", $"{route}-s{Text(strength)}-g{Text(guidance)}");
                folders.Add(folder);
                tasks.Add(new ClusterTask($"{subject.Name} {route} strength {Text(strength)} guidance {Text(guidance)}",
                    [decode.SweepPoint(folder, strength, guidance, grid.Blends)], [Path.Combine(folder, SelectionFile.FileName)]));
            }
            string table = Path.Combine(subject.Folder, "sweep", "table");
            tables.Add(new ClusterTask(subject.Name, [["sweep-table", "--points", .. folders, "--out", table]], [Path.Combine(table, "sweep.csv")]));
        }
        yield return new ClusterStep("sweep", $"per subject, {points.Count} points of route x strength x guidance (x {grid.Blends.Count} blends), each scored on the validation split",
            tasks, ["simulate", "preprocess", "train-ldm"], UsesModels: true);
        yield return new ClusterStep("sweep-table", "per subject: every sweep point in one comparison table and plot, and the best setting of each route",
            tables, ["sweep"], UsesModels: false);
    }

    private sealed record SubjectPlan(string Name, string Folder, IReadOnlyDictionary<string, DemoStage> Stages);

    /// <summary>Subject k's stages: the demo's, in the subject's folder, reading the shared data and image models.</summary>
    private static SubjectPlan Subject(string study, int k, int subjects, StudyOptions options)
    {
        string name = $"sub-{k:D2}", folder = Path.Combine(study, name);
        var stages = DemoPlan.Stages(folder, options.Preset, options.Seed, options.Threads, options.Device, allRoutes: true);
        var moved = new Dictionary<string, string>
        {
            [Path.Combine(folder, "data", SubjectFile(1))] = Path.Combine(study, "data", SubjectFile(k)),
            [Path.Combine(folder, "data", SimulatedFiles.Stimuli)] = Path.Combine(study, "data", SimulatedFiles.Stimuli),
            [Path.Combine(folder, "data", "truth.h5")] = Path.Combine(study, "data", SimulatedFiles.TruthFileName(k, subjects)),
            [Path.Combine(folder, "data", SimulatedFiles.PretrainingPoolFileName(1, 1))] = Path.Combine(study, "data", SimulatedFiles.PretrainingPoolFileName(k, subjects)),
            [SubjectName(1)] = SubjectName(k),
        };
        // The shared image models' folders (classifier, vae, ldm, and the first LDM stage's when there are two).
        foreach (var stage in stages.Where(s => SharedImageStages.Contains(s.Name)))
            foreach (var output in stage.Outputs)
            {
                string model = Path.GetFileName(Path.GetDirectoryName(output)!);
                moved[Path.Combine(folder, "models", model)] = Path.Combine(study, "models", model);
            }
        string Move(string word) => moved.GetValueOrDefault(word, word);
        return new SubjectPlan(name, folder, stages.ToDictionary(s => s.Name, s => s with
        {
            Arguments = s.Arguments.Select(Move).ToList(),
            Outputs = s.Outputs.Select(Move).ToList(),
        }));
    }

    private static string SubjectName(int k) => SimulatedFiles.SubjectName(k);

    private static string SubjectFile(int k) => SimulatedFiles.BDataFileName(SubjectName(k));

    private static ClusterTask Task(string label, DemoStage stage) => new(label, [stage.Arguments], stage.Outputs) { FreshFolders = [stage.Checkpoint?.Folder] };

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A demo decode stage taken apart: where it writes, its control, whether it selects its settings.</summary>
    /// <param name="Label">The stage's name without "decode-" (the route, or e.g. mindvis-control for a control decoded on its own).</param>
    private sealed record DecodeParts(string Route, IReadOnlyList<string> Arguments, string Out, string? ControlOut, bool Selects, string Label)
    {
        public static DecodeParts Of(DemoStage stage)
        {
            var args = stage.Arguments;
            string Value(string option) => args[args.ToList().IndexOf(option) + 1];
            string? ControlOut() => args.Contains("--control-out") ? Value("--control-out") : null;
            return new DecodeParts(Value("--route"), args, Value("--out"), ControlOut(), args.Contains("--select"), stage.Name["decode-".Length..]);
        }

        public string SelectionFolder => Path.Combine(Out, "selection");

        public string SelectionFile => Path.Combine(SelectionFolder, Decode.SelectionFile.FileName);

        /// <summary>The grid options of --select; each takes several values.</summary>
        private static readonly string[] GridOptions = ["--select-strengths", "--select-guidances", "--select-blends"];

        /// <summary>The fidelity floor of --select (one value each).</summary>
        private static readonly string[] FloorOptions = ["--select-min-pixcorr", "--select-min-ssim"];

        /// <summary>
        /// The arguments with --out replaced, --control-out dropped or replaced, --select (and its floor) dropped, and extra ones added.
        /// A grid option in <paramref name="extra"/> replaces the demo's (a repeated flag would add its values to them).
        /// </summary>
        private List<string> With(string output, string? controlOutput, bool select, IReadOnlyList<string> extra)
        {
            var replaced = GridOptions.Where(extra.Contains).ToHashSet();
            var result = new List<string>();
            for (int i = 0; i < Arguments.Count; i++)
            {
                switch (Arguments[i])
                {
                    case "--out": result.AddRange(["--out", output]); i++; break;
                    case "--control-out": if (controlOutput is not null) result.AddRange(["--control-out", controlOutput]); i++; break;
                    case "--select": if (select) result.Add("--select"); break;
                    case var floor when !select && FloorOptions.Contains(floor): i++; break;   // a floor of --select goes with it
                    case var grid when replaced.Contains(grid):
                        while (i + 1 < Arguments.Count && !Arguments[i + 1].StartsWith("--", StringComparison.Ordinal)) i++;
                        break;
                    default: result.Add(Arguments[i]); break;
                }
            }
            result.AddRange(extra);
            return result;
        }

        public IReadOnlyList<string> SelectOnly() => With(SelectionFolder, null, true, ["--select-only"]);

        public IReadOnlyList<string> SweepPoint(string folder, double strength, double guidance, IReadOnlyList<double> blends) => With(folder, null, true,
            ["--select-only", "--select-strengths", Text(strength), "--select-guidances", Text(guidance), "--select-blends", .. blends.Select(Text)]);

        public IReadOnlyList<string> ShardCommand(DecodeShard shard) => With(ShardFolder(Out, shard), ControlOut is null ? null : ShardFolder(ControlOut, shard), false,
            [.. (Selects ? new[] { "--selection", SelectionFile } : []), "--shard", shard.ToString()]);

        public IReadOnlyList<string> ShardOutputs(DecodeShard shard) =>
            [Path.Combine(ShardFolder(Out, shard), ShardRecord.FileName), .. (ControlOut is null ? [] : new[] { Path.Combine(ShardFolder(ControlOut, shard), ShardRecord.FileName) })];

        public IReadOnlyList<IReadOnlyList<string>> MergeCommands(int shards) =>
            new[] { Out, ControlOut }.OfType<string>().Select(folder => (IReadOnlyList<string>)
                ["merge", "--shards", .. Enumerable.Range(0, shards).Select(i => ShardFolder(folder, DecodeShard.Create(i, shards))), "--out", folder]).ToList();

        public IReadOnlyList<string> MergedOutputs => new[] { Out, ControlOut }.OfType<string>().Select(f => Path.Combine(f, DecodedImagesFile.FileName)).ToList();

        private static string ShardFolder(string output, DecodeShard shard) => Path.Combine(output, "shards", shard.FolderName);
    }
}
