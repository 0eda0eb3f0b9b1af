using System.Globalization;
using Fmri.Core.IO;

namespace Fmri.Data.Import;

/// <summary>
/// MinD-Vis's conversion of Generic Object Decoding, one <c>sbj_N.npz</c> per subject, read as it is:
/// <list type="bullet">
/// <item><c>arr_0</c>: training fMRI, trials x voxels (one trial per training image presentation);</item>
/// <item><c>arr_1</c>: test fMRI, single trials, each test image's repeats in a row (MinD-Vis pairs row r with test
/// image r / repeats, <c>np.repeat(images, 35)</c>; checked against <c>arr_2</c>, see <see cref="CheckRepeatsAreGrouped"/>);</item>
/// <item><c>arr_2</c>: test fMRI averaged over the repeats, one row per test image;</item>
/// <item><c>arr_3</c>: for each training trial, the index of its image in <c>images_256.npz</c>'s <c>train_images</c>;</item>
/// <item>every other member of one value per voxel is an ROI mask (e.g. <c>VC</c>, <c>V1</c>): booleans (or 0/1), or
/// voxel indices.</item>
/// </list>
/// Stimulus ids are <c>train-K</c> and <c>test-K</c>, K the 0-based index into <c>train_images</c> / <c>test_images</c>,
/// the ids <c>decoding stimuli import images_256.npz --layout mindvis-god</c> gives the images. The file holds no
/// category labels (MinD-Vis reads them from separate ImageNet label files), so they are unknown (-1).
/// </summary>
public static class MindVisGodImport
{
    public const string LayoutName = "mindvis-god";

    /// <summary>True when the file has MinD-Vis's four GOD arrays.</summary>
    public static bool Matches(ArrayFile file) => new[] { "arr_0", "arr_1", "arr_2", "arr_3" }.All(file.Has);

    /// <param name="averagedTest">Import <c>arr_2</c> (averaged test trials, repeat count recorded) instead of the single trials of <c>arr_1</c>.</param>
    public static FmriDataset Read(ArrayFile file, bool averagedTest, string? subject)
    {
        foreach (string member in new[] { "arr_0", "arr_1", "arr_2", "arr_3" })
            if (!file.Has(member)) throw new DataFormatException(file.Path, member, $"is missing: not MinD-Vis's GOD layout (arr_0 train fMRI, arr_1 test single trials, arr_2 test averaged, arr_3 train image index); it holds {file.Listing()}");
        var train = FmriMatrixImport.Matrix(file, "arr_0", "arr_0", voxelsFirst: false);
        var single = FmriMatrixImport.Matrix(file, "arr_1", "arr_1", voxelsFirst: false);
        var averaged = FmriMatrixImport.Matrix(file, "arr_2", "arr_2", voxelsFirst: false);
        int voxels = train.Columns;
        foreach (var (m, name) in new[] { (single, "arr_1"), (averaged, "arr_2") })
            if (m.Columns != voxels) throw new DataFormatException(file.Path, name, $"has {m.Columns} voxels but arr_0 has {voxels}");
        if (averaged.Rows == 0 || single.Rows % averaged.Rows != 0)
            throw new DataFormatException(file.Path, "arr_1", $"has {single.Rows} rows, not a whole number of repeats of arr_2's {averaged.Rows} test images");
        int repeats = single.Rows / averaged.Rows;
        if (!averagedTest) CheckRepeatsAreGrouped(file.Path, single, averaged, repeats);
        var (index, _) = ImportedColumns.Vector(file.Get("arr_3", "arr_3"), "arr_3", train.Rows);
        if (index is null || index.Any(v => v < 0 || v != Math.Floor(v)))
            throw new DataFormatException(file.Path, "arr_3", "must hold whole, non-negative image indices");

        var test = averagedTest ? averaged : single;
        int samples = train.Rows + test.Rows;
        var data = new float[(long)samples * voxels];
        for (long i = 0; i < train.Values.LongLength; i++) data[i] = (float)train.Values[i];
        long offset = (long)train.Rows * voxels;
        for (long i = 0; i < test.Values.LongLength; i++) data[offset + i] = (float)test.Values[i];

        var ids = new StimulusId[samples];
        for (int i = 0; i < train.Rows; i++) ids[i] = new StimulusId(Id("train", (long)index![i]));
        for (int r = 0; r < test.Rows; r++) ids[train.Rows + r] = new StimulusId(Id("test", averagedTest ? r : r / repeats));

        var rois = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var array in file.Variables.Where(v => !v.Name.StartsWith("arr_", StringComparison.Ordinal) && !v.IsText))
        {
            if (array.SqueezedShape.Length != 1) continue;
            var values = array.Numbers!;
            int[] members = values.Length == voxels && values.All(v => v is 0 or 1)
                ? Enumerable.Range(0, voxels).Where(v => values[v] != 0).ToArray()
                : values.All(v => v >= 0 && v < voxels && v == Math.Floor(v)) ? values.Select(v => (int)v).Distinct().Order().ToArray()
                : throw new DataFormatException(file.Path, array.Name, $"is neither a mask of {voxels} booleans nor voxel indices below {voxels}");
            if (members.Length > 0) rois[array.Name] = members;
        }
        if (rois.Count == 0) rois["all"] = Enumerable.Range(0, voxels).ToArray();

        var dataset = new FmriDataset
        {
            Voxels = data,
            SampleCount = samples,
            VoxelCount = voxels,
            StimulusIds = ids,
            CategoryLabels = Enumerable.Repeat(-1, samples).ToArray(),
            Runs = Enumerable.Repeat(1, samples).ToArray(),
            Splits = Enumerable.Repeat(DataSplit.Train, train.Rows).Concat(Enumerable.Repeat(DataSplit.Test, test.Rows)).ToArray(),
            RepeatCounts = Enumerable.Repeat(1, train.Rows).Concat(Enumerable.Repeat(averagedTest ? repeats : 1, test.Rows)).ToArray(),
            Rois = rois,
            Subject = subject ?? Path.GetFileNameWithoutExtension(file.Path),
            Provenance = new DatasetProvenance
            {
                SourceFile = file.Path,
                SourceSha256 = FileHash.Sha256(file.Path),
                SourceLayout = LayoutName,
                Steps = [ProcessingStep.Of("import_mindvis_god", ("test", averagedTest ? "arr_2 (averaged)" : "arr_1 (single trials)"), ("repeats", repeats))],
            },
        };
        dataset.Validate(file.Path);
        return dataset;
    }

    /// <summary>
    /// The single trials carry no image index: row r is test image r / repeats only if each image's repeats sit together,
    /// in arr_2's order (as MinD-Vis reads them). A file whose arr_1 is in scan order (each run showing every test image)
    /// would pair most trials with the wrong image, silently; arr_2 in the same file tells the two apart. Each group of
    /// <paramref name="repeats"/> rows is averaged and must correlate best with its own arr_2 row (correlation rather than
    /// equality, so an arr_2 normalised after averaging still passes). Refused when fewer than 90% of the groups do.
    /// </summary>
    private static void CheckRepeatsAreGrouped(string path, FmriMatrixImport.ImportedMatrix single, FmriMatrixImport.ImportedMatrix averaged, int repeats)
    {
        int images = averaged.Rows, voxels = averaged.Columns;
        if (repeats == 1 || images < 2) return;
        var means = new double[images][];
        for (int k = 0; k < images; k++)
        {
            var mean = new double[voxels];
            for (int r = k * repeats; r < (k + 1) * repeats; r++)
                for (int v = 0; v < voxels; v++) mean[v] += single.Values[(long)r * voxels + v];
            means[k] = mean;
        }
        var rows = new double[images][];
        for (int j = 0; j < images; j++) rows[j] = averaged.Values.AsSpan(j * voxels, voxels).ToArray();
        // Each voxel's offset over the images goes first (arr_2 may be z-scored per voxel while arr_1 keeps a baseline),
        // then each row is centred for the correlation.
        foreach (var set in new[] { means, rows })
        {
            CentreVoxels(set, voxels);
            foreach (var row in set) Centred(row);
        }
        int matched = 0, firstMiss = -1, firstMissBest = -1;
        for (int k = 0; k < images; k++)
        {
            int best = 0;
            double bestR = double.NegativeInfinity;
            for (int j = 0; j < images; j++)
            {
                double r = Correlation(means[k], rows[j]);
                if (r > bestR) (bestR, best) = (r, j);
            }
            if (best == k) matched++;
            else if (firstMiss < 0) (firstMiss, firstMissBest) = (k, best);
        }
        if (matched < 0.9 * images)
            throw new DataFormatException(path, "arr_1", string.Create(CultureInfo.InvariantCulture,
                $"is not grouped by test image in arr_2's order: the mean of its rows {firstMiss * repeats}..{(firstMiss + 1) * repeats - 1} is closest to arr_2's row {firstMissBest}, not {firstMiss} ({matched} of {images} groups match); MinD-Vis pairs row r with test image r / {repeats}. Import the averaged test trials with --averaged-test, or reorder arr_1"));
    }

    private static void CentreVoxels(double[][] rows, int voxels)
    {
        for (int v = 0; v < voxels; v++)
        {
            double sum = 0;
            int n = 0;
            foreach (var row in rows) if (double.IsFinite(row[v])) { sum += row[v]; n++; }
            double m = n > 0 ? sum / n : 0;
            foreach (var row in rows) if (double.IsFinite(row[v])) row[v] -= m;
        }
    }

    // Voxels that are NaN (dropped later by preprocessing) count as the mean: they add nothing to a correlation.
    private static double[] Centred(double[] x)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in x) if (double.IsFinite(v)) { sum += v; n++; }
        double m = n > 0 ? sum / n : 0;
        for (int i = 0; i < x.Length; i++) x[i] = double.IsFinite(x[i]) ? x[i] - m : 0;
        return x;
    }

    // A constant row (all its voxels NaN, say) correlates with nothing.
    private static double Correlation(double[] a, double[] b) =>
        MathNet.Numerics.Statistics.Correlation.Pearson(a, b) is var r && double.IsFinite(r) ? r : 0;

    /// <summary>"train-17": the id of image 17 (0-based) of a part of MinD-Vis's images file.</summary>
    public static string Id(string part, long index) => string.Create(CultureInfo.InvariantCulture, $"{part}-{index}");
}
