using Fmri.Core;
using Fmri.Data;
using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>BData reading on h5py-written fixtures of both generations, ROI selection, and the BData writer.</summary>
public class BDataFileTests
{
    [Fact]
    public void Reads_current_generation_voxels_labels_rois_and_categories_as_recorded_by_h5py()
    {
        var expected = Fixtures.Expected("bdata_current");
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"));

        Assert.Equal(expected.GetProperty("samples").GetInt32(), ds.SampleCount);
        Assert.Equal(expected.GetProperty("voxels").GetInt32(), ds.VoxelCount);
        // float64 on disk, float32 in memory: compare after the same rounding.
        Assert.Equal(expected.GetProperty("first_row").Floats(), ds.Sample(0).ToArray());
        Assert.Equal(expected.GetProperty("last_row").Floats(), ds.Sample(ds.SampleCount - 1).ToArray());
        Assert.Equal(expected.GetProperty("nan_count").GetInt32(), ds.Voxels.Count(float.IsNaN));
        Assert.Equal(expected.GetProperty("stimulus_ids").Strings(), ds.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("splits").Ints(), ds.Splits.Select(s => (int)s));
        Assert.Equal(expected.GetProperty("runs").Ints(), ds.Runs);
        Assert.Equal(expected.GetProperty("category_labels").Ints(), ds.CategoryLabels);
        Assert.Equal(expected.GetProperty("category_names").Strings(), ds.CategoryNames);
        Assert.Equal(expected.GetProperty("xyz_voxel0").Floats(), ds.VoxelCoordinates!.AsSpan(0, 3).ToArray());
        Assert.Equal(expected.GetProperty("xyz_voxel9").Floats(), ds.VoxelCoordinates!.AsSpan(27, 3).ToArray());

        // ROI_FFA exists as a key but selects nothing, so it is not a region of the data set.
        var rois = expected.GetProperty("rois").IntLists();
        Assert.Equal(rois.Keys.Order(), ds.Rois.Keys.Order());
        foreach (var (name, members) in rois) Assert.Equal(members, ds.Rois[name]);

        Assert.All(ds.RepeatCounts, r => Assert.Equal(1, r));
        Assert.Equal("bdata_current", ds.Subject);
        Assert.Equal("bdata", ds.Provenance.SourceLayout);
        Assert.Equal(Fmri.Core.IO.FileHash.Sha256(Fixtures.PathOf("bdata_current.h5")), ds.Provenance.SourceSha256);
    }

    [Fact]
    public void Reads_legacy_generation_with_Label_stimulus_ids()
    {
        var expected = Fixtures.Expected("bdata_legacy");
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_legacy.h5"));

        Assert.Equal(expected.GetProperty("voxels").GetInt32(), ds.VoxelCount);
        Assert.Equal(expected.GetProperty("first_row").Floats(), ds.Sample(0).ToArray());
        Assert.Equal(expected.GetProperty("stimulus_ids").Strings(), ds.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("splits").Ints(), ds.Splits.Select(s => (int)s));
        Assert.Equal(expected.GetProperty("runs").Ints(), ds.Runs);
        foreach (var (name, members) in expected.GetProperty("rois").IntLists()) Assert.Equal(members, ds.Rois[name]);
        Assert.Null(ds.VoxelCoordinates);
        Assert.All(ds.CategoryLabels, c => Assert.Equal(-1, c));
        Assert.Empty(ds.CategoryNames);
    }

    [Fact]
    public void Reads_image_index_labels_as_image_N_and_missing_Run_as_zero()
    {
        var expected = Fixtures.Expected("bdata_image_index");
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_image_index.h5"));
        Assert.Equal(expected.GetProperty("stimulus_ids").Strings(), ds.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("runs").Ints(), ds.Runs);
        Assert.Equal(expected.GetProperty("splits").Ints(), ds.Splits.Select(s => (int)s));
        Assert.Equal(expected.GetProperty("first_row").Floats(), ds.Sample(0).ToArray());
    }

    [Theory]
    [InlineData("V1+V2")]
    [InlineData("ROI_V1 = 1 | ROI_V2 = 1")]
    [InlineData("v1 + ROI_V2")]
    public void Roi_union_loads_only_those_voxel_columns(string expression)
    {
        var expected = Fixtures.Expected("bdata_current").GetProperty("roi_v1v2");
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"), new BDataReadOptions { Roi = expression });

        Assert.Equal(expected.GetProperty("voxels").Ints().Length, ds.VoxelCount);
        Assert.Equal(expected.GetProperty("first_row").Floats(), ds.Sample(0).ToArray());
        var rois = expected.GetProperty("rois").IntLists();
        Assert.Equal(rois.Keys.Order(), ds.Rois.Keys.Order());
        foreach (var (name, members) in rois) Assert.Equal(members, ds.Rois[name]);
        Assert.Equal(ds.VoxelCount * 3, ds.VoxelCoordinates!.Length);
        Assert.Equal("select_roi", ds.Provenance.Steps.Single().Name);
    }

    [Theory]
    [InlineData("VC")]
    [InlineData("ROI_VC")]
    [InlineData("ROI_VC = 1")]
    public void Single_roi_written_three_ways_selects_the_same_voxels(string expression)
    {
        var all = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"));
        var vc = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"), new BDataReadOptions { Roi = expression });
        var members = all.Rois["VC"];
        Assert.Equal(members.Length, vc.VoxelCount);
        for (int s = 0; s < all.SampleCount; s++)
        {
            var full = all.Sample(s).ToArray();
            Assert.Equal(members.Select(m => full[m]).ToArray(), vc.Sample(s).ToArray());
        }
    }

    [Theory]
    [InlineData(BDataGeneration.Current)]
    [InlineData(BDataGeneration.Legacy)]
    public void Write_then_read_gives_back_the_data_set(BDataGeneration generation)
    {
        using var temp = new TempFolder();
        var original = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"));
        string file = temp.File("written.h5");
        BDataFile.Write(file, original, generation);
        var back = BDataFile.Read(file, new BDataReadOptions { Subject = original.Subject });

        Assert.Equal(original.Voxels, back.Voxels);
        Assert.Equal(original.StimulusIds, back.StimulusIds);
        Assert.Equal(original.Splits, back.Splits);
        Assert.Equal(original.Runs, back.Runs);
        Assert.Equal(original.CategoryLabels, back.CategoryLabels);
        Assert.Equal(original.CategoryNames, back.CategoryNames);
        Assert.Equal(original.VoxelCoordinates, back.VoxelCoordinates);
        Assert.Equal(original.Rois.Keys.Order(), back.Rois.Keys.Order());
        foreach (var (name, members) in original.Rois) Assert.Equal(members, back.Rois[name]);
        var names = Hdf5Listing.List(file).Select(e => e.Path).ToList();
        Assert.Contains(generation == BDataGeneration.Legacy ? "/dataSet" : "/dataset", names);
        Assert.Contains(generation == BDataGeneration.Legacy ? "/metaData/key" : "/metadata/key", names);
        Assert.Equal(FmriLayout.BData, LayoutDetector.Detect(file));
    }

    [Fact]
    public void A_written_data_set_keeps_its_origin_so_simulated_data_stays_marked_as_simulated()
    {
        using var temp = new TempFolder();
        var original = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"));
        var simulated = original with
        {
            Provenance = new DatasetProvenance { SourceFile = "simulated:seed=3", SourceLayout = "simulation" }
                .WithStep(ProcessingStep.Of("simulate_visual_cortex", ("snr", 0.5))),
        };
        string file = temp.File("simulated.h5");
        BDataFile.Write(file, simulated);
        var read = BDataFile.Read(file);
        var recorded = Assert.Single(read.Provenance.Steps, s => s.Name == "recorded_provenance");
        Assert.Contains("simulated:seed=3 -> simulate_visual_cortex", recorded.ToString());

        // A data set with no processing history (a lab's file read as is) writes no such attribute.
        string plain = temp.File("plain.h5");
        BDataFile.Write(plain, original);
        Assert.DoesNotContain(BDataFile.Read(plain).Provenance.Steps, s => s.Name == "recorded_provenance");
    }

    [Fact]
    public void Write_refuses_stimulus_ids_bdata_cannot_encode()
    {
        using var temp = new TempFolder();
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_image_index.h5"));
        var bad = ds with { StimulusIds = ds.StimulusIds.Select((s, i) => i == 2 ? new StimulusId("nsd_00042") : s).ToArray() };
        var e = Assert.Throws<ArgumentException>(() => BDataFile.Write(temp.File("bad.h5"), bad));
        Assert.Contains("'nsd_00042' (sample 2) is none of them", e.Message);
        Assert.False(File.Exists(temp.File("bad.h5")));

        // Each id encodable alone, but of two kinds: the message names one of each, not the first as invalid.
        var mixed = ds with { StimulusIds = ds.StimulusIds.Select((s, i) => new StimulusId(i == 3 ? "n01518878_10042" : $"image_{i + 1}")).ToArray() };
        e = Assert.Throws<ArgumentException>(() => BDataFile.Write(temp.File("mixed.h5"), mixed));
        Assert.Contains("they mix kinds: 'image_1' (sample 0) is an image_N id, 'n01518878_10042' (sample 3) is a WordNet id", e.Message);
        Assert.False(File.Exists(temp.File("mixed.h5")));
    }

    /// <summary>Writes a minimal BData (3 voxels, DataType, stimulus_id) whose /dataset has the given numpy dtype.</summary>
    private const string SmallBData = """
import sys, h5py, numpy as np
out, dtype, ids = sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3].split(',')]
n = len(ids)
m = np.zeros((n, 5))
m[:, :3] = np.arange(n * 3).reshape(n, 3)
m[:, 3] = 1
m[:, 4] = ids
nan = np.nan
with h5py.File(out, 'w') as f:
    f.create_dataset('dataset', data=m.astype(dtype))
    f.create_dataset('metadata/key', data=np.array([b'VoxelData', b'DataType', b'stimulus_id']))
    f.create_dataset('metadata/description', data=np.array([b'1 = Voxel', b'1 = Data type', b'1 = Stimulus ID']))
    f.create_dataset('metadata/value', data=np.array([[1, 1, 1, nan, nan], [nan, nan, nan, 1, nan], [nan, nan, nan, nan, 1]]))
print(repr(m.astype(dtype)[:, 4].tolist()).replace("'", '"'))
""";

    [Fact]
    public void Float32_god_ids_are_refused_with_the_field_named_instead_of_being_rounded_to_other_images()
    {
        // As float32, 1518878.010042 becomes 1518878.0 and 15075141.999999 becomes 15075142.0 (another synset).
        using var temp = new TempFolder();
        string file = temp.File("single.h5");
        var stored = H5pyScript.Run(SmallBData, file, "float32", "1518878.010042,1443537.000022,15075141.999999");
        Assert.Equal(15075142.0, stored[2].GetDouble());
        var e = Assert.Throws<DataFormatException>(() => BDataFile.Read(file));
        Assert.Contains("stimulus_id", e.Message);
        Assert.Contains("single precision", e.Message);

        // The same ids as float64 read exactly; small whole ids are exact in float32 and read as usual.
        string exact = temp.File("double.h5");
        H5pyScript.Run(SmallBData, exact, "float64", "1518878.010042,1443537.000022,15075141.999999");
        Assert.Equal(["n01518878_10042", "n01443537_22", "n15075141_999999"], BDataFile.Read(exact).StimulusIds.Select(s => s.Value));
        string plain = temp.File("plain.h5");
        H5pyScript.Run(SmallBData, plain, "float32", "1,2,1200");
        Assert.Equal(["1", "2", "1200"], BDataFile.Read(plain).StimulusIds.Select(s => s.Value));
    }

    /// <summary>
    /// One small BData written three ways: by h5py in bdpy's layout, by scipy as a MATLAB v7 MAT-file (compressed, as a
    /// plain MATLAB save writes it), and in MATLAB v7.3's layout (HDF5 behind a 512-byte MATLAB header; arrays stored
    /// transposed, cell arrays of key names as references to uint16 char arrays), as BrainDecoderToolbox2 saves it.
    /// </summary>
    private const string ThreeWays = """
import sys, h5py, numpy as np, scipy.io
folder = sys.argv[1]
rng = np.random.default_rng(3)
samples, nvox = 6, 4
m = np.zeros((samples, nvox + 3))
m[:, :nvox] = rng.standard_normal((samples, nvox))
m[:, nvox] = [1, 1, 1, 1, 2, 2]
m[:, nvox + 1] = [1, 1, 2, 2, 1, 1]
m[:, nvox + 2] = [1518878.010042, 1443537.000022, 1518878.000007, 2086240.12, 1518878.010042, 4554684.999999]
nan = np.nan
keys = ['VoxelData', 'ROI_V1', 'ROI_VC', 'DataType', 'Run', 'stimulus_id']
desc = ['1 = Voxel data', '1 = V1', '1 = VC', '1 = Data type', '1 = Run', '1 = Stimulus ID']
one = lambda cols: [1.0 if c in cols else nan for c in range(nvox + 3)]
value = np.array([one(range(nvox)), one([0, 1]), one(range(nvox)), one([nvox]), one([nvox + 1]), one([nvox + 2])])
with h5py.File(folder + '/bdpy.h5', 'w') as f:
    f.create_dataset('dataset', data=m)
    f.create_dataset('metadata/key', data=np.array([k.encode() for k in keys]))
    f.create_dataset('metadata/description', data=np.array([d.encode() for d in desc]))
    f.create_dataset('metadata/value', data=value)
scipy.io.savemat(folder + '/v7.mat', {'dataSet': m, 'metaData': {'key': np.array(keys, dtype=object), 'description': np.array(desc, dtype=object), 'value': value}}, do_compression=True)
with h5py.File(folder + '/v73.mat', 'w', userblock_size=512) as f:
    d = f.create_dataset('dataSet', data=m.T)
    d.attrs['MATLAB_class'] = np.bytes_('double')
    g = f.create_group('metaData')
    g.attrs['MATLAB_class'] = np.bytes_('struct')
    refs = f.create_group('#refs#')
    for field, strings in (('key', keys), ('description', desc)):
        rr = []
        for i, text in enumerate(strings):
            c = refs.create_dataset(field + str(i), data=np.array([ord(ch) for ch in text], np.uint16).reshape(-1, 1))
            c.attrs['MATLAB_class'] = np.bytes_('char')
            rr.append(c.ref)
        cell = g.create_dataset(field, data=np.array(rr, dtype=h5py.ref_dtype).reshape(-1, 1))
        cell.attrs['MATLAB_class'] = np.bytes_('cell')
    v = g.create_dataset('value', data=value.T)
    v.attrs['MATLAB_class'] = np.bytes_('double')
header = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .'
with open(folder + '/v73.mat', 'r+b') as fh:
    fh.write(header.ljust(116, b' ') + b'\0' * 8 + b'\x00\x02' + b'IM')
scipy.io.savemat(folder + '/other.mat', {'fmri': m})
print('{}')
""";

    [Fact]
    public void Bdata_saved_by_matlab_v7_and_v73_reads_as_the_same_data_set_as_bdpys_hdf5()
    {
        using var temp = new TempFolder();
        H5pyScript.Run(ThreeWays, temp.Path);
        var reference = BDataFile.Read(temp.File("bdpy.h5"), new BDataReadOptions { Roi = "V1" });
        Assert.Equal(["n01518878_10042", "n01443537_22", "n01518878_7", "n02086240_120000", "n01518878_10042", "n04554684_999999"], reference.StimulusIds.Select(s => s.Value));
        Assert.Equal(2, reference.VoxelCount);
        foreach (string name in new[] { "v7.mat", "v73.mat" })
        {
            string file = temp.File(name);
            Assert.Equal(FmriLayout.BData, LayoutDetector.Detect(file));
            var ds = FmriFileReader.Read(file, new FmriReadOptions { Roi = "V1" });
            Assert.Equal(reference.Voxels, ds.Voxels);
            Assert.Equal(reference.StimulusIds, ds.StimulusIds);
            Assert.Equal(reference.Splits, ds.Splits);
            Assert.Equal(reference.Runs, ds.Runs);
            Assert.Equal(reference.Rois.Keys.Order(), ds.Rois.Keys.Order());
            Assert.Equal("bdata-mat", ds.Provenance.SourceLayout);
        }
        // A MAT-file without a BData is refused with what it holds and where exported matrices go.
        var e = Assert.Throws<DataFormatException>(() => FmriFileReader.Read(temp.File("other.mat")));
        Assert.Contains("fmri (6 x 7 double)", e.Message);
        Assert.Contains("decoding import", e.Message);
    }
}
