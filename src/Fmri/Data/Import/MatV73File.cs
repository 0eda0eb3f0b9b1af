using Fmri.Data.Layouts;
using PureHDF;
using PureHDF.VOL.Native;

namespace Fmri.Data.Import;

/// <summary>
/// Reads MATLAB v7.3 MAT-files: HDF5 files behind a 512-byte user block (the Level 5 header text). Each variable is a
/// root dataset with a string attribute <c>MATLAB_class</c> (<c>double</c>, <c>single</c>, <c>int8</c> ...
/// <c>uint64</c>, <c>logical</c>, <c>char</c>, <c>cell</c>); a <c>struct</c> is a group whose members are its
/// fields. MATLAB writes column-major arrays, so through HDF5 the axes appear reversed: a 90 x 3092 MATLAB matrix is a
/// 3092 x 90 dataset. <c>char</c> data are UTF-16 code units (uint16); a <c>cell</c> is a dataset of object references
/// into the <c>/#refs#</c> group. An empty array is stored as its dimensions with the attribute <c>MATLAB_empty</c>.
/// A variable (or struct field) that cannot be decoded (complex, a struct array, a cell of vectors ...) is listed with
/// the reason among the file's unreadable variables, and the others are read as usual.
/// </summary>
public static class MatV73File
{
    /// <summary>Every variable of the file (names starting with <c>#</c> are MATLAB's bookkeeping and skipped); one that
    /// cannot be decoded is added to <paramref name="unreadable"/> instead.</summary>
    public static IReadOnlyList<NamedArray> Read(string path, List<UnreadableVariable> unreadable)
    {
        ArgumentNullException.ThrowIfNull(unreadable);
        using var input = Hdf5Input.Open(path);
        var variables = new List<NamedArray>();
        foreach (string name in input.ChildNames("/"))
        {
            if (name.StartsWith('#')) continue;
            Add(input, "/" + name, name, variables, unreadable);
        }
        return variables;
    }

    private static void Add(Hdf5Input input, string hdf5Path, string name, List<NamedArray> output, List<UnreadableVariable> unreadable)
    {
        try
        {
            if (input.IsGroup(hdf5Path))
            {
                string? groupClass = input.StringAttribute(hdf5Path, "MATLAB_class");
                if (groupClass is not (null or "struct"))
                    throw input.Error(hdf5Path, $"is a group of MATLAB class '{groupClass}'; only structs are stored as groups");
                foreach (string field in input.ChildNames(hdf5Path))
                    Add(input, $"{hdf5Path}/{field}", $"{name}.{field}", output, unreadable);
                return;
            }
            AddDataset(input, hdf5Path, name, output);
        }
        catch (DataFormatException e)
        {
            // Named as the user names it (struct.field), not by its HDF5 path.
            string where = e.Field == Hdf5Input.Absolute(hdf5Path) ? "" : e.Field + ": ";
            unreadable.Add(new UnreadableVariable(name, where + e.Problem));
        }
    }

    private static void AddDataset(Hdf5Input input, string hdf5Path, string name, List<NamedArray> output)
    {
        string? matlabClass = input.StringAttribute(hdf5Path, "MATLAB_class");
        if (matlabClass is null && input.Dataset(hdf5Path).Type.Class == H5DataTypeClass.Reference)
            throw input.Error(hdf5Path, "holds object references without a MATLAB class: a field of a struct array, and only a single struct (1 x 1) can be read");
        if (matlabClass is null)
            throw input.Error(hdf5Path, "has no MATLAB_class attribute: this HDF5 file was not written by MATLAB (save with -v7.3), or read it as an HDF5 layout");
        if (input.IntegerAttribute(hdf5Path, "MATLAB_empty") is 1)
        {
            output.Add(new NamedArray(name, [0], [], null, matlabClass));
            return;
        }
        var hdf5Dims = input.Dims(hdf5Path);
        int[] dims = hdf5Dims.Reverse().Select(d => checked((int)d)).ToArray();
        switch (matlabClass)
        {
            case "char":
                output.Add(CharRows(name, dims, input.ReadDoubles(hdf5Path)));
                return;
            case "cell":
                output.Add(Cell(input, hdf5Path, name, dims));
                return;
            case "double" or "single" or "int8" or "uint8" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "uint64" or "logical":
            {
                var dataset = input.Dataset(hdf5Path);
                if (dataset.Type.Class == H5DataTypeClass.Compound)
                    throw input.Error(hdf5Path, "is complex; only real arrays can be read (save real() and imag() separately)");
                var values = input.ReadDoubles(hdf5Path);
                output.Add(new NamedArray(name, dims, MatV5File.ColumnMajorToRowMajor(values, dims), null, matlabClass));
                return;
            }
            default:
                throw input.Error(hdf5Path, $"is of MATLAB class '{matlabClass}', which cannot be read (numeric, logical, char, cell and struct can)");
        }
    }

    /// <summary>MATLAB char data (column-major code units) as one string per row, right-trimmed of MATLAB's blank padding.</summary>
    private static NamedArray CharRows(string name, int[] dims, double[] codes)
    {
        int rows = dims.Length > 0 ? dims[0] : 0;
        int columns = rows == 0 ? 0 : codes.Length / rows;
        var texts = new string[rows];
        var chars = new char[columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) chars[c] = (char)(int)codes[r + c * rows];
            texts[r] = new string(chars).TrimEnd(' ', '\0');
        }
        return new NamedArray(name, [rows], null, texts, "char");
    }

    /// <summary>A cell array of single strings or single numbers, each cell a referenced dataset.</summary>
    private static NamedArray Cell(Hdf5Input input, string hdf5Path, string name, int[] dims)
    {
        var dataset = input.Dataset(hdf5Path);
        if (dataset.Type.Class != H5DataTypeClass.Reference)
            throw input.Error(hdf5Path, $"is a cell whose data are {Hdf5Input.DescribeType(dataset.Type)}, expected object references");
        var references = input.Guard(hdf5Path, () => dataset.Read<NativeObjectReference1[]>());
        var texts = new string[references.Length];
        var numbers = new double[references.Length];
        bool allText = true, allNumbers = true;
        for (int i = 0; i < references.Length; i++)
        {
            string field = $"{hdf5Path}{{{i + 1}}}";
            if (input.Dereference(references[i], field) is not IH5Dataset cell)
                throw input.Error(field, "refers to a group; cells of single strings or single numbers can be read");
            string cellClass = input.Guard(field, () => cell.AttributeExists("MATLAB_class") ? cell.Attribute("MATLAB_class").Read<string>() : "");
            bool empty = input.Guard(field, () => cell.AttributeExists("MATLAB_empty"));
            if (empty) { texts[i] = ""; numbers[i] = double.NaN; continue; }
            var cellDims = input.Guard(field, () => cell.Space.Dimensions).Reverse().Select(d => (int)d).ToArray();
            if (cellClass == "char")
            {
                var codes = input.Guard(field, () => Array.ConvertAll(cell.Read<ushort[]>(), c => (double)c));
                var rows = CharRows(name, cellDims, codes);
                if (rows.Count > 1) throw input.Error(field, "holds a char matrix; cells of single strings can be read");
                texts[i] = rows.Count == 0 ? "" : rows.Texts![0];
                allNumbers = false;
            }
            else
            {
                var values = input.ReadDoubles(cell, field);
                if (values.Length != 1) throw input.Error(field, $"holds {values.Length} numbers; cells of single numbers can be read");
                numbers[i] = values[0];
                texts[i] = "";
                allText = false;
            }
        }
        return allText
            ? new NamedArray(name, dims, null, MatV5File.ColumnMajorToRowMajor(texts, dims), "cell")
            : allNumbers ? new NamedArray(name, dims, MatV5File.ColumnMajorToRowMajor(numbers, dims), null, "cell")
            : throw input.Error(hdf5Path, "is a cell array mixing text and numbers");
    }
}
