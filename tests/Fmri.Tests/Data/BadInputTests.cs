using Fmri.Data.Layouts;
using PureHDF;

namespace Fmri.Tests.Data;

/// <summary>
/// Every kind of bad input gets one line naming the file and the dataset or key. The bad files are written here
/// with PureHDF (or by cutting/corrupting a copy of a fixture) in a temporary folder.
/// </summary>
public class BadInputTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Missing_file()
    {
        string file = temp.File("absent.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => FmriFileReader.Read(file)), file, "file", "does not exist");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(file)), file, "file", "does not exist");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "file", "does not exist");
        AssertNames(Assert.Throws<DataFormatException>(() => NsdMask.Read(temp.File("absent.nii.gz"))), temp.File("absent.nii.gz"), "file", "does not exist");
        AssertNames(Assert.Throws<DataFormatException>(() => NsdDesign.Read(temp.File("absent.json"))), temp.File("absent.json"), "file", "does not exist");
    }

    [Fact]
    public void Not_an_hdf5_file()
    {
        string file = temp.File("notes.h5");
        File.WriteAllText(file, "subject,run\n1,2\n");
        AssertNames(Assert.Throws<DataFormatException>(() => FmriFileReader.Read(file)), file, "file", "not an HDF5 file");
        string empty = temp.File("empty.h5");
        File.WriteAllBytes(empty, []);
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(empty)), empty, "file", "empty");
    }

    [Theory]
    [InlineData("canonical.h5")]
    [InlineData("bdata_current.h5")]
    [InlineData("betas_session01.hdf5")]
    public void Truncated_file(string fixture)
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf(fixture));
        string file = temp.File(fixture);
        File.WriteAllBytes(file, bytes[..(bytes.Length * 2 / 3)]);
        AssertNames(Assert.Throws<DataFormatException>(() => LayoutDetector.Detect(file)), file, "file", "truncated");
    }

    [Fact]
    public void Missing_metadata_dataset_and_missing_key()
    {
        var noValue = ValidBData();
        ((H5Group)noValue["metadata"]).Remove("value");
        string file = Write(noValue, "no_value.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(file)), file, "/metadata/value", "missing");

        string noDataType = Write(ValidBData(keys: ["VoxelData", "ROI_V1", "Run", "stimulus_id"]), "no_datatype.h5");
        var e = Assert.Throws<DataFormatException>(() => BDataFile.Read(noDataType));
        AssertNames(e, noDataType, "/metadata key 'DataType'", "missing");
        Assert.Contains("VoxelData, ROI_V1, Run, stimulus_id", e.Message);
    }

    [Fact]
    public void Missing_canonical_dataset()
    {
        var parts = ValidCanonical();
        ((H5Group)parts["samples"]).Remove("run");
        string file = Write(parts, "no_run.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/samples/run", "missing");
    }

    [Fact]
    public void Wrong_rank()
    {
        var flat = ValidCanonical();
        flat["voxels"] = new float[12];
        string file = Write(flat, "flat_voxels.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/voxels", "rank 1");

        string betas = temp.File("betas_session01.hdf5");
        new H5File { ["betas"] = new H5Dataset(new short[24], fileDims: [2, 3, 4]) }.Write(betas);
        var mask = NsdMask.FromValues(new VolumeShape(2, 3, 4), Enumerable.Repeat(1f, 24).ToArray(), "all");
        var design = new NsdDesign { Sessions = [1, 1], Runs = [1, 1], NsdIndices = [1, 2], Shared1000 = [false, false] };
        AssertNames(Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([betas], mask, design)), betas, "/betas", "rank 3");
    }

    [Fact]
    public void Wrong_dtype()
    {
        var doubles = ValidCanonical();
        doubles["voxels"] = new H5Dataset(new double[12], fileDims: [4, 3]);
        string file = Write(doubles, "double_voxels.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/voxels", "float64, expected float32");

        var numericKeys = ValidBData();
        ((H5Group)numericKeys["metadata"])["key"] = new double[] { 1, 2, 3, 4 };
        string bdata = Write(numericKeys, "numeric_keys.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(bdata)), bdata, "/metadata/key", "expected strings");

        string betas = temp.File("betas_session01.hdf5");
        new H5File { ["betas"] = new H5Dataset(new float[48], fileDims: [2, 2, 3, 4]) }.Write(betas);
        var mask = NsdMask.FromValues(new VolumeShape(2, 3, 4), Enumerable.Repeat(1f, 24).ToArray(), "all");
        var design = new NsdDesign { Sessions = [1, 1], Runs = [1, 1], NsdIndices = [1, 2], Shared1000 = [false, false] };
        AssertNames(Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([betas], mask, design)), betas, "/betas", "expected int16");
    }

    [Fact]
    public void Sample_counts_that_disagree()
    {
        var shortRun = ValidCanonical();
        ((H5Group)shortRun["samples"])["run"] = new[] { 1, 1, 2 };
        string file = Write(shortRun, "short_run.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/samples/run", "has 3 entries but /voxels has 4 samples");

        var narrowValue = ValidBData();
        ((H5Group)narrowValue["metadata"])["value"] = new H5Dataset(new double[16], fileDims: [4, 4]);
        string bdata = Write(narrowValue, "narrow_value.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(bdata)), bdata, "/metadata/value", "has 4 columns but /dataset has 5");

        // The NSD design lists 5 trials for session 1; give it a session file with 5 trials but a design with 4.
        var design = NsdDesign.Read(Fixtures.PathOf("nsd_design.json"));
        var fewer = design with { Sessions = design.Sessions[1..], Runs = design.Runs[1..], NsdIndices = design.NsdIndices[1..], Shared1000 = design.Shared1000[1..] };
        var mask = NsdMask.Read(Fixtures.PathOf("nsd_mask.h5"));
        string session = Fixtures.PathOf("betas_session01.hdf5");
        AssertNames(Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([session], mask, fewer)), session, "/betas", "5 trials but the design lists 4 for session 1");
    }

    [Fact]
    public void Roi_with_no_voxels()
    {
        string bdata = Fixtures.PathOf("bdata_current.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(bdata, new BDataReadOptions { Roi = "FFA" })), bdata, "ROI_FFA", "selects no voxels");

        var emptyRoi = ValidCanonical();
        ((H5Group)((H5Group)emptyRoi["voxels_meta"])["roi"])["V4"] = Array.Empty<int>();
        string canonical = Write(emptyRoi, "empty_roi.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(canonical)), canonical, "/voxels_meta/roi/V4", "selects no voxels");

        string mask = temp.File("mask.h5");
        new H5File { ["mask"] = new H5Dataset(new byte[24], fileDims: [2, 3, 4]) }.Write(mask);
        AssertNames(Assert.Throws<DataFormatException>(() => NsdMask.Read(mask)), mask, "/mask", "selects no voxels");
    }

    [Fact]
    public void Voxel_matrix_that_is_all_nan()
    {
        var ds = CanonicalFileTests.Generated(5, 4);
        string file = temp.File("nan.h5");
        CanonicalFile.Write(file, ds with { Voxels = Enumerable.Repeat(float.NaN, 20).ToArray() });
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/voxels", "every voxel value is NaN");

        string bdata = temp.File("nan_bdata.h5");
        BDataFile.Write(bdata, ds with { Voxels = Enumerable.Repeat(float.NaN, 20).ToArray() });
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(bdata)), bdata, "/dataset", "every voxel value is NaN");
    }

    [Fact]
    public void Duplicate_stimulus_ids_in_a_file_flagged_averaged()
    {
        var parts = ValidCanonical();
        ((H5Group)parts["samples"])["stimulus_id"] = new[] { "n01443537_1", "n01443537_2", "n01443537_3", "n01443537_3" }; // samples 2, 3: both test
        string file = Write(parts, "duplicates.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => CanonicalFile.Read(file)), file, "/samples/stimulus_id", "'n01443537_3' appears more than once in split Test");
    }

    [Fact]
    public void Bad_stimulus_id_and_datatype_values_name_the_sample()
    {
        string file = Write(ValidBData(stimulus: [1518878.010042, -3, 1518878.5, 1518878.25]), "bad_ids.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(file)), file, "stimulus_id", "sample 1");
        string types = Write(ValidBData(dataTypes: [1, 2, 4, 1]), "bad_types.h5");
        AssertNames(Assert.Throws<DataFormatException>(() => BDataFile.Read(types)), types, "DataType", "sample 2 has DataType 4");
    }

    [Fact]
    public void Bad_nifti_and_design_files()
    {
        string nifti = temp.File("mask.nii");
        File.WriteAllBytes(nifti, new byte[400]);
        AssertNames(Assert.Throws<DataFormatException>(() => NsdMask.Read(nifti)), nifti, "sizeof_hdr", "not a NIfTI-1 file");

        string json = temp.File("design.json");
        File.WriteAllText(json, """{"session": [1, 1], "run": [1, 1], "nsd_index": [5, 73001], "shared1000": [false, true]}""");
        AssertNames(Assert.Throws<DataFormatException>(() => NsdDesign.Read(json)), json, "nsd_index", "trial 1 has image 73001");
        File.WriteAllText(json, """{"session": [1, 1], "run": [1], "nsd_index": [5, 6], "shared1000": [0, 1]}""");
        AssertNames(Assert.Throws<DataFormatException>(() => NsdDesign.Read(json)), json, "run", "has 1 entries but session has 2");
    }

    /// <summary>One line, naming the file and the field, saying what is wrong.</summary>
    private static void AssertNames(DataFormatException e, string file, string field, string problem)
    {
        Assert.Equal(file, e.File);
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"{file}: {field}: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
    }

    private string Write(H5File file, string name)
    {
        string path = temp.File(name);
        // Variable-length strings for the canonical parts; BData keys as fixed-length byte strings, as h5py writes them.
        file.Write(path, file.ContainsKey("metadata") ? new H5WriteOptions(DefaultStringLength: 16) : new H5WriteOptions());
        return path;
    }

    /// <summary>A valid 4-sample BData file (3 voxels, DataType, stimulus_id) to break one part of.</summary>
    private static H5File ValidBData(string[]? keys = null, double[]? stimulus = null, double[]? dataTypes = null)
    {
        keys ??= ["VoxelData", "ROI_V1", "DataType", "stimulus_id"];
        stimulus ??= [1518878.010042, 1518878.000007, 1639765.000048, 1639765.001001];
        dataTypes ??= [1, 1, 2, 2];
        var matrix = new double[4 * 5];
        for (int s = 0; s < 4; s++)
        {
            for (int v = 0; v < 3; v++) matrix[s * 5 + v] = s + 0.1 * v;
            matrix[s * 5 + 3] = dataTypes[s];
            matrix[s * 5 + 4] = stimulus[s];
        }
        double n = double.NaN;
        var rows = new Dictionary<string, double[]>
        {
            ["VoxelData"] = [1, 1, 1, n, n],
            ["ROI_V1"] = [1, 1, 0, n, n],
            ["DataType"] = [n, n, n, 1, n],
            ["Run"] = [n, n, n, 1, n],
            ["stimulus_id"] = [n, n, n, n, 1],
        };
        return new H5File
        {
            ["dataset"] = new H5Dataset(matrix, fileDims: [4, 5]),
            ["metadata"] = new H5Group
            {
                ["key"] = keys,
                ["description"] = keys.Select(k => $"1 = {k}").ToArray(),
                ["value"] = new H5Dataset(keys.SelectMany(k => rows[k]).ToArray(), fileDims: [(ulong)keys.Length, 5]),
            },
        };
    }

    /// <summary>A valid 4-sample canonical file (3 voxels) flagged averaged, to break one part of.</summary>
    private static H5File ValidCanonical()
    {
        var file = new H5File
        {
            ["voxels"] = new H5Dataset(Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray(), fileDims: [4, 3]),
            ["samples"] = new H5Group
            {
                ["stimulus_id"] = new[] { "n01443537_1", "n01443537_2", "n01443537_3", "n01443537_4" },
                ["category"] = new[] { 0, 0, 0, 0 },
                ["run"] = new[] { 1, 1, 2, 2 },
                ["split"] = new sbyte[] { 1, 1, 2, 2 },
                ["repeats"] = new[] { 1, 1, 35, 35 },
            },
            ["voxels_meta"] = new H5Group { ["roi"] = new H5Group { ["V1"] = new[] { 0, 1 } } },
        };
        file.Attributes["layout"] = CanonicalFile.LayoutName;
        file.Attributes["layout_version"] = CanonicalFile.LayoutVersion;
        file.Attributes["averaged"] = 1;
        return file;
    }
}
