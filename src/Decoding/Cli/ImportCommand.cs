using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Fmri.Core.IO;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Import;
using Fmri.Data.Layouts;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding import FILE</c>: fMRI matrices from a MATLAB (.mat v5/v7/v7.3) or NumPy (.npz/.npy) file into the
/// project's canonical layout (or BData), ready for <c>decoding preprocess</c>. The variables are named by flags
/// (<see cref="FmriMatrixImportOptions"/>); MinD-Vis's GOD files (<c>sbj_N.npz</c>) import as they are.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("file") { Description = "a .mat (v5, v7 or v7.3), .npz or .npy file holding fMRI matrices" };
        var output = new Option<string?>("--out", "-o") { Description = "the fMRI file to write (HDF5)", Required = true };
        var format = new Option<string>("--format") { Description = "what to write: canonical (any stimulus ids) or bdata (numeric ids)", DefaultValueFactory = _ => "canonical" };
        format.AcceptOnlyFromAmong("canonical", "bdata");
        var layout = new Option<string?>("--layout") { Description = $"{MindVisGodImport.LayoutName}: MinD-Vis's GOD sbj_N.npz (arr_0..arr_3 and ROI masks; detected when those arrays are there)" };
        layout.AcceptOnlyFromAmong(MindVisGodImport.LayoutName);
        var train = new Option<string?>("--train") { Description = "variable: training trials x voxels" };
        var test = new Option<string?>("--test") { Description = "variable: test trials x voxels" };
        var fmri = new Option<string?>("--fmri") { Description = "variable: all trials x voxels (with --split instead of --train/--test)" };
        var split = new Option<string?>("--split") { Description = "variable: split of each --fmri row (1 train, 2 test, 3 test imagery; or the words)" };
        var trainLabels = new Option<string?>("--train-labels") { Description = "variable: category label of each training trial (numbers or text)" };
        var testLabels = new Option<string?>("--test-labels") { Description = "variable: category label of each test trial" };
        var labels = new Option<string?>("--labels") { Description = "variable: category label of each --fmri row" };
        var trainIds = new Option<string?>("--train-ids") { Description = "variable: stimulus id of each training trial (default: positions 1..T)" };
        var testIds = new Option<string?>("--test-ids") { Description = "variable: stimulus id of each test trial (default: positions T+1..)" };
        var ids = new Option<string?>("--ids") { Description = "variable: stimulus id of each --fmri row (default: row numbers)" };
        var trainRuns = new Option<string?>("--train-runs") { Description = "variable: run of each training trial (default: 1)" };
        var testRuns = new Option<string?>("--test-runs") { Description = "variable: run of each test trial (default: 1)" };
        var runs = new Option<string?>("--runs") { Description = "variable: run of each --fmri row (default: 1)" };
        var categoryNames = new Option<string?>("--category-names") { Description = "variable: category names in label order (default: the label values)" };
        var voxelsFirst = new Option<bool>("--voxels-first") { Description = "the matrices are voxels x trials" };
        var testRepeats = new Option<int>("--test-repeats") { Description = "presentations averaged into each test row (1: single trials)", DefaultValueFactory = _ => 1 };
        var averagedTest = new Option<bool>("--averaged-test") { Description = $"{MindVisGodImport.LayoutName}: import arr_2 (test averaged over repeats) instead of arr_1 (single trials)" };
        var roiName = new Option<string>("--roi-name") { Description = "name of the ROI holding every imported voxel", DefaultValueFactory = _ => "all" };
        var subject = new Option<string?>("--subject") { Description = "subject id to record (default: the file name)" };

        var command = new Command("import", "Import fMRI matrices from a MATLAB (.mat) or NumPy (.npz/.npy) file into the canonical layout (or BData), for preprocess")
        {
            input, output, format, layout, train, test, fmri, split, trainLabels, testLabels, labels, trainIds, testIds, ids,
            trainRuns, testRuns, runs, categoryNames, voxelsFirst, testRepeats, averagedTest, roiName, subject,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string path = Check.ExistingFile(parse.GetValue(input), "file");
            string outPath = Check.OutputFile(parse.GetValue(output), "out", ".run.json");
            AtomicFile.EnsureNotAnInput(outPath, path);
            var file = ArrayFile.Read(path);
            bool mindVis = parse.GetValue(layout) is not null
                || (MindVisGodImport.Matches(file) && parse.GetValue(train) is null && parse.GetValue(fmri) is null);
            FmriDataset dataset;
            object config;
            if (mindVis)
            {
                dataset = MindVisGodImport.Read(file, parse.GetValue(averagedTest), parse.GetValue(subject));
                config = new { layout = MindVisGodImport.LayoutName, averaged_test = parse.GetValue(averagedTest) };
            }
            else
            {
                var options = new FmriMatrixImportOptions
                {
                    Train = parse.GetValue(train),
                    Test = parse.GetValue(test),
                    Fmri = parse.GetValue(fmri),
                    Split = parse.GetValue(split),
                    TrainLabels = parse.GetValue(trainLabels),
                    TestLabels = parse.GetValue(testLabels),
                    Labels = parse.GetValue(labels),
                    TrainIds = parse.GetValue(trainIds),
                    TestIds = parse.GetValue(testIds),
                    Ids = parse.GetValue(ids),
                    TrainRuns = parse.GetValue(trainRuns),
                    TestRuns = parse.GetValue(testRuns),
                    Runs = parse.GetValue(runs),
                    CategoryNames = parse.GetValue(categoryNames),
                    VoxelsFirst = parse.GetValue(voxelsFirst),
                    TestRepeats = parse.GetValue(testRepeats),
                    RoiName = parse.GetValue(roiName)!,
                    Subject = parse.GetValue(subject),
                };
                dataset = FmriMatrixImport.Read(file, options);
                config = options;
            }
            string written = parse.GetValue(format)!;
            string recordPath = Path.ChangeExtension(outPath, ".run.json");
            AtomicFile.AllOrNone([outPath, recordPath], () =>
            {
                if (written == "bdata") BDataFile.Write(outPath, dataset);
                else CanonicalFile.Write(outPath, dataset, path);
                new RunManifest
                {
                    Command = "import",
                    Arguments = CommandLineApp.Arguments,
                    Config = new { source_format = file.Format, written, import = config },
                    InputSha256 = RunManifest.HashInputs(path),
                    Outputs = [outPath],
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                }.Write(recordPath);
            });
            Console.WriteLine(Summary(dataset, file, outPath, written));
            return 0;
        }));
        return command;
    }

    private static string Summary(FmriDataset dataset, ArrayFile file, string outPath, string written)
    {
        var perSplit = dataset.Splits.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        string categories = dataset.CategoryNames.Count == 0 ? "no category labels"
            : $"{dataset.CategoryNames.Count} categories ({string.Join(", ", dataset.CategoryNames.Take(5))}{(dataset.CategoryNames.Count > 5 ? ", ..." : "")})";
        return string.Create(CultureInfo.InvariantCulture,
            $"imported {dataset.SampleCount} trials ({string.Join(", ", perSplit)}) x {dataset.VoxelCount} voxels, {categories}, {dataset.StimulusIds.Distinct().Count()} stimuli, from {file.Path} ({file.Format}) -> {outPath} ({written})");
    }
}
