using System.Text.Json;
using Fmri.Data;
using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>
/// The canonical reader's direct paths (the voxel matrix read straight from its contiguous block, variable-length
/// strings decoded from their global heap collections in one pass) against files h5py writes: little- and
/// big-endian voxels (PureHDF 2.2.0 refuses to convert byte order; the direct read swaps), strings spread over many
/// heap collections, non-ASCII ids of many lengths, and chunked string storage, which the direct path leaves to
/// PureHDF; integer fields of every width in either byte order (read straight from their blocks, swapped when
/// big-endian); string attributes (decoded from the same heap collections), empty and non-ASCII ones included.
/// </summary>
public class CanonicalDirectReadTests
{
    private const int Samples = 3000;
    private const int Voxels = 600; // 1.8 M values: large enough for the matrix to be read in two halves at once

    // Writes a canonical file whose voxel values follow a formula both sides compute, and prints the ids and names.
    private const string Script = """
import json, sys
import h5py, numpy as np
path, voxel_dtype, chunked_ids, order = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
samples, voxels = 3000, 600
i = np.arange(samples)[:, None]
j = np.arange(voxels)[None, :]
values = (((i * 7 + j * 13) % 1000) / 7.0 - 50.0).astype(voxel_dtype)
ids = ["n%08d_%d%s" % (k % 150, k, "\u00e9\u65e5" * (k % 97)) for k in range(samples)]
names = ["category %d Gr\u00f6\u00dfe" % c for c in range(150)]
names[3] = "\u65e5\u672c"
vlen = h5py.string_dtype("utf-8")
with h5py.File(path, "w") as f:
    f.create_dataset("voxels", data=values)
    f.create_dataset("samples/stimulus_id", data=np.array(ids, dtype=object), dtype=vlen, chunks=(256,) if chunked_ids else None)
    k = np.arange(samples)
    f.create_dataset("samples/category", data=(k % 150).astype(order + "i2"))
    f.create_dataset("samples/run", data=(k // 300 + 1).astype(order + "u2"))
    f.create_dataset("samples/split", data=(1 + (k % 5 == 4)).astype(np.int8))
    f.create_dataset("samples/repeats", data=(k % 3 + 1).astype(order + "i8"))
    f.create_dataset("category_names", data=np.array(names, dtype=object), dtype=vlen)
    f.create_dataset("voxels_meta/roi/VC", data=np.arange(voxels).astype(order + "u4"))
    f.create_dataset("voxels_meta/roi/V1", data=np.arange(voxels - 1, 0, -3).astype(order + "i4"))  # unsorted
    f.attrs["layout"] = "fmri-decoding/canonical"
    f.attrs["layout_version"] = np.int32(1)
    f.attrs["subject"] = "sub-01 \u00e9\u65e5"
    p = f.create_group("provenance")
    p.attrs["source_file"] = "donn\u00e9es/\u65e5\u672c.mat"
    p.attrs["source_sha256"] = ""
    p.attrs["source_layout"] = "bdata"
    p.attrs["tool_version"] = "0.1.0"
    p.attrs["steps"] = json.dumps([{"name": "zscore", "parameters": {"axis": "samples \u00b1"}}])
print(json.dumps({"ids": ids, "names": names}))
""";

    [Theory]
    [InlineData("<f4", false, "<")]
    [InlineData(">f4", false, ">")]
    [InlineData("<f4", true, ">")]
    public void Reads_what_h5py_wrote(string voxelType, bool chunkedIds, string integerOrder)
    {
        using var folder = new TempFolder();
        string path = folder.File("canonical.h5");
        var expected = H5pyScript.Run(Script, path, voxelType, chunkedIds ? "1" : "0", integerOrder);

        var dataset = CanonicalFile.Read(path);

        Assert.Equal(Samples, dataset.SampleCount);
        Assert.Equal(Voxels, dataset.VoxelCount);
        for (int i = 0; i < Samples; i++)
        {
            for (int j = 0; j < Voxels; j++)
            {
                float value = (float)(((i * 7 + j * 13) % 1000) / 7.0 - 50.0);
                if (dataset.Voxels[i * Voxels + j] != value)
                    Assert.Fail($"voxel [{i}, {j}] is {dataset.Voxels[i * Voxels + j]}, h5py wrote {value}");
            }
        }
        Assert.Equal(expected.GetProperty("ids").EnumerateArray().Select(e => e.GetString()), dataset.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("names").EnumerateArray().Select(e => e.GetString()), dataset.CategoryNames);

        Assert.Equal(Enumerable.Range(0, Samples).Select(k => k % 150), dataset.CategoryLabels);
        Assert.Equal(Enumerable.Range(0, Samples).Select(k => k / 300 + 1), dataset.Runs);
        Assert.Equal(Enumerable.Range(0, Samples).Select(k => k % 5 == 4 ? DataSplit.Test : DataSplit.Train), dataset.Splits);
        Assert.Equal(Enumerable.Range(0, Samples).Select(k => k % 3 + 1), dataset.RepeatCounts);
        Assert.Equal(Enumerable.Range(0, Voxels), dataset.Rois["VC"]);
        Assert.Equal(Enumerable.Range(0, Voxels).Where(v => v > 0 && (Voxels - 1 - v) % 3 == 0), dataset.Rois["V1"]);

        Assert.Equal("sub-01 \u00e9\u65e5", dataset.Subject);
        Assert.Equal("donn\u00e9es/\u65e5\u672c.mat", dataset.Provenance.SourceFile);
        Assert.Equal("", dataset.Provenance.SourceSha256);
        Assert.Equal("bdata", dataset.Provenance.SourceLayout);
        Assert.Equal("0.1.0", dataset.Provenance.ToolVersion);
        var step = Assert.Single(dataset.Provenance.Steps);
        Assert.Equal("zscore", step.Name);
        Assert.Equal("samples \u00b1", step.Parameters["axis"]);
    }
}
