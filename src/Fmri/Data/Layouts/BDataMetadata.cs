
namespace Fmri.Data.Layouts;

/// <summary>
/// The column metadata of a BData file: one row of values per key (keys x columns, NaN where a key says nothing
/// about a column). A key is a selector (value 1 on the columns it names) or a per-column value (e.g. voxel_x).
/// </summary>
internal sealed class BDataMetadata
{
    private readonly double[] values; // (keys, columns) row-major
    private readonly Dictionary<string, int> rowOfKey;

    /// <param name="group">How messages name the metadata: <c>/metadata</c> (an HDF5 group) or <c>metaData</c> (a MATLAB struct).</param>
    private BDataMetadata(string file, string group, string[] keys, string[] descriptions, double[] values, int columns)
    {
        File = file;
        Group = group;
        Keys = keys;
        Descriptions = descriptions;
        this.values = values;
        ColumnCount = columns;
        rowOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < keys.Length; k++)
        {
            if (!rowOfKey.TryAdd(keys[k], k))
                throw new DataFormatException(file, $"{group}/key", $"key '{keys[k]}' appears twice");
        }
    }

    public string File { get; }

    /// <summary>The metadata as messages name it (<c>/metadata</c>, <c>/metaData</c>, or a MATLAB struct <c>metaData</c>).</summary>
    public string Group { get; }

    public string[] Keys { get; }

    public string[] Descriptions { get; }

    public int ColumnCount { get; }

    /// <summary>Reads <c>/{group}/key</c>, <c>description</c> and <c>value</c>, checking they agree with each other and with the matrix's column count.</summary>
    public static BDataMetadata Read(Hdf5Input input, string group, string matrixPath, int columns)
    {
        string keyPath = $"/{group}/key";
        string descriptionPath = $"/{group}/description";
        string valuePath = $"/{group}/value";
        var keys = input.ReadStrings(keyPath).Select(k => k.Trim()).ToArray();
        var descriptions = input.Exists(descriptionPath) ? input.ReadStrings(descriptionPath) : new string[keys.Length];
        if (descriptions.Length != keys.Length)
            throw input.Error(descriptionPath, $"has {descriptions.Length} entries but {keyPath} has {keys.Length} keys");
        var shape = input.Shape(valuePath, 2);
        if (shape[0] != keys.Length)
            throw input.Error(valuePath, $"has {shape[0]} rows but {keyPath} has {keys.Length} keys");
        if (shape[1] != columns)
            throw input.Error(valuePath, $"has {shape[1]} columns but {matrixPath} has {columns}");
        var values = input.ReadDoubles(valuePath);
        return new BDataMetadata(input.FilePath, "/" + group, keys, Array.ConvertAll(descriptions, d => d ?? ""), values, columns);
    }

    /// <summary>
    /// Metadata held in memory (a MATLAB struct's <c>key</c>, <c>description</c> and <c>value</c> fields), checked
    /// like <see cref="Read"/>: one description per key (when there are any) and a keys x columns value matrix.
    /// </summary>
    public static BDataMetadata FromArrays(string file, string group, string[] keys, string[]? descriptions, double[] values, int valueRows, int columns)
    {
        descriptions ??= new string[keys.Length];
        if (descriptions.Length != keys.Length)
            throw new DataFormatException(file, $"{group}.description", $"has {descriptions.Length} entries but {group}.key has {keys.Length} keys");
        if (valueRows != keys.Length)
            throw new DataFormatException(file, $"{group}.value", $"has {valueRows} rows but {group}.key has {keys.Length} keys");
        if ((long)valueRows * columns != values.LongLength)
            throw new DataFormatException(file, $"{group}.value", $"has {values.LongLength / Math.Max(1, valueRows)} columns but the data matrix has {columns}");
        return new BDataMetadata(file, group, keys.Select(k => k.Trim()).ToArray(), Array.ConvertAll(descriptions, d => d ?? ""), values, columns);
    }

    public bool Has(string key) => rowOfKey.ContainsKey(key);

    /// <summary>The metadata values of <paramref name="key"/> across all columns.</summary>
    public ReadOnlySpan<double> Row(string key)
        => rowOfKey.TryGetValue(key, out int k)
            ? values.AsSpan(k * ColumnCount, ColumnCount)
            : throw MissingKey(key);

    /// <summary>Columns on which <paramref name="key"/> has value 1 (the columns it selects), ascending.</summary>
    public int[] ColumnsWhereOne(string key)
    {
        var row = Row(key);
        var columns = new List<int>();
        for (int c = 0; c < row.Length; c++)
        {
            if (row[c] == 1.0) columns.Add(c);
        }
        return columns.ToArray();
    }

    /// <summary>The one column a per-sample label key (DataType, Run, stimulus_id, ...) selects.</summary>
    public int SingleColumn(string key)
    {
        var columns = ColumnsWhereOne(key);
        if (columns.Length != 1)
            throw new DataFormatException(File, KeyField(key), $"selects {columns.Length} columns, expected exactly one (a per-sample label column)");
        return columns[0];
    }

    /// <summary>The first of <paramref name="candidates"/> that is a key, or null.</summary>
    public string? FirstPresent(params string[] candidates) => candidates.FirstOrDefault(Has);

    /// <summary>"/metadata key 'DataType'" — how messages name a key.</summary>
    public string KeyField(string key) => $"{Group} key '{key}'";

    public DataFormatException MissingKey(string key)
    {
        string present = Keys.Length <= 30 ? string.Join(", ", Keys) : string.Join(", ", Keys.Take(30)) + $", ... ({Keys.Length} keys)";
        return new DataFormatException(File, KeyField(key), $"is missing; keys present: {present}");
    }
}
