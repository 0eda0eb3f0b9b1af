using System.Text.Json;
using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>The reference HDF5 client (Debian's h5py, /usr/bin/python3; CI installs python3-h5py) reads what the project writes.</summary>
public class H5pyReadsProjectFilesTests
{
    [Fact]
    public void H5py_reads_a_canonical_file_the_project_wrote()
    {
        using var temp = new TempFolder();
        var ds = CanonicalFileTests.Generated(samples: 70, voxels: 9);
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, ds);

        var result = RunH5py(file, """
            import h5py, json, sys, numpy as np
            with h5py.File(sys.argv[1], "r") as f:
                v = f["voxels"]
                print(json.dumps({
                    "shape": list(v.shape), "dtype": str(v.dtype), "chunks": list(v.chunks) if v.chunks else None,
                    "compression": v.compression, "shuffle": bool(v.shuffle),
                    "row69": [float(x) for x in v[69]],
                    "ids": [s.decode() if isinstance(s, bytes) else s for s in f["samples/stimulus_id"][:3]],
                    "split": [int(x) for x in f["samples/split"][:8]], "split_dtype": str(f["samples/split"].dtype),
                    "repeats": [int(x) for x in f["samples/repeats"][:8]],
                    "roi_vc": [int(x) for x in f["voxels_meta/roi/VC"][:]],
                    "xyz_last": [float(x) for x in f["voxels_meta/xyz"][-1]],
                    "layout": f.attrs["layout"], "version": int(f.attrs["layout_version"]),
                    "subject": f.attrs["subject"], "steps": json.loads(f["provenance"].attrs["steps"]),
                    "names": [s.decode() if isinstance(s, bytes) else s for s in f["category_names"][:]],
                }))
            """);

        Assert.Equal([70, 9], result.GetProperty("shape").Ints());
        Assert.Equal("float32", result.GetProperty("dtype").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("chunks").ValueKind); // contiguous
        Assert.Equal(JsonValueKind.Null, result.GetProperty("compression").ValueKind);
        Assert.False(result.GetProperty("shuffle").GetBoolean());
        Assert.Equal(ds.Sample(69).ToArray(), result.GetProperty("row69").Floats());
        Assert.Equal(ds.StimulusIds[..3].Select(s => s.Value), result.GetProperty("ids").Strings());
        Assert.Equal(ds.Splits[..8].Select(s => (int)s), result.GetProperty("split").Ints());
        Assert.Equal("int8", result.GetProperty("split_dtype").GetString());
        Assert.Equal(ds.RepeatCounts[..8], result.GetProperty("repeats").Ints());
        Assert.Equal(ds.Rois["VC"], result.GetProperty("roi_vc").Ints());
        Assert.Equal(ds.VoxelCoordinates![^3..], result.GetProperty("xyz_last").Floats());
        Assert.Equal(CanonicalFile.LayoutName, result.GetProperty("layout").GetString());
        Assert.Equal(1, result.GetProperty("version").GetInt32());
        Assert.Equal("sub-03", result.GetProperty("subject").GetString());
        Assert.Equal("zscore_per_run", result.GetProperty("steps")[0].GetProperty("name").GetString());
        Assert.Equal("16", result.GetProperty("steps")[1].GetProperty("parameters").GetProperty("multiple").GetString());
        Assert.Equal(ds.CategoryNames, result.GetProperty("names").Strings());
    }

    [Theory]
    [InlineData(CanonicalFile.VoxelStorage.Contiguous)]
    [InlineData(CanonicalFile.VoxelStorage.Chunked)]
    [InlineData(CanonicalFile.VoxelStorage.ChunkedGzip)]
    public void H5py_reads_every_voxel_storage_the_project_can_write(CanonicalFile.VoxelStorage storage)
    {
        using var temp = new TempFolder();
        var ds = CanonicalFileTests.Generated(samples: 150, voxels: 7);
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, ds, storage);
        var result = RunH5py(file, """
            import h5py, json, sys
            with h5py.File(sys.argv[1], "r") as f:
                v = f["voxels"][()]
                print(json.dumps({"values": [float(x) for x in v.reshape(-1)], "compression": f["voxels"].compression}))
            """);
        Assert.Equal(ds.Voxels, result.GetProperty("values").Floats());
        Assert.Equal(storage == CanonicalFile.VoxelStorage.ChunkedGzip ? "gzip" : null, result.GetProperty("compression").GetString());
    }

    [Fact]
    public void H5py_reads_a_bdata_file_the_project_wrote_as_bdpy_would()
    {
        using var temp = new TempFolder();
        var ds = BDataFile.Read(Fixtures.PathOf("bdata_current.h5"));
        string file = temp.File("bdata.h5");
        BDataFile.Write(file, ds);

        var result = RunH5py(file, """
            import h5py, json, sys, numpy as np
            with h5py.File(sys.argv[1], "r") as f:
                keys = [k.decode() for k in f["metadata/key"][:]]
                value = f["metadata/value"][:]
                data = f["dataset"][:]
                def column(key):
                    return int(np.flatnonzero(value[keys.index(key)] == 1)[0])
                voxels = np.flatnonzero(value[keys.index("VoxelData")] == 1)
                print(json.dumps({
                    "key_dtype": f["metadata/key"].dtype.str,
                    "keys": keys,
                    "row0": [float(x) for x in data[0, voxels]],
                    "stimulus": [float(x) for x in data[:, column("stimulus_id")]],
                    "datatype": [int(x) for x in data[:, column("DataType")]],
                    "v1": [int(x) for x in np.flatnonzero(value[keys.index("ROI_V1")] == 1)],
                    "nan_outside_voxels": bool(np.isnan(value[keys.index("voxel_x")][len(voxels):]).all()),
                    "vmap": {k: (v[()].decode() if isinstance(v[()], bytes) else v[()]) for k, v in f["vmap/category_index"].items()},
                }))
            """);

        Assert.StartsWith("|S", result.GetProperty("key_dtype").GetString());
        Assert.Contains("VoxelData", result.GetProperty("keys").Strings());
        Assert.Contains("ROI_VC", result.GetProperty("keys").Strings());
        Assert.Equal(ds.Sample(0).ToArray(), result.GetProperty("row0").Floats());
        Assert.Equal(ds.StimulusIds.Select(s => s.ToGodNumber()), result.GetProperty("stimulus").Doubles());
        Assert.Equal(ds.Splits.Select(s => (int)s), result.GetProperty("datatype").Ints());
        Assert.Equal(ds.Rois["V1"], result.GetProperty("v1").Ints());
        Assert.True(result.GetProperty("nan_outside_voxels").GetBoolean());
        Assert.Equal("brambling", result.GetProperty("vmap").GetProperty("1.0").GetString());
    }

    [Fact]
    public void H5py_reads_nsd_session_mask_and_design_files_the_project_wrote()
    {
        using var temp = new TempFolder();
        var shape = new VolumeShape(2, 3, 4);
        var betas = Enumerable.Range(0, 2 * 24).Select(i => (short)(i * 13 - 300)).ToArray();
        string session = temp.File("betas_session01.hdf5");
        NsdBetasFile.Write(session, betas, 2, shape);
        var mask = NsdMask.FromValues(shape, Enumerable.Range(0, 24).Select(i => i % 3 == 0 ? 1f : 0f).ToArray(), "nsdgeneral");
        mask.Write(temp.File("mask.h5"));
        var design = new NsdDesign { Sessions = [1, 1], Runs = [1, 2], NsdIndices = [42, 73000], Shared1000 = [true, false], Subject = "subj02" };
        design.Write(temp.File("design.h5"));

        var result = RunH5py(temp.Path, """
            import h5py, json, sys, os, numpy as np
            d = sys.argv[1]
            with h5py.File(os.path.join(d, "betas_session01.hdf5"), "r") as b, h5py.File(os.path.join(d, "mask.h5"), "r") as m, h5py.File(os.path.join(d, "design.h5"), "r") as g:
                print(json.dumps({
                    "betas_dtype": str(b["betas"].dtype), "chunks": list(b["betas"].chunks), "b1234": int(b["betas"][1, 1, 2, 3]),
                    "mask": [int(x) for x in np.flatnonzero(m["mask"][:].ravel() > 0)], "mask_name": m.attrs["name"],
                    "nsd_index": [int(x) for x in g["nsd_index"][:]], "shared": [int(x) for x in g["shared1000"][:]],
                    "subject": g.attrs["subject"],
                }))
            """);

        Assert.Equal("int16", result.GetProperty("betas_dtype").GetString());
        Assert.Equal([2, 1, 1, 1], result.GetProperty("chunks").Ints());
        Assert.Equal(betas[24 + shape.IndexOf(3, 2, 1)], result.GetProperty("b1234").GetInt32());
        Assert.Equal(mask.VoxelIndices, result.GetProperty("mask").Ints());
        Assert.Equal("nsdgeneral", result.GetProperty("mask_name").GetString());
        Assert.Equal([42, 73000], result.GetProperty("nsd_index").Ints());
        Assert.Equal([1, 0], result.GetProperty("shared").Ints());
        Assert.Equal("subj02", result.GetProperty("subject").GetString());
    }

    private static JsonElement RunH5py(string argument, string script) => H5pyScript.Run(script, argument);
}
