using System.CommandLine;
using System.Diagnostics;
using Fmri.Core.IO;
using Fmri.Core.Runs;
using Fmri.Data.Import;
using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding stimuli import SOURCE</c>: writes the project's stimulus file (see <see cref="StimulusImageFile"/>), the
/// one file every later command reads images from, from a folder of PNG/JPEG images (with an optional CSV of
/// file, stimulus_id, category), a MATLAB (.mat) or NumPy (.npz/.npy) file of image arrays, or MinD-Vis's GOD
/// <c>images_256.npz</c>. Ids and labels follow the same rules as <c>decoding import</c>, so the images of a file
/// match its trials.
/// </summary>
public static class StimuliCommand
{
    public static Command Create()
    {
        var command = new Command("stimuli", "The stimulus file (images, stimulus ids, categories) that training, decoding and evaluation read");
        command.Subcommands.Add(CreateImport());
        return command;
    }

    private static Command CreateImport()
    {
        var source = new Argument<string>("source") { Description = "a folder of PNG/JPEG images, or a .mat (v5, v7, v7.3), .npz or .npy file of image arrays" };
        var output = new Option<string?>("--out", "-o") { Description = "the stimulus file to write (HDF5)", Required = true };
        var csv = new Option<string?>("--csv") { Description = "folder: a CSV with a header naming the columns file, stimulus_id, category (one row per image)" };
        var imageSize = new Option<int?>("--image-size") { Description = "bring every image to N x N by --geometry (needed for a folder whose images differ in size); default: keep their size" };
        var geometry = new Option<string>("--geometry") { Description = "with --image-size: pad (centre on black, shrink larger images keeping their aspect) or resize (centred square crop, resampled); recorded in the file", DefaultValueFactory = _ => ImageGeometries.PadName };
        geometry.AcceptOnlyFromAmong(ImageGeometries.PadName, ImageGeometries.ResizeName);
        var channels = new Option<int?>("--channels") { Description = "folder: 1 (greyscale) or 3 (RGB); default: 1 when every pixel is grey" };
        var layout = new Option<string?>("--layout") { Description = $"{MindVisGodImport.LayoutName}: MinD-Vis's GOD images_256.npz (train_images, test_images; detected when both are there)" };
        layout.AcceptOnlyFromAmong(MindVisGodImport.LayoutName);
        var train = new Option<string?>("--train") { Description = "variable: training images (N x H x W [x C], or the image axis last)" };
        var test = new Option<string?>("--test") { Description = "variable: test images" };
        var images = new Option<string?>("--images") { Description = "variable: all images (instead of --train/--test)" };
        var trainLabels = new Option<string?>("--train-labels") { Description = "variable: category of each training image" };
        var testLabels = new Option<string?>("--test-labels") { Description = "variable: category of each test image" };
        var labels = new Option<string?>("--labels") { Description = "variable: category of each --images image" };
        var trainIds = new Option<string?>("--train-ids") { Description = "variable: stimulus id of each training image (default: positions 1..T)" };
        var testIds = new Option<string?>("--test-ids") { Description = "variable: stimulus id of each test image (default: positions T+1..)" };
        var ids = new Option<string?>("--ids") { Description = "variable: stimulus id of each --images image (default: positions)" };
        var categoryNames = new Option<string?>("--category-names") { Description = "variable: category names in label order (default: the label values)" };
        var data = new Option<string?>("--data") { Description = "NSD (nsd_stimuli.hdf5): the fMRI file whose stimuli to read; only those images are read from imgBrick" };
        var imageAxis = new Option<string?>("--image-axis") { Description = "where the image axis is: first (N x H x W) or last (H x W x N); default: inferred" };
        imageAxis.AcceptOnlyFromAmong("first", "last");

        var command = new Command("import", "Write the stimulus file from a folder of PNG/JPEG (+ optional CSV), a .mat or .npz/.npy file of images")
        {
            source, output, csv, imageSize, geometry, channels, layout, train, test, images, trainLabels, testLabels, labels, trainIds, testIds, ids, categoryNames, imageAxis, data,
        };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            string from = Check.Required(parse.GetValue(source), "source");
            string outPath = Check.OutputFile(parse.GetValue(output), "out", ".run.json");
            string? csvPath = parse.GetValue(csv);
            var inputs = new List<string>();
            var partialInputs = new Dictionary<string, string>();
            var rule = ImageGeometries.Parse(parse.GetValue(geometry));
            int? size = parse.GetValue(imageSize);
            if (size is int requested) Check.AtLeast(requested, 1, "image_size");
            StimulusImageSet set;
            string pixels;
            if (Directory.Exists(from))
            {
                if (csvPath is not null) Check.ExistingFile(csvPath, "csv");
                set = StimulusFolderImport.Read(from, csvPath, size, rule, parse.GetValue(channels));
                pixels = "PNG/JPEG decoded by ImageSharp" + (size is int s ? $", each brought to {s}x{s} by {ImageGeometries.Name(rule)}" : "");
                inputs.AddRange(Directory.GetFiles(from, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
                if (csvPath is not null) inputs.Add(csvPath);
            }
            else if (File.Exists(from) && !ArrayFile.IsArrayFile(from) && NsdStimulusImport.Matches(from))
            {
                string fmriPath = Check.ExistingFile(parse.GetValue(data) ?? throw new InvalidSettingException("data", null,
                    $"is required with {from}: the fMRI file (e.g. the preprocessed NSD session) whose stimuli to read; the brick holds {NsdStimulusImport.ImageCount(from):N0} images"), "data");
                if (Fmri.Data.Layouts.LayoutDetector.Detect(fmriPath) == Fmri.Data.Layouts.FmriLayout.Nsd)
                    throw new InvalidSettingException("data", fmriPath, "is an NSD betas file; give the file 'decoding preprocess' wrote from it (its trials carry the image ids)");
                var fmriData = Fmri.Data.Layouts.FmriFileReader.Read(fmriPath, new Fmri.Data.Layouts.FmriReadOptions { HashSource = false });
                var wanted = fmriData.StimulusIds.Distinct().ToList();
                using var readBytes = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
                set = ConsoleProgress.Run("reading NSD images", 1.0, p => NsdStimulusImport.Read(from, wanted, size, rule,
                    new Progress<double>(f => p.Report(new ProgressUpdate(f))), readBytes));
                pixels = $"{wanted.Count} images of {from} read one by one (the stimuli of {fmriPath})";
                // The brick is recorded by the bytes read from it: hashing all 40 GB would read all of it.
                partialInputs[$"{from} (the {wanted.Count} images read, in stimulus order)"] = Convert.ToHexStringLower(readBytes.GetHashAndReset());
                inputs.Add(fmriPath);
            }
            else
            {
                Check.ExistingFile(from, "source");
                if (csvPath is not null) throw new InvalidSettingException("csv", csvPath, "applies to a folder of images; {source} is a file");
                if (!ArrayFile.IsArrayFile(from) && NsdStimulusImport.RootWithoutBrick(from) is { } root)
                    throw new DataFormatException(from, NsdStimulusImport.BrickPath,
                        $"is missing: an HDF5 source is read as NSD's nsd_stimuli.hdf5 (/imgBrick, images x 425 x 425 x 3 uint8); this file holds {root}");
                var file = ArrayFile.Read(from);
                bool mindVis = parse.GetValue(layout) is not null
                    || (file.Has("train_images") && file.Has("test_images") && parse.GetValue(train) is null && parse.GetValue(images) is null);
                (set, pixels) = mindVis ? StimulusArrayImport.ReadMindVisGod(file) : StimulusArrayImport.Read(file, new StimulusArrayImportOptions
                {
                    Train = parse.GetValue(train),
                    Test = parse.GetValue(test),
                    Images = parse.GetValue(images),
                    TrainLabels = parse.GetValue(trainLabels),
                    TestLabels = parse.GetValue(testLabels),
                    Labels = parse.GetValue(labels),
                    TrainIds = parse.GetValue(trainIds),
                    TestIds = parse.GetValue(testIds),
                    Ids = parse.GetValue(ids),
                    CategoryNames = parse.GetValue(categoryNames),
                    ImageAxis = parse.GetValue(imageAxis),
                });
                inputs.Add(from);
            }
            string? geometryNote = null;
            if (size is int target && (set.Height != target || set.Width != target))
            {
                geometryNote = ImageGeometries.Describe(set.Height, set.Width, target, rule);
                set = ImageGeometries.Apply(set, target, rule);
            }
            else if (size is int target2 && (Directory.Exists(from) || NsdStimulusImport.Matches(from))) geometryNote = $"each image brought to {target2}x{target2} by {ImageGeometries.Name(rule)}";
            AtomicFile.EnsureNotAnInput(outPath, [.. inputs, from]);
            string recordPath = Path.ChangeExtension(outPath, ".run.json");
            AtomicFile.AllOrNone([outPath, recordPath], () =>
            {
                StimulusImageFile.Write(set, outPath, geometry: geometryNote);
                new RunManifest
                {
                    Command = "stimuli import",
                    Arguments = CommandLineApp.Arguments,
                    Config = new { source = from, csv = csvPath, pixels, geometry = geometryNote, count = set.Count, height = set.Height, width = set.Width, channels = set.Channels, categories = set.CategoryNames },
                    InputSha256 = RunManifest.HashInputs([.. inputs]).Concat(partialInputs).ToDictionary(),
                    Outputs = [outPath],
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                }.Write(recordPath);
            });
            string categories = set.CategoryNames.Count == 0 ? "no categories" : $"{set.CategoryNames.Count} categories ({string.Join(", ", set.CategoryNames.Take(5))}{(set.CategoryNames.Count > 5 ? ", ..." : "")})";
            Console.WriteLine($"wrote {set.Count} images of {set.Height}x{set.Width}x{set.Channels} ({pixels}{(geometryNote is null ? "" : "; " + geometryNote)}), {categories}, ids {set.StimulusIds[0]} ... {set.StimulusIds[^1]} -> {outPath}");
            return 0;
        }));
        return command;
    }
}
