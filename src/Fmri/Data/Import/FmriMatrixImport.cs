using System.Globalization;
using Fmri.Core.IO;

namespace Fmri.Data.Import;

/// <summary>
/// Builds an <see cref="FmriDataset"/> from fMRI matrices in a MATLAB or NumPy file (<see cref="FmriMatrixImportOptions"/>
/// says which variables), following the id and label rules of <see cref="ImportedColumns"/>. Values are kept as they
/// are (float32); preprocessing (z-scoring, averaging, padding) is <c>decoding preprocess</c>'s job. Every run is 1
/// unless run variables are given. All voxels form one ROI.
/// </summary>
public static class FmriMatrixImport
{
    public static FmriDataset Read(ArrayFile file, FmriMatrixImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var parts = new List<Part>();
        if (options.Fmri is not null)
        {
            var matrix = Matrix(file, options.Fmri, "fmri", options.VoxelsFirst);
            var (splitNumbers, splitTexts) = ImportedColumns.Vector(file.Get(options.Split!, "split"), "split", matrix.Rows);
            var splits = new DataSplit[matrix.Rows];
            for (int i = 0; i < splits.Length; i++)
                splits[i] = ParseSplit(splitNumbers is null ? splitTexts![i].Trim().ToLowerInvariant() : splitNumbers[i], options.Split!, i);
            var ids = options.Ids is null ? ImportedColumns.PositionalIds(matrix.Rows, 0) : ImportedColumns.Ids(file.Get(options.Ids, "ids"), "ids", matrix.Rows);
            parts.Add(new Part(matrix, splits, ids, Optional(file, options.Labels, "labels"), "labels", Runs(file, options.Runs, "runs", matrix.Rows)));
        }
        else
        {
            var train = Matrix(file, options.Train!, "train", options.VoxelsFirst);
            var trainIds = options.TrainIds is null ? ImportedColumns.PositionalIds(train.Rows, 0) : ImportedColumns.Ids(file.Get(options.TrainIds, "train_ids"), "train_ids", train.Rows);
            parts.Add(new Part(train, Enumerable.Repeat(DataSplit.Train, train.Rows).ToArray(), trainIds,
                Optional(file, options.TrainLabels, "train_labels"), "train_labels", Runs(file, options.TrainRuns, "train_runs", train.Rows)));
            if (options.Test is not null)
            {
                var test = Matrix(file, options.Test, "test", options.VoxelsFirst);
                if (test.Columns != train.Columns)
                    throw new InvalidSettingException("test", $"'{options.Test}'", $"has {test.Columns} voxels but {{train}} '{options.Train}' has {train.Columns}");
                var testIds = options.TestIds is null ? ImportedColumns.PositionalIds(test.Rows, train.Rows) : ImportedColumns.Ids(file.Get(options.TestIds, "test_ids"), "test_ids", test.Rows);
                parts.Add(new Part(test, Enumerable.Repeat(DataSplit.Test, test.Rows).ToArray(), testIds,
                    Optional(file, options.TestLabels, "test_labels"), "test_labels", Runs(file, options.TestRuns, "test_runs", test.Rows)));
            }
        }

        var (labels, names) = ImportedColumns.Categories(parts.Select(p => (p.Labels, p.Matrix.Rows, p.LabelOption)).ToList(),
            options.CategoryNames is null ? null : file.Get(options.CategoryNames, "category_names"), "category_names");
        int voxels = parts[0].Matrix.Columns;
        int samples = parts.Sum(p => p.Matrix.Rows);
        var data = new float[(long)samples * voxels];
        int row = 0;
        foreach (var part in parts)
        {
            for (long i = 0; i < part.Matrix.Values.LongLength; i++) data[(long)row * voxels + i] = (float)part.Matrix.Values[i];
            row += part.Matrix.Rows;
        }
        var splitsAll = parts.SelectMany(p => p.Splits).ToArray();
        var repeats = splitsAll.Select(s => s == DataSplit.Train ? 1 : options.TestRepeats).ToArray();
        var variables = new[] { options.Train, options.Test, options.Fmri }.OfType<string>();
        var dataset = new FmriDataset
        {
            Voxels = data,
            SampleCount = samples,
            VoxelCount = voxels,
            StimulusIds = parts.SelectMany(p => p.Ids).ToArray(),
            CategoryLabels = labels.SelectMany(l => l).ToArray(),
            Runs = parts.SelectMany(p => p.Runs).ToArray(),
            Splits = splitsAll,
            RepeatCounts = repeats,
            Rois = new Dictionary<string, int[]> { [options.RoiName] = Enumerable.Range(0, voxels).ToArray() },
            CategoryNames = names,
            Subject = options.Subject ?? Path.GetFileNameWithoutExtension(file.Path),
            Provenance = new DatasetProvenance
            {
                SourceFile = file.Path,
                SourceSha256 = FileHash.Sha256(file.Path),
                SourceLayout = file.Format,
                Steps = [ProcessingStep.Of("import_matrices", ("variables", string.Join("+", variables)), ("voxels_first", options.VoxelsFirst),
                    ("test_repeats", options.TestRepeats))],
            },
        };
        if (dataset.Voxels.All(float.IsNaN)) throw new DataFormatException(file.Path, string.Join("+", variables), "every value is NaN");
        dataset.Validate(file.Path);
        return dataset;
    }

    private sealed record Part(ImportedMatrix Matrix, DataSplit[] Splits, StimulusId[] Ids, NamedArray? Labels, string LabelOption, int[] Runs);

    /// <summary>A trials x voxels matrix, row-major.</summary>
    public sealed record ImportedMatrix(int Rows, int Columns, double[] Values);

    /// <summary>A 2-D numeric variable as trials x voxels (transposed when <paramref name="voxelsFirst"/>).</summary>
    public static ImportedMatrix Matrix(ArrayFile file, string name, string option, bool voxelsFirst)
    {
        var array = file.Get(name, option);
        if (array.IsText) throw new InvalidSettingException(option, $"'{name}'", "holds text; expected a numeric trials x voxels matrix");
        if (array.Shape.Length != 2 || array.Count == 0)
            throw new InvalidSettingException(option, $"'{name}'", $"is {NamedArray.FormatShape(array.Shape)}; expected a 2-D trials x voxels matrix");
        int rows = array.Shape[0], columns = array.Shape[1];
        if (!voxelsFirst) return new ImportedMatrix(rows, columns, array.Numbers!);
        var transposed = new double[array.Count];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) transposed[(long)c * rows + r] = array.Numbers![(long)r * columns + c];
        return new ImportedMatrix(columns, rows, transposed);
    }

    private static NamedArray? Optional(ArrayFile file, string? name, string option) => name is null ? null : file.Get(name, option);

    private static int[] Runs(ArrayFile file, string? name, string option, int rows)
    {
        if (name is null) return Enumerable.Repeat(1, rows).ToArray();
        var (numbers, _) = ImportedColumns.Vector(file.Get(name, option), option, rows);
        if (numbers is null || numbers.Any(v => !double.IsFinite(v) || v != Math.Floor(v)))
            throw new InvalidSettingException(option, $"'{name}'", "must hold whole numbers (one run number per trial)");
        return Array.ConvertAll(numbers, v => (int)v);
    }

    private static DataSplit ParseSplit(object value, string variable, int row) => value switch
    {
        1.0 or "1" or "train" or "training" => DataSplit.Train,
        2.0 or "2" or "test" => DataSplit.Test,
        3.0 or "3" or "test_imagery" or "imagery" => DataSplit.TestImagery,
        double d => throw new InvalidSettingException("split", $"'{variable}'", $"row {row + 1} is {d.ToString(CultureInfo.InvariantCulture)}; use 1 (train), 2 (test) or 3 (test imagery)"),
        _ => throw new InvalidSettingException("split", $"'{variable}'", $"row {row + 1} is '{value}'; use train, test or test_imagery (or 1, 2, 3)"),
    };
}
