using System.Text.Json;
using Fmri.Data.Import;

namespace Fmri.Tests.Data.Import;

/// <summary>
/// The MATLAB and NumPy readers on files written by scipy.io.savemat, h5py (MATLAB 7.3 layout) and numpy
/// (Fixtures/make_array_fixtures.py), against the shapes and row-major values numpy recorded in expected.json.
/// </summary>
public class ArrayFileTests
{
    private static readonly string Folder = Path.Combine(Fmri.Tests.Data.Fixtures.RepositoryRoot, "tests", "Fmri.Tests", "Data", "Import", "Fixtures");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement;

    public static TheoryData<string, string> Files => new()
    {
        { "arrays_v5.mat", "MATLAB v5" },
        { "arrays_v5_compressed.mat", "MATLAB v5" },
        { "arrays_v73.mat", "MATLAB v7.3 (HDF5)" },
        { "arrays.npz", "NumPy .npz" },
        { "arrays_compressed.npz", "NumPy .npz" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_variable_has_numpys_shape_and_values(string file, string format)
    {
        var arrays = ArrayFile.Read(Path.Combine(Folder, file));
        Assert.Equal(format, arrays.Format);
        bool matlab = file.EndsWith(".mat", StringComparison.Ordinal);
        foreach (string name in new[] { "matrix", "cube", "labels", "mask", "single" })
        {
            var expected = Expected.GetProperty(name);
            var array = arrays.Get(name, "test");
            string shapeKey = matlab && expected.TryGetProperty("mat_shape", out _) ? "mat_shape" : "shape";
            Assert.Equal(expected.GetProperty(shapeKey).Ints(), array.Shape);
            Assert.Equal(expected.GetProperty("numbers").Doubles(), array.Numbers);
        }
        Assert.Equal(["fMRI run 1"], arrays.Get("title", "test").Texts!);
        Assert.Equal(Expected.GetProperty("ids").GetProperty("texts").Strings(), arrays.Get("ids", "test").Texts!);
        if (matlab)
        {
            Assert.Equal(["sub-01"], arrays.Get("meta.subject", "test").Texts!);
            Assert.Equal([2.0], arrays.Get("meta.tr", "test").Numbers!);
            Assert.Equal("logical", arrays.Get("mask", "test").StoredType);
            Assert.Equal("uint8", arrays.Get("cube", "test").StoredType);
        }
    }

    [Theory]
    [InlineData("fortran.npy", "fortran")]
    [InlineData("big_endian.npy", "big_endian")]
    public void Npy_files_in_fortran_order_and_big_endian_read_in_c_order(string file, string key)
    {
        var arrays = ArrayFile.Read(Path.Combine(Folder, file));
        var array = Assert.Single(arrays.Variables);
        Assert.Equal(key, array.Name);
        Assert.Equal(Expected.GetProperty(key).GetProperty("shape").Ints(), array.Shape);
        Assert.Equal(Expected.GetProperty(key).GetProperty("numbers").Doubles(), array.Numbers);
    }

    [Fact]
    public void A_missing_variable_names_the_option_and_lists_what_the_file_holds()
    {
        var arrays = ArrayFile.Read(Path.Combine(Folder, "arrays_v5.mat"));
        var error = Assert.Throws<InvalidSettingException>(() => arrays.Get("fmriTrn", "train"));
        Assert.StartsWith("train 'fmriTrn': is not a variable of ", error.Message);
        Assert.Contains("matrix (3 x 4 double)", error.Message);
        Assert.Contains("cube (2 x 3 x 4 uint8)", error.Message);
    }

    /// <summary>
    /// Lab files carry struct arrays, cells of vectors, sparse and complex variables next to the arrays a user wants
    /// (Fixtures/make_unreadable_fixtures.py). The file reads; each such variable is listed with its reason, and only
    /// asking for it is an error, naming it.
    /// </summary>
    [Theory]
    [InlineData("extras_v5.mat", new[] { "params", "onsets", "design", "cfg.onsets" }, "cfg.tr")]
    [InlineData("extras_v73.mat", new[] { "wave", "runs.name" }, null)]
    public void Variables_that_cannot_be_decoded_leave_the_others_readable(string file, string[] unreadable, string? readableField)
    {
        string path = Path.Combine(Folder, file);
        var arrays = ArrayFile.Read(path);
        var fmri = arrays.Get("fmri", "train");
        Assert.Equal([4, 3], fmri.Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 4.0 - 1), fmri.Numbers!);
        Assert.Equal(unreadable.Order(StringComparer.Ordinal), arrays.Unreadable.Select(u => u.Name).Order(StringComparer.Ordinal));
        if (readableField is not null) Assert.Equal([2.0], arrays.Get(readableField, "train").Numbers!);
        foreach (string name in unreadable)
        {
            Assert.True(arrays.Has(name));
            var error = Assert.Throws<DataFormatException>(() => arrays.Get(name, "train"));
            Assert.StartsWith($"{path}: {name}: ", error.Message);
            Assert.DoesNotContain('\n', error.Message);
            Assert.Contains($"{name} (cannot be read: ", arrays.Listing());
        }
        string reasons = string.Join(" | ", arrays.Unreadable.Select(u => u.Describe()));
        if (file.EndsWith("v5.mat", StringComparison.Ordinal))
        {
            Assert.Contains("params (cannot be read: is a 1 x 2 struct array; only a single struct (1 x 1) can be read)", reasons);
            Assert.Contains("design (cannot be read: is a sparse matrix", reasons);
            Assert.Contains("onsets (cannot be read: cell 1 holds onsets{1} (1 x 3 double)", reasons);
        }
        else
        {
            Assert.Contains("wave (cannot be read: is complex", reasons);
            Assert.Contains("runs.name (cannot be read: holds object references without a MATLAB class: a field of a struct array", reasons);
        }
    }

    /// <summary>Cells of integer scalars, as MATLAB saves <c>{int32(3), int32(-7), int32(12)}</c> with -v7.3 (each cell
    /// an int32 or uint8 dataset), read like cells of doubles; the v5 reader reads the same cell from scipy's file.</summary>
    [Theory]
    [InlineData("extras_v73.mat", "codes", new[] { 3.0, -7, 12 })]
    [InlineData("extras_v73.mat", "flags", new[] { 1.0, 0, 1 })]
    [InlineData("extras_v5.mat", "codes", new[] { 3.0, -7, 12 })]
    public void Cells_of_integer_scalars_read_as_numbers(string file, string name, double[] expected)
    {
        var cell = ArrayFile.Read(Path.Combine(Folder, file)).Get(name, "labels");
        Assert.Equal([1, 3], cell.Shape);
        Assert.Equal(expected, cell.Numbers!);
    }

    [Fact]
    public void Damaged_and_foreign_files_are_one_line_errors_naming_the_file()
    {
        using var temp = new TempFolder();
        byte[] good = File.ReadAllBytes(Path.Combine(Folder, "arrays_v5_compressed.mat"));
        string truncated = temp.File("truncated.mat");
        File.WriteAllBytes(truncated, good[..(good.Length - 100)]);
        var e1 = Assert.Throws<DataFormatException>(() => ArrayFile.Read(truncated));
        Assert.StartsWith(truncated, e1.Message);
        Assert.DoesNotContain('\n', e1.Message);

        string text = temp.File("notes.mat");
        File.WriteAllText(text, "just some text that is long enough to fill a header of one hundred and twenty-eight bytes ........................................");
        var e2 = Assert.Throws<DataFormatException>(() => ArrayFile.Read(text));
        Assert.Contains("neither a MATLAB MAT-file", e2.Message);

        byte[] npz = File.ReadAllBytes(Path.Combine(Folder, "arrays_compressed.npz"));
        string cut = temp.File("cut.npz");
        File.WriteAllBytes(cut, npz[..(npz.Length / 2)]);
        var e3 = Assert.Throws<DataFormatException>(() => ArrayFile.Read(cut));
        Assert.StartsWith(cut, e3.Message);
    }

    /// <summary>np.save of an array of Python strings (dtype object) writes descr '|O' and a pickle: the message says
    /// what it is and how to save text that can be read, not that the header has no descr.</summary>
    [Fact]
    public void An_object_array_is_named_as_one()
    {
        using var temp = new TempFolder();
        string path = temp.File("ids.npy");
        string header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
        header = header.PadRight(64 - 10 - 1) + "\n";
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. System.Text.Encoding.ASCII.GetBytes(header), 0x80, 0x02, 0x63]);
        var error = Assert.Throws<DataFormatException>(() => ArrayFile.Read(path));
        Assert.Contains("is an object array (a Python pickle)", error.Message);
    }

    /// <summary>Files in formats no reader here takes, written by the labs' tools (Fixtures/make_unreadable_fixtures.py):
    /// each is refused with one line that says what the file is and how to re-save it.</summary>
    [Fact]
    public void A_MATLAB_v4_file_an_LZF_compressed_HDF5_file_and_a_NumPy_file_given_for_HDF5_say_what_they_are()
    {
        string v4 = Path.Combine(Folder, "arrays_v4.mat");
        Assert.True(ArrayFile.IsMatV4(v4));
        Assert.False(ArrayFile.IsMatV4(Path.Combine(Folder, "arrays_v5.mat")));
        Assert.False(ArrayFile.IsMatV4(Path.Combine(Folder, "arrays.npz")));
        var e = Assert.Throws<DataFormatException>(() => ArrayFile.Read(v4));
        Assert.Equal($"{v4}: file: is a MATLAB v4 MAT-file, which is not read; save it again as v7 or v7.3 (MATLAB: save(file, ..., '-v7'); SciPy: savemat(file, data, format='5'))", e.Message);
        // Given where an fMRI layout belongs, the same line, not "no HDF5 signature".
        Assert.Equal(e.Message, Assert.Throws<DataFormatException>(() => Fmri.Data.Layouts.LayoutDetector.Detect(v4)).Message);

        // A zip archive of anything but arrays is no NumPy file.
        using (var temp = new TempFolder())
        {
            string zip = temp.File("notes.zip");
            using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
                using (var writer = new StreamWriter(archive.CreateEntry("notes.txt").Open())) writer.Write("text");
            Assert.False(ArrayFile.IsNumPy(zip));
        }
        Assert.True(ArrayFile.IsNumPy(Path.Combine(Folder, "arrays_compressed.npz")));

        string npz = Path.Combine(Folder, "arrays.npz");
        Assert.Contains("is a NumPy .npy/.npz file, not HDF5: 'decoding import' turns it into the project's fMRI file",
            Assert.Throws<DataFormatException>(() => Fmri.Data.Layouts.LayoutDetector.Detect(npz)).Message);

        string lzf = Path.Combine(Folder, "betas_lzf_session01.hdf5");
        var shape = new Fmri.Data.Layouts.VolumeShape(2, 3, 4);
        var mask = Fmri.Data.Layouts.NsdMask.FromValues(shape, Enumerable.Repeat(1f, 24).ToArray(), "all");
        var design = new Fmri.Data.Layouts.NsdDesign { Sessions = [1, 1], Runs = [1, 1], NsdIndices = [1, 2], Shared1000 = [false, false] };
        var lzfError = Assert.Throws<DataFormatException>(() => Fmri.Data.Layouts.NsdBetasFile.Read([lzf], mask, design, hashSources: false));
        Assert.Contains("is compressed with the HDF5 filter 'lzf' (filter id 32000), which this reader does not decode; rewrite the file with gzip", lzfError.Message);
        Assert.DoesNotContain("H5Filter.Register", lzfError.Message);
    }
}
