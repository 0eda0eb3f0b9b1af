using System.Globalization;
using System.Text;
using Fmri.Data.Import;

namespace Fmri.Data.Layouts;

/// <summary>
/// What a person wants to know first about their own fMRI file (<c>decoding inspect</c>): its layout, the HDF5
/// objects with shapes and dtypes (or a MAT-file's variables), ROIs with voxel counts, samples per split and per run,
/// presentations per stimulus, value ranges and NaN counts, provenance. An NSD betas file without its mask and design
/// is described as it stands, with what reading it into samples needs. Plain text.
/// </summary>
public static class FmriFileSummary
{
    /// <summary>The report for <paramref name="path"/>: reads the file with <paramref name="options"/> (their
    /// <see cref="FmriReadOptions.Progress"/> hears how far reading NSD trials has come) and summarises it.</summary>
    public static string Describe(string path, FmriReadOptions options)
    {
        // A NumPy export is read by `decoding import`, not as an fMRI layout: list what it holds, as for a MAT-file.
        if (options.Layout is null && !NiftiHeader.IsNiftiName(path) && ArrayFile.IsNumPy(path)) return DescribeArrays(path);
        var detected = options.Layout ?? LayoutDetector.Detect(path);
        if (detected == FmriLayout.Nsd && (options.NsdMaskPath is null || options.NsdDesignPath is null)) return DescribeBareBetas(path);
        // A BData saved by MATLAB is listed by its variables (a v5/v7 MAT-file is not HDF5 at all).
        bool mat = !NiftiHeader.IsNiftiName(path) && MatV5File.HasLevel5Header(path, out _);
        IReadOnlyList<Hdf5Entry> listing = NiftiHeader.IsNiftiName(path) || mat ? [] : Hdf5Listing.List(path);
        FmriDataset dataset = FmriFileReader.Read(path, options with { Layout = detected });

        var text = new StringBuilder();
        var size = new FileInfo(path).Length;
        Line(text, "file", $"{path} ({Megabytes(size)})");
        Line(text, "layout", $"{detected.ToString().ToLowerInvariant()}{(options.Layout is null ? " (detected)" : "")}");
        if (options.Roi is not null) Line(text, "roi", $"{options.Roi} ({dataset.VoxelCount} voxels read)");

        if (listing.Count > 0)
        {
            text.AppendLine().AppendLine("HDF5 contents");
            AppendListing(text, listing);
        }
        if (mat) AppendVariables(text, ArrayFile.Read(path));

        text.AppendLine().AppendLine("Data set");
        Line(text, "subject", dataset.Subject.Length == 0 ? "(not recorded)" : dataset.Subject);
        Line(text, "samples x voxels", $"{dataset.SampleCount} x {dataset.VoxelCount}{(dataset.PaddingVoxels > 0 ? $" (last {dataset.PaddingVoxels} are padding)" : "")}");
        AppendValues(text, dataset);

        text.AppendLine().AppendLine("ROIs (voxels)");
        if (dataset.Rois.Count == 0) text.AppendLine("  (none)");
        foreach (var (name, members) in dataset.Rois.OrderByDescending(r => r.Value.Length).ThenBy(r => r.Key, StringComparer.Ordinal))
            text.AppendLine(Invariant($"  {name,-12} {members.Length,7}"));

        text.AppendLine().AppendLine("Samples per split");
        text.AppendLine(Invariant($"  {"split",-13} {"samples",7} {"stimuli",7} {"runs",5}   {"samples per stimulus",-22} presentations per stimulus"));
        text.AppendLine(Invariant($"  {"",-13} {"",7} {"",7} {"",5}   {"(min / median / max)",-22} (min / median / max)"));
        foreach (var split in Enum.GetValues<DataSplit>())
        {
            var indices = dataset.IndicesOf(split);
            if (indices.Length == 0) continue;
            var perStimulus = indices.GroupBy(i => dataset.StimulusIds[i]).ToList();
            var samplesPer = perStimulus.Select(g => g.Count()).ToArray();
            var presentationsPer = perStimulus.Select(g => g.Sum(i => dataset.RepeatCounts[i])).ToArray();
            int runCount = indices.Select(i => dataset.Runs[i]).Distinct().Count();
            text.AppendLine(Invariant($"  {SplitName(split),-13} {indices.Length,7} {perStimulus.Count,7} {runCount,5}   {MinMedianMax(samplesPer),-22} {MinMedianMax(presentationsPer)}"));
        }

        text.AppendLine().AppendLine("Samples per run");
        var runs = dataset.Runs.GroupBy(r => r).OrderBy(g => g.Key).Select(g => Invariant($"{g.Key}:{g.Count()}")).ToList();
        for (int i = 0; i < runs.Count; i += 12) text.Append("  ").AppendLine(string.Join("  ", runs.Skip(i).Take(12)));

        text.AppendLine().AppendLine("Categories");
        int labelled = dataset.CategoryLabels.Count(c => c >= 0);
        int distinct = dataset.CategoryLabels.Where(c => c >= 0).Distinct().Count();
        text.AppendLine(labelled == 0
            ? "  (no category labels)"
            : Invariant($"  {distinct} categories on {labelled} samples; {dataset.CategoryNames.Count} names{(dataset.CategoryNames.Count > 0 ? $" (e.g. {string.Join(", ", dataset.CategoryNames.Take(3))})" : "")}"));

        var provenance = dataset.Provenance;
        text.AppendLine().AppendLine("Provenance");
        Line(text, "source", $"{provenance.SourceFile} ({provenance.SourceLayout})");
        if (provenance.SourceSha256.Length > 0) Line(text, "sha256", provenance.SourceSha256);
        Line(text, "steps", provenance.Steps.Count == 0 ? "(none)" : string.Join(" -> ", provenance.Steps));
        return text.ToString();
    }

    /// <summary>A NumPy .npy/.npz export: its arrays with shapes and dtypes, and what reads it.</summary>
    private static string DescribeArrays(string path)
    {
        var arrays = ArrayFile.Read(path);
        var text = new StringBuilder();
        Line(text, "file", $"{path} ({Megabytes(new FileInfo(path).Length)})");
        Line(text, "layout", $"{arrays.Format}: not an fMRI layout read directly; 'decoding import' makes the project's fMRI file of it (README, Bring your own data)");
        AppendVariables(text, arrays);
        return text.ToString();
    }

    /// <summary>An array file's variables (shapes, dtypes), the ones that cannot be read with their reasons.</summary>
    private static void AppendVariables(StringBuilder text, ArrayFile arrays)
    {
        text.AppendLine().AppendLine($"{arrays.Format} variables");
        foreach (var v in arrays.Variables) text.AppendLine($"  {v.Describe()}");
        foreach (var v in arrays.Unreadable) text.AppendLine($"  {v.Describe()}");
    }

    /// <summary>
    /// An NSD betas file on its own (no mask, no design): trials, volume, dtype, scale, chunking, the first trial's range,
    /// and what reading it into samples will need.
    /// </summary>
    private static string DescribeBareBetas(string path)
    {
        var d = NsdBetasFile.Describe(path);
        var text = new StringBuilder();
        Line(text, "file", $"{path} ({Megabytes(new FileInfo(path).Length)})");
        bool nifti = NiftiHeader.IsNiftiName(path);
        Line(text, "layout", nifti ? "nsd (NSD single-trial betas, NIfTI-1 4-D: X x Y x Z x trials)" : "nsd (NSD single-trial betas, HDF5 /betas: trials x Z x Y x X)");
        if (!nifti)
        {
            text.AppendLine().AppendLine("HDF5 contents");
            AppendListing(text, Hdf5Listing.List(path));
        }
        text.AppendLine().AppendLine("Betas");
        Line(text, "trials", Invariant($"{d.Trials}"));
        Line(text, "volume", Invariant($"{d.Grid.X} x {d.Grid.Y} x {d.Grid.Z} voxels (X x Y x Z): {d.Grid.Count} per trial"));
        Line(text, "dtype", $"{d.DataType}; value / {NsdBetasFile.UnitsPerPercent:G} = percent signal change");
        Line(text, "storage", d.Storage);
        Line(text, "first trial", Invariant($"min {d.FirstTrial.Min:G4} %, max {d.FirstTrial.Max:G4} %, mean {d.FirstTrial.Mean:G4} % (voxels outside the brain included)"));
        int? subject = NsdExpDesign.SubjectFromPath(path);
        int? session = NsdBetasFile.SessionOf(path);
        text.AppendLine().AppendLine("To read it as samples");
        text.AppendLine(Invariant($"  --mask      a brain mask on this {d.Grid.X} x {d.Grid.Y} x {d.Grid.Z} grid (e.g. nsdgeneral.nii.gz of the same subject and resolution)"));
        text.AppendLine("  --design    nsd_expdesign.mat (trial -> image: masterordering, subjectim, sharedix; shared images are the test split)");
        text.AppendLine(subject is int s
            ? Invariant($"  subject     {s} (from the path; --nsd-subject overrides)")
            : "  --nsd-subject N   the subject 1-8 (no subjNN folder in the path)");
        text.AppendLine(session is int k
            ? Invariant($"  session     {k} (from the name; --nsd-session overrides)")
            : "  --nsd-session N   the session (no betas_sessionNN or ses-NN in the name): it decides which trials of the design the file holds");
        string sessionOption = session is null ? " --nsd-session N" : "";
        text.AppendLine(Invariant($"  e.g. decoding preprocess {path} --mask nsdgeneral.nii.gz --design nsd_expdesign.mat{sessionOption} --roi all -o preprocessed.h5"));
        return text.ToString();
    }

    /// <summary>Range, mean and SD of the non-NaN values; NaN counts; voxels constant across samples.</summary>
    private static void AppendValues(StringBuilder text, FmriDataset dataset)
    {
        int samples = dataset.SampleCount, voxels = dataset.VoxelCount;
        double sum = 0, sumSquares = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        long finite = 0, nan = 0;
        var voxelHasNan = new bool[voxels];
        var voxelMin = Enumerable.Repeat(float.PositiveInfinity, voxels).ToArray();
        var voxelMax = Enumerable.Repeat(float.NegativeInfinity, voxels).ToArray();
        int samplesWithNan = 0;
        for (int s = 0; s < samples; s++)
        {
            var row = dataset.Sample(s);
            bool rowNan = false;
            for (int v = 0; v < voxels; v++)
            {
                float x = row[v];
                if (float.IsNaN(x)) { nan++; voxelHasNan[v] = true; rowNan = true; continue; }
                finite++;
                sum += x;
                sumSquares += (double)x * x;
                if (x < min) min = x;
                if (x > max) max = x;
                if (x < voxelMin[v]) voxelMin[v] = x;
                if (x > voxelMax[v]) voxelMax[v] = x;
            }
            if (rowNan) samplesWithNan++;
        }
        double mean = finite > 0 ? sum / finite : double.NaN;
        double sd = finite > 1 ? Math.Sqrt(Math.Max(0, (sumSquares - finite * mean * mean) / (finite - 1))) : double.NaN;
        Line(text, "values", Invariant($"min {min:G4}, max {max:G4}, mean {mean:G4}, sd {sd:G4}"));
        Line(text, "NaN", nan == 0 ? "none" : Invariant($"{nan} value(s), in {voxelHasNan.Count(b => b)} voxel(s) and {samplesWithNan} sample(s)"));
        int constant = Enumerable.Range(0, voxels).Count(v => voxelMin[v] == voxelMax[v]);
        if (constant > 0) Line(text, "constant voxels", Invariant($"{constant} (same value in every sample, e.g. padding)"));
    }

    private static string SplitName(DataSplit split) => split switch
    {
        DataSplit.Train => "train",
        DataSplit.Test => "test",
        _ => "test imagery",
    };

    private static string MinMedianMax(int[] values)
    {
        if (values.Length == 0) return "-";
        var sorted = values.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0;
        return Invariant($"{sorted[0]} / {median:G} / {sorted[^1]}");
    }

    private static string Megabytes(long bytes) => bytes < 1_000_000 ? Invariant($"{bytes / 1e3:F1} kB") : Invariant($"{bytes / 1e6:F1} MB");

    /// <summary>The HDF5 objects as a table: path, shape, dtype, chunks.</summary>
    private static void AppendListing(StringBuilder text, IReadOnlyList<Hdf5Entry> listing)
    {
        string PathOf(Hdf5Entry e) => e.IsGroup ? $"{e.Path}/" : e.Path;
        string ShapeOf(Hdf5Entry e) => e.IsGroup ? (e.MembersNotListed > 0 ? $"(+{e.MembersNotListed} more)" : "group") : e.Shape.Length == 0 ? "scalar" : string.Join(" x ", e.Shape);
        int pathWidth = Math.Min(48, listing.Select(e => PathOf(e).Length).DefaultIfEmpty(4).Max());
        int shapeWidth = listing.Select(e => ShapeOf(e).Length).DefaultIfEmpty(5).Max();
        foreach (var e in listing)
        {
            string chunks = e.Chunks is null ? "" : $"  chunks {string.Join(" x ", e.Chunks)}";
            text.AppendLine($"  {PathOf(e).PadRight(pathWidth)}  {ShapeOf(e).PadRight(shapeWidth)}  {e.DataType}{chunks}".TrimEnd());
        }
    }

    private static void Line(StringBuilder text, string name, string value) => text.AppendLine(Invariant($"  {name,-17} {value}"));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
