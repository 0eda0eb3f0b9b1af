using System.CommandLine;
using System.Diagnostics;
using Fmri.Core.IO;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Preprocessing;

namespace Decoding.Cli;

/// <summary>`decoding preprocess`: read an fMRI file in any supported layout, preprocess it without train/test leakage, write the canonical layout.</summary>
public static class PreprocessCommand
{
    public static Command Create()
    {
        var input = new Argument<string[]>("input")
        {
            Description = "fMRI file: BData (GOD), NSD betas, or canonical HDF5; several NSD betas files of one subject are read as one data set (its sessions)",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "--output", "-o") { Description = "canonical HDF5 file to write", Required = true };
        var layout = CommonOptions.Layout();
        var roi = new Option<string>("--roi") { Description = "ROI expression: one ROI (VC) or a union (V1+V2+V3); 'all' keeps every voxel", DefaultValueFactory = _ => "VC" };
        var zscore = new Option<ZScoreMode>("--zscore") { Description = "voxel-wise z-scoring with training statistics: PerRun, PerSession or None", DefaultValueFactory = _ => ZScoreMode.PerRun };
        var testStats = new Option<TestRunStatistics>("--test-run-stats") { Description = "test samples: TrainingPooled (training statistics, no leakage) or OwnRun (each test run by its own statistics; transductive, recorded)", DefaultValueFactory = _ => TestRunStatistics.TrainingPooled };
        var detrend = new Option<bool>("--detrend") { Description = "remove a linear trend per run before z-scoring" };
        var noAverage = new Option<bool>("--no-average-test") { Description = "keep single test trials instead of averaging repeats per stimulus" };
        var averageTrain = new Option<bool>("--average-train") { Description = "also average repeated training presentations" };
        var patch = new Option<int>("--patch-size") { Description = "pad the voxel axis to a multiple of this (the brain autoencoder's patch size); 1 = no padding", DefaultValueFactory = _ => 16 };
        var testIds = new Option<string?>("--test-ids") { Description = "text file of test stimulus ids (one per line); default: the split stored in the file" };
        var allowShared = new Option<bool>("--allow-shared-stimuli") { Description = "allow a stimulus in both train and test (recorded in provenance)" };
        var imagery = new Option<bool>("--include-imagery") { Description = "keep imagery samples (BData DataType 3)" };
        var (mask, design) = CommonOptions.Nsd();
        var nsdSubject = CommonOptions.NsdSubject();
        var nsdSession = CommonOptions.NsdSession();
        var subject = new Option<string?>("--subject") { Description = "subject id to record (default: from the file)" };

        var command = new Command("preprocess", "ROI selection, non-finite voxel removal, detrending, z-scoring with training statistics, repeat averaging, padding; writes the canonical layout and a summary")
        {
            input, output, layout, roi, zscore, testStats, detrend, noAverage, averageTrain, patch, testIds, allowShared, imagery, mask, design, nsdSubject, nsdSession, subject,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var inPaths = CommonOptions.ExistingFiles(parse.GetValue(input), "input");
            string inPath = inPaths[0];
            string outPath = Check.OutputFile(parse.GetValue(output), "out", ".summary.txt", ".run.json");
            string? idsPath = parse.GetValue(testIds) is { } ids ? Check.ExistingFile(ids, "test_ids") : null;
            AtomicFile.EnsureNotAnInput(outPath, [.. inPaths, .. new[] { parse.GetValue(mask), parse.GetValue(design), idsPath }.OfType<string>()]);
            var options = new PreprocessingOptions
            {
                Roi = parse.GetValue(roi)!,
                ZScore = parse.GetValue(zscore),
                TestRunStatistics = parse.GetValue(testStats),
                Detrend = parse.GetValue(detrend),
                AverageTestRepeats = !parse.GetValue(noAverage),
                AverageTrainRepeats = parse.GetValue(averageTrain),
                PatchSize = parse.GetValue(patch),
                AllowSharedStimuli = parse.GetValue(allowShared),
                IncludeImagery = parse.GetValue(imagery),
                TestStimulusIds = idsPath is null ? null : ReadIds(idsPath),
            };
            options.Validate();

            string reading = inPaths.Count == 1 ? Path.GetFileName(inPath) : $"{inPaths.Count} files";
            var raw = ConsoleProgress.Run($"read {reading}", 1.0, p => FmriFileReader.Read(inPaths, new FmriReadOptions
            {
                Layout = CommonOptions.ParseLayout(parse.GetValue(layout)),
                Subject = parse.GetValue(subject),
                NsdMaskPath = parse.GetValue(mask),
                NsdDesignPath = parse.GetValue(design),
                NsdSubject = parse.GetValue(nsdSubject),
                NsdSessions = parse.GetValue(nsdSession) is { Length: > 0 } sessions ? sessions : null,
                Progress = new Progress<double>(f => p.Report(new ProgressUpdate(f))),
            }));
            // Errors and the summary name every input (an NSD subject's sessions are read as one data set).
            string source = string.Join(", ", inPaths);
            var result = ConsoleProgress.Run("preprocess", 1.0, p => Preprocessor.Run(raw, options, source, new Progress<double>(f => p.Report(new ProgressUpdate(f)))));

            var inputs = new List<string>(inPaths);
            if (parse.GetValue(mask) is { } m) inputs.Add(m);
            if (parse.GetValue(design) is { } d) inputs.Add(d);
            if (idsPath is not null) inputs.Add(idsPath);
            string summaryPath = Path.ChangeExtension(outPath, ".summary.txt");
            string recordPath = Path.ChangeExtension(outPath, ".run.json");
            AtomicFile.AllOrNone([outPath, summaryPath, recordPath], () =>
            {
                CanonicalFile.Write(outPath, result.Dataset, [.. inputs]);
                AtomicFile.WriteAllText(summaryPath, result.Report.Summary + "\n", [.. inputs]);
                new RunManifest
                {
                    Command = "preprocess",
                    Arguments = CommandLineApp.Arguments,
                    Config = new
                    {
                        preprocessing = options,
                        reading = new { inputs = inPaths, layout = parse.GetValue(layout), subject = parse.GetValue(subject), nsd_subject = parse.GetValue(nsdSubject), nsd_sessions = parse.GetValue(nsdSession), mask = parse.GetValue(mask), design = parse.GetValue(design) },
                    },
                    InputSha256 = RunManifest.HashInputs([.. inputs]),
                    Outputs = [outPath, summaryPath],
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                }.Write(recordPath);
            });
            Console.WriteLine(result.Report.Summary);
            Console.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length / 1024.0:F0} KiB) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }, new Dictionary<string, string>
        {
            ["test_stimuli"] = "--test-ids",
            ["test_run_statistics"] = "--test-run-stats",
        }));
        return command;
    }

    private static StimulusId[] ReadIds(string path)
    {
        var ids = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => new StimulusId(l)).ToArray();
        if (ids.Length == 0) throw new Fmri.Core.DataFormatException(path, "test ids", "lists no stimulus id");
        return ids;
    }
}
