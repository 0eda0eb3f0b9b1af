using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Decoding.Decode;
using Decoding.Evaluation;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.Reports;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding evaluate</c>: scores every method's decoded test images against their stimuli (n-way top-1 accuracy for
/// every n, 2-way identification in pixels and in the scoring classifier's features in both directions, PixCorr and
/// SSIM at the stimuli's native geometry, per-category breakdowns), each with bootstrap intervals over stimuli and
/// stimulus-level tests; the methods are the decoded.h5 files given (routes, their controls, baselines, references);
/// with --data, the feature-ridge reference row; chance and the published MinD-Vis number. Writes metrics.json,
/// report.md and report.html.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var decoded = CommonOptions.Files("--decoded", "decode output folders or their decoded.h5, one per method (routes, controls, baselines, references)", required: true);
        var stimuli = new Option<string?>("--stimuli") { Description = "Stimulus image set (HDF5) holding every decoded stimulus id", Required = true };
        var classifier = new Option<string?>("--classifier") { Description = "train-classifier output folder (the scoring network)", Required = true };
        var output = new Option<string?>("--out") { Description = "Output folder (metrics.json, report.md, report.html, figures)", Required = true };
        var ways = new Option<string[]>("--ways")
        {
            Description = "The n of the n-way accuracies: a range 2..10 or numbers 2 5 10 (several: separated by spaces, or the flag repeated; default: 2 to the number of classes)",
            AllowMultipleArgumentsPerToken = true,
        };
        var data = new Option<string?>("--data") { Description = "Preprocessed (canonical) fMRI file: the data's provenance, and the reference row ridge voxels -> scoring-classifier features" };
        var lossCurves = CommonOptions.Files("--loss-curves", "Folders with training loss curves (*loss*.csv / .png) to show in the report");
        var permutations = new Option<int>("--permutations") { Description = "Random re-pairings of items and stimuli per null range", DefaultValueFactory = _ => Metrics.StimulusLevelTest.DefaultPermutations };
        var chooseMinPixCorr = new Option<double?>("--choose-min-pixcorr") { Description = "The validation PixCorr a route must keep to be chosen on validation (default: none)" };
        var chooseMinSsim = new Option<double?>("--choose-min-ssim") { Description = "The validation SSIM a route must keep to be chosen on validation (default: none)" };
        var seed = CommonOptions.Seed(2022);
        var threads = CommonOptions.Threads();

        var command = new Command("evaluate", "Score every method's decoded images against their stimuli, with controls, baselines, references and chance; write metrics.json and the reports");
        foreach (var option in new Option[] { decoded, stimuli, classifier, output, ways, data, lossCurves, permutations, chooseMinPixCorr, chooseMinSsim, seed, threads })
            command.Options.Add(option);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: false);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var decodedPaths = parse.GetValue(decoded) is { Length: > 0 } d ? d : throw new InvalidSettingException("decoded", null, "is required (one or more decoded.h5 or decode folders)");
            foreach (var path in decodedPaths) Check.That(File.Exists(path) || Directory.Exists(path), "decoded", path, "not found");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string classifierDir = Check.ExistingFolder(parse.GetValue(classifier), "classifier", "run train-classifier first");
            string? dataFile = parse.GetValue(data) is { } r ? Check.ExistingFile(r, "data") : null;
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", "evaluate", [.. decodedPaths.Select(p => ((string?)p, "decoded")), (stimuliFile, "stimuli"), (classifierDir, "classifier"), (dataFile, "data")]);
            var curveFolders = parse.GetValue(lossCurves) ?? [];
            foreach (var folder in curveFolders) Check.ExistingFolder(folder, "loss_curves");
            int permutationCount = Check.AtLeast(parse.GetValue(permutations), 1, "permutations");
            double? minPixCorr = parse.GetValue(chooseMinPixCorr) is { } mp ? Check.InRange(mp, -1, 1, "choose_min_pixcorr") : null;
            double? minSsim = parse.GetValue(chooseMinSsim) is { } ms ? Check.InRange(ms, -1, 1, "choose_min_ssim") : null;
            var routeFloor = minPixCorr is null && minSsim is null ? null
                : new FidelityFloor(minPixCorr ?? -1, minSsim ?? -1, "asked for with --choose-min-pixcorr and --choose-min-ssim");
            torchOptions.Apply(parse);
            long seedValue = parse.GetValue(seed);

            var inputs = new EvaluationInputs(decodedPaths, stimuliFile, classifierDir, outDir, dataFile, curveFolders);
            var waysText = parse.GetValue(ways);
            var settings = waysText is null || waysText.Length == 0 ? null : new EvaluationSettings(ParseWays(waysText), seedValue, Permutations: permutationCount);
            settings ??= DefaultSettings(classifierDir, seedValue, permutationCount);
            settings = settings with { RouteFloor = routeFloor };
            var report = EvaluationRun.Run(inputs, settings, started);
            ReportWriter.WriteAll(report, inputs);

            new RunManifest
            {
                Command = "evaluate",
                Arguments = CommandLineApp.Arguments,
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

    /// <summary>Parses the values of <c>--ways</c>: each a number (<c>5</c>) or an inclusive range (<c>2..10</c>).</summary>
    public static IReadOnlyList<int> ParseWays(IReadOnlyList<string> values)
    {
        var ways = new List<int>();
        foreach (string text in values)
        {
            if (text.Contains(','))
                throw new InvalidSettingException("ways", $"'{text}'", $"separate several values by spaces: --ways {text.Replace(',', ' ')}");
            try
            {
                if (text.Contains(".."))
                {
                    var parts = text.Split("..");
                    if (parts.Length != 2) throw new FormatException();
                    int from = int.Parse(parts[0], CultureInfo.InvariantCulture), to = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    if (to < from) throw new InvalidSettingException("ways", $"'{text}'", "is an empty range");
                    ways.AddRange(Enumerable.Range(from, to - from + 1));
                }
                else ways.Add(int.Parse(text, CultureInfo.InvariantCulture));
            }
            catch (FormatException)
            {
                throw new InvalidSettingException("ways", $"'{text}'", "is neither a number like 5 nor a range like 2..10");
            }
            catch (OverflowException)
            {
                throw new InvalidSettingException("ways", $"'{text}'", "holds a number out of range");
            }
        }
        return ways.Distinct().Order().ToArray();
    }

    private static EvaluationSettings DefaultSettings(string classifierDir, long seed, int permutations)
    {
        var (model, description) = new ClassifierFolder(classifierDir).Load();
        model.Dispose();
        return new EvaluationSettings(Enumerable.Range(2, description.Network.ClassCount - 1).ToArray(), seed, Permutations: permutations);
    }
}
