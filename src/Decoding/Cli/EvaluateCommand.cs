using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Decoding.Evaluation;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.Reports;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding evaluate</c>: scores decoded test images against their stimuli (n-way top-1 accuracy for every n,
/// 2-way identification in pixel and classifier-feature space, PixCorr, SSIM, per-category breakdown, bootstrap
/// intervals, binomial tests), with the shuffled-fMRI control, the ridge baselines (voxels -> pixels, voxels ->
/// classifier features, and with --ridge-vae voxels -> VAE latent), chance and the published MinD-Vis number as rows;
/// writes metrics.json, report.md and report.html.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var decoded = new Option<string?>("--decoded") { Description = "decode output folder or its decoded.h5" };
        var stimuli = new Option<string?>("--stimuli") { Description = "Stimulus image set (HDF5) holding every decoded stimulus id" };
        var classifier = new Option<string?>("--classifier") { Description = "train-classifier output folder (the scoring network)" };
        var output = new Option<string?>("--out") { Description = "Output folder (metrics.json, report.md, report.html, plots)" };
        var trials = new Option<int>("--trials") { Description = "n-way trials per item (MinD-Vis: 1000)", DefaultValueFactory = _ => 1000 };
        var ways = new Option<string?>("--ways") { Description = "The n of the n-way accuracies: a range 2..10 or a list 2,5,10 (default: 2 to the number of classes)" };
        var control = new Option<string?>("--control") { Description = "decoded.h5 of `decode --shuffle-fmri` (the shuffled-fMRI control)" };
        var ridge = new Option<string?>("--ridge") { Description = "Preprocessed (canonical) fMRI file: fits the ridge baselines voxels -> pixels and voxels -> classifier features on its training split and reads the data's provenance" };
        var ridgeVae = new Option<string?>("--ridge-vae") { Description = "train-adapter or train-ldm output folder: adds the ridge baseline voxels -> VAE latent, decoded by its frozen autoencoder (needs --ridge)" };
        var truth = new Option<string?>("--simulation-truth") { Description = "Simulated data only: the simulator's truth.h5; adds the ceiling row, the pixel ridge fitted and tested on noise-free responses (needs --ridge)" };
        var lossCurves = new Option<string[]>("--loss-curves") { Description = "Folders with training loss curves (loss*.csv / *.png) to show in the report", AllowMultipleArgumentsPerToken = true };
        var seed = CommonOptions.Seed(2022);
        var threads = CommonOptions.Threads();

        var command = new Command("evaluate", "Score decoded images against their stimuli, with controls, baselines and chance; write metrics.json and the reports");
        foreach (var option in new Option[] { decoded, stimuli, classifier, output, trials, ways, control, ridge, ridgeVae, truth, lossCurves, seed, threads })
            command.Options.Add(option);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string decodedPath = Check.Required(parse.GetValue(decoded), "decoded");
            Check.That(File.Exists(decodedPath) || Directory.Exists(decodedPath), "decoded", decodedPath, "not found");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string classifierDir = Check.ExistingFolder(parse.GetValue(classifier), "classifier", "run train-classifier first");
            string outDir = Check.OutputFolder(parse.GetValue(output), "out");
            string? controlFile = parse.GetValue(control) is { } c ? Check.ExistingFile(c, "control") : null;
            string? dataFile = parse.GetValue(ridge) is { } r ? Check.ExistingFile(r, "ridge") : null;
            string? vaeFolder = parse.GetValue(ridgeVae);
            Check.That(vaeFolder is null || dataFile is not null, "ridge_vae", vaeFolder,
                "needs {ridge} <preprocessed.h5>: the VAE-latent ridge baseline is fitted on that file's training split");
            if (vaeFolder is not null) Check.ExistingFolder(vaeFolder, "ridge_vae");
            string? truthFile = parse.GetValue(truth) is { } t ? Check.ExistingFile(t, "simulation_truth") : null;
            Check.That(truthFile is null || dataFile is not null, "simulation_truth", truthFile,
                "needs {ridge} <preprocessed.h5>: the ceiling row uses that file's training and test stimuli");
            var curveFolders = parse.GetValue(lossCurves) ?? [];
            foreach (var folder in curveFolders) Check.ExistingFolder(folder, "loss_curves");
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            int trialCount = Check.AtLeast(parse.GetValue(trials), 1, "trials");
            long seedValue = parse.GetValue(seed);

            var inputs = new EvaluationInputs(decodedPath, stimuliFile, classifierDir, outDir, controlFile, dataFile, curveFolders, vaeFolder, truthFile);
            var waysText = parse.GetValue(ways);
            var settings = waysText is null ? null : new EvaluationSettings(ParseWays(waysText), trialCount, seedValue);
            settings ??= DefaultSettings(classifierDir, trialCount, seedValue);
            var report = EvaluationRun.Run(inputs, settings, started);
            ReportWriter.WriteAll(report, inputs);

            new RunManifest
            {
                Command = "evaluate",
                Arguments = Environment.GetCommandLineArgs().Skip(1).ToArray(),
                Config = new { report.Settings, report.Inputs },
                Seeds = new Dictionary<string, long> { ["seed"] = seedValue },
                InputSha256 = report.InputSha256,
                Outputs = [EvaluationReport.MetricsFile, ReportWriter.MarkdownFile, ReportWriter.HtmlFile],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            Console.Out.Write(ReportWriter.Summary(report));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evaluate: {clock.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return 0;
        }));
        return command;
    }

    /// <summary>Parses `2..10` (inclusive range) or `2,5,10`.</summary>
    public static IReadOnlyList<int> ParseWays(string text)
    {
        try
        {
            if (text.Contains(".."))
            {
                var parts = text.Split("..");
                if (parts.Length != 2) throw new FormatException();
                int from = int.Parse(parts[0], CultureInfo.InvariantCulture), to = int.Parse(parts[1], CultureInfo.InvariantCulture);
                if (to < from) throw new InvalidSettingException("ways", $"'{text}'", "is an empty range");
                return Enumerable.Range(from, to - from + 1).ToArray();
            }
            return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new InvalidSettingException("ways", $"'{text}'", "is neither a range like 2..10 nor a list like 2,5,10");
        }
        catch (OverflowException)
        {
            throw new InvalidSettingException("ways", $"'{text}'", "holds a number out of range");
        }
    }

    private static EvaluationSettings DefaultSettings(string classifierDir, int trials, long seed)
    {
        var (model, description) = new ClassifierFolder(classifierDir).Load();
        model.Dispose();
        return new EvaluationSettings(Enumerable.Range(2, description.Network.ClassCount - 1).ToArray(), trials, seed);
    }
}
