using System.Globalization;
using Fmri.Data.Import;
using PureHDF;
using PureHDF.Selections;

namespace Fmri.Data.Layouts;

/// <summary>
/// Where a BData's data matrix (samples x columns) and column metadata come from. bdpy saves them as HDF5
/// (<see cref="Hdf5BDataSource"/>); BrainDecoderToolbox2 and GOD's own conversion scripts save them from MATLAB as the
/// variables <c>dataSet</c> (or <c>dataset</c>) and the struct <c>metaData</c> (or <c>metadata</c>) with fields
/// <c>key</c>, <c>description</c>, <c>value</c>, in a v5/v7 or a v7.3 (HDF5-based) MAT-file
/// (<see cref="MatBDataSource"/>). <see cref="BDataFile"/> reads either the same way.
/// </summary>
internal abstract class BDataSource : IDisposable
{
    public abstract string FilePath { get; }

    /// <summary>How messages name the data matrix (<c>/dataset</c>, <c>dataSet</c>).</summary>
    public abstract string MatrixName { get; }

    /// <summary>"bdata" or "bdata-mat", recorded as the data set's source layout.</summary>
    public abstract string Layout { get; }

    public abstract int Samples { get; }

    public abstract int Columns { get; }

    public abstract BDataMetadata Metadata { get; }

    /// <summary>The matrix is stored with less than double precision (float32): GOD stimulus ids cannot be in it.</summary>
    public abstract bool SinglePrecision { get; }

    /// <summary>The provenance this project's writer records; null in the labs' files.</summary>
    public abstract string? RecordedProvenance { get; }

    /// <summary>Column <paramref name="column"/> of every sample.</summary>
    public abstract double[] Column(int column);

    /// <summary>The given columns (ascending) of every sample into <paramref name="output"/> (samples x columns.Length), as float32.</summary>
    public abstract void ReadVoxels(int[] columns, float[] output);

    /// <summary>bdpy's value-label map of <paramref name="key"/> (a label per numeric value), or null.</summary>
    public abstract Dictionary<double, string>? ValueMap(string key);

    public DataFormatException Error(string field, string problem) => new(FilePath, field, problem);

    public virtual void Dispose() { }

    /// <summary>Opens a BData file: a MATLAB MAT-file (v5/v7, or v7.3 behind its 128-byte MATLAB header) or a bdpy HDF5 file.</summary>
    public static BDataSource Open(string path)
    {
        if (IsMatFile(path)) return MatBDataSource.Read(path);
        return Hdf5BDataSource.OpenHdf5(path);
    }

    /// <summary>True when the file starts with MATLAB's Level 5 header (v5/v7, and v7.3, whose HDF5 data follows it).</summary>
    public static bool IsMatFile(string path) => File.Exists(path) && MatV5File.HasLevel5Header(path, out _);
}

/// <summary>bdpy's HDF5 BData: <c>/dataset</c> (or <c>/dataSet</c>) and the group <c>/metadata</c> (or <c>/metaData</c>), read column by column.</summary>
internal sealed class Hdf5BDataSource : BDataSource
{
    private readonly Hdf5Input input;
    private readonly string matrixPath;

    private Hdf5BDataSource(Hdf5Input input, string matrixPath, int samples, int columns, BDataMetadata metadata)
    {
        this.input = input;
        this.matrixPath = matrixPath;
        Samples = samples;
        Columns = columns;
        Metadata = metadata;
        var type = input.Dataset(matrixPath).Type;
        SinglePrecision = type.Class == H5DataTypeClass.FloatingPoint && type.Size < 8;
    }

    public override string FilePath => input.FilePath;
    public override string MatrixName => matrixPath;
    public override string Layout => "bdata";
    public override int Samples { get; }
    public override int Columns { get; }
    public override BDataMetadata Metadata { get; }
    public override bool SinglePrecision { get; }
    public override string? RecordedProvenance => input.StringAttribute("/", BDataFile.ProvenanceAttribute);

    public static Hdf5BDataSource OpenHdf5(string path)
    {
        var input = Hdf5Input.Open(path);
        try
        {
            string? matrix = input.Exists("/dataset") ? "/dataset" : input.Exists("/dataSet") ? "/dataSet" : null;
            string? metadata = input.IsGroup("/metadata") ? "metadata" : input.IsGroup("/metaData") ? "metaData" : null;
            if (matrix is null)
                throw input.Error("/dataset", $"dataset is missing (nor /dataSet); found: {Hdf5Listing.DescribeTopLevel(input)}");
            if (metadata is null)
                throw input.Error("/metadata", $"group is missing (nor /metaData); found: {Hdf5Listing.DescribeTopLevel(input)}");
            var shape = input.Shape(matrix, 2);
            int samples = checked((int)shape[0]);
            int columns = checked((int)shape[1]);
            return new Hdf5BDataSource(input, matrix, samples, columns, BDataMetadata.Read(input, metadata, matrix, columns));
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    public override double[] Column(int column)
        => input.ReadDoubles(matrixPath, new HyperslabSelection(2, [0, (ulong)column], [(ulong)Samples, 1]));

    public override void ReadVoxels(int[] columns, float[] output) => input.ReadMatrix(matrixPath, columns, output);

    public override Dictionary<double, string>? ValueMap(string key)
    {
        string group = $"/vmap/{key}";
        if (!input.IsGroup(group)) return null;
        var map = new Dictionary<double, string>();
        foreach (var (name, label) in input.ReadStringMembers(group))
        {
            if (!double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw input.Error($"{group}/{name}", "is not named by a number");
            map[value] = label;
        }
        return map;
    }

    public override void Dispose() => input.Dispose();
}

/// <summary>
/// BData saved by MATLAB (BrainDecoderToolbox2's <c>save_data</c>, GOD's conversion scripts): the variables are read
/// whole by the project's MAT-file readers, which give them in MATLAB's logical order (dataSet is samples x columns,
/// metaData.value keys x columns, whatever the file's storage order), so they mean what bdpy's HDF5 datasets mean.
/// </summary>
internal sealed class MatBDataSource : BDataSource
{
    private static readonly string[] MatrixNames = ["dataSet", "dataset"];
    private static readonly string[] MetadataNames = ["metaData", "metadata"];

    private readonly NamedArray matrix;

    private MatBDataSource(string path, NamedArray matrix, BDataMetadata metadata)
    {
        FilePath = path;
        this.matrix = matrix;
        Metadata = metadata;
    }

    public override string FilePath { get; }
    public override string MatrixName => matrix.Name;
    public override string Layout => "bdata-mat";
    public override int Samples => matrix.Shape[0];
    public override int Columns => matrix.Shape[1];
    public override BDataMetadata Metadata { get; }
    public override bool SinglePrecision => matrix.IsSinglePrecision;
    public override string? RecordedProvenance => null;

    public static MatBDataSource Read(string path)
    {
        var file = ArrayFile.Read(path);
        string? matrixName = MatrixNames.FirstOrDefault(file.Has);
        string? metadataName = MetadataNames.FirstOrDefault(m => file.Has($"{m}.key"));
        if (matrixName is null || metadataName is null)
            throw new DataFormatException(path, matrixName is null ? "dataSet" : "metaData",
                $"is missing: a MATLAB BData holds the variables dataSet (samples x columns) and metaData (struct with key, description, value); this {file.Format} file holds {file.Listing()}. Read exported matrices with 'decoding import'");
        var matrix = file.Get(matrixName, "data");
        if (matrix.IsText || matrix.Shape.Length != 2)
            throw new DataFormatException(path, matrixName, $"is {matrix.Describe()}; expected a numeric samples x columns matrix");
        var keys = file.Get($"{metadataName}.key", "data");
        if (!keys.IsText) throw new DataFormatException(path, $"{metadataName}.key", $"is {keys.Describe()}; expected a cell array of key names");
        string[]? descriptions = null;
        if (file.Has($"{metadataName}.description"))
        {
            var d = file.Get($"{metadataName}.description", "data");
            if (!d.IsText) throw new DataFormatException(path, $"{metadataName}.description", $"is {d.Describe()}; expected a cell array of text");
            descriptions = d.Texts;
        }
        var value = file.Get($"{metadataName}.value", "data");
        if (value.IsText || value.Shape.Length != 2)
            throw new DataFormatException(path, $"{metadataName}.value", $"is {value.Describe()}; expected a numeric keys x columns matrix");
        var metadata = BDataMetadata.FromArrays(path, metadataName, keys.Texts!, descriptions, value.Numbers!, value.Shape[0], matrix.Shape[1]);
        return new MatBDataSource(path, matrix, metadata);
    }

    public override double[] Column(int column)
    {
        var values = new double[Samples];
        for (int i = 0; i < values.Length; i++) values[i] = matrix.Numbers![(long)i * Columns + column];
        return values;
    }

    public override void ReadVoxels(int[] columns, float[] output)
    {
        var numbers = matrix.Numbers!;
        for (int i = 0; i < Samples; i++)
        {
            long row = (long)i * Columns, target = (long)i * columns.Length;
            for (int c = 0; c < columns.Length; c++) output[target + c] = (float)numbers[row + columns[c]];
        }
    }

    public override Dictionary<double, string>? ValueMap(string key) => null;
}
