using Fmri.Data;
using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>The canonical layout: reading an h5py-written file, and write-then-read round trips.</summary>
public class CanonicalFileTests
{
    [Fact]
    public void Reads_the_h5py_written_canonical_file_as_recorded()
    {
        var expected = Fixtures.Expected("canonical");
        var ds = CanonicalFile.Read(Fixtures.PathOf("canonical.h5"));

        Assert.Equal(expected.GetProperty("samples").GetInt32(), ds.SampleCount);
        Assert.Equal(expected.GetProperty("voxels").GetInt32(), ds.VoxelCount);
        Assert.Equal(expected.GetProperty("values").Floats(), ds.Voxels);
        Assert.Equal(expected.GetProperty("stimulus_ids").Strings(), ds.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("category_labels").Ints(), ds.CategoryLabels);
        Assert.Equal(expected.GetProperty("runs").Ints(), ds.Runs);
        Assert.Equal(expected.GetProperty("splits").Ints(), ds.Splits.Select(s => (int)s));
        Assert.Equal(expected.GetProperty("repeats").Ints(), ds.RepeatCounts);
        Assert.Equal(expected.GetProperty("category_names").Strings(), ds.CategoryNames);
        foreach (var (name, members) in expected.GetProperty("rois").IntLists()) Assert.Equal(members, ds.Rois[name]);
        Assert.Equal(expected.GetProperty("xyz_voxel4").Floats(), ds.VoxelCoordinates!.AsSpan(12, 3).ToArray());
        Assert.Equal(expected.GetProperty("subject").GetString(), ds.Subject);
        Assert.Equal(expected.GetProperty("padding_voxels").GetInt32(), ds.PaddingVoxels);
        Assert.Equal(expected.GetProperty("source_file").GetString(), ds.Provenance.SourceFile);
        var steps = expected.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(steps.Select(s => s.GetProperty("name").GetString()), ds.Provenance.Steps.Select(s => s.Name));
        Assert.Equal("35", ds.Provenance.Steps[1].Parameters["repeats"]);
    }

    [Fact]
    public void Roi_selection_reads_only_the_roi_columns()
    {
        var all = CanonicalFile.Read(Fixtures.PathOf("canonical.h5"));
        var v1 = CanonicalFile.Read(Fixtures.PathOf("canonical.h5"), "V1");
        Assert.Equal(3, v1.VoxelCount);
        for (int s = 0; s < all.SampleCount; s++) Assert.Equal(all.Sample(s)[..3].ToArray(), v1.Sample(s).ToArray());
        Assert.Equal([0, 1, 2], v1.Rois["VC"]);
        Assert.Equal(0, v1.PaddingVoxels);
        Assert.Equal(all.VoxelCoordinates!.AsSpan(0, 9).ToArray(), v1.VoxelCoordinates);
    }

    [Fact]
    public void Roi_with_scattered_columns_picks_exactly_those_columns()
    {
        using var temp = new TempFolder();
        var original = Generated(samples: 70, voxels: 12);
        original = original with { Rois = new Dictionary<string, int[]>(original.Rois) { ["odd"] = [1, 3, 5, 11] } };
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, original);
        var odd = CanonicalFile.Read(file, "odd");
        for (int s = 0; s < original.SampleCount; s++)
        {
            var full = original.Sample(s).ToArray();
            Assert.Equal(new[] { full[1], full[3], full[5], full[11] }, odd.Sample(s).ToArray());
        }
        Assert.Equal([0, 1, 2, 3], odd.Rois["odd"]);
        // Other ROIs keep their voxels inside the selection, re-indexed: V1 = {0, 1, 2} meets it in column 1 (now 0),
        // VC = {0..10} in columns 1, 3, 5 (now 0, 1, 2).
        Assert.Equal([0], odd.Rois["V1"]);
        Assert.Equal([0, 1, 2], odd.Rois["VC"]);
    }

    [Fact]
    public void Write_then_read_gives_back_every_field()
    {
        using var temp = new TempFolder();
        var original = Generated(samples: 70, voxels: 33); // more samples than one 64-row chunk
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, original);
        var back = CanonicalFile.Read(file);

        Assert.Equal(original.Voxels, back.Voxels);
        Assert.Equal(original.StimulusIds, back.StimulusIds);
        Assert.Equal(original.CategoryLabels, back.CategoryLabels);
        Assert.Equal(original.Runs, back.Runs);
        Assert.Equal(original.Splits, back.Splits);
        Assert.Equal(original.RepeatCounts, back.RepeatCounts);
        Assert.Equal(original.CategoryNames, back.CategoryNames);
        Assert.Equal(original.VoxelCoordinates, back.VoxelCoordinates);
        Assert.Equal(original.Subject, back.Subject);
        Assert.Equal(original.PaddingVoxels, back.PaddingVoxels);
        Assert.Equal(original.Rois.Keys.Order(), back.Rois.Keys.Order());
        foreach (var (name, members) in original.Rois) Assert.Equal(members, back.Rois[name]);
        Assert.Equal(original.Provenance.SourceFile, back.Provenance.SourceFile);
        Assert.Equal(original.Provenance.SourceSha256, back.Provenance.SourceSha256);
        Assert.Equal(original.Provenance.SourceLayout, back.Provenance.SourceLayout);
        Assert.Equal(original.Provenance.Steps.Select(s => s.ToString()), back.Provenance.Steps.Select(s => s.ToString()));
        Assert.Equal(FmriLayout.Canonical, LayoutDetector.Detect(file));

        var voxels = Hdf5Listing.List(file).Single(e => e.Path == "/voxels");
        Assert.Equal("float32", voxels.DataType);
        Assert.Null(voxels.Chunks); // contiguous: read in one piece, nothing to decompress
    }

    [Theory]
    [InlineData(CanonicalFile.VoxelStorage.Contiguous, null)]
    [InlineData(CanonicalFile.VoxelStorage.Chunked, CanonicalFile.ChunkSamples)]
    [InlineData(CanonicalFile.VoxelStorage.ChunkedGzip, CanonicalFile.ChunkSamples)]
    public void Every_voxel_storage_round_trips_whole_and_by_roi(CanonicalFile.VoxelStorage storage, int? chunkRows)
    {
        using var temp = new TempFolder();
        var original = Generated(samples: 150, voxels: 20); // three chunks of rows, the last one partial
        original = original with { Rois = new Dictionary<string, int[]>(original.Rois) { ["range"] = [4, 5, 6, 7], ["odd"] = [1, 3, 19] } };
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, original, storage);

        Assert.Equal(original.Voxels, CanonicalFile.Read(file).Voxels);
        var range = CanonicalFile.Read(file, "range");
        var odd = CanonicalFile.Read(file, "odd");
        for (int s = 0; s < original.SampleCount; s++)
        {
            var full = original.Sample(s).ToArray();
            Assert.Equal(full[4..8], range.Sample(s).ToArray());
            Assert.Equal(new[] { full[1], full[3], full[19] }, odd.Sample(s).ToArray());
        }
        var voxels = Hdf5Listing.List(file).Single(e => e.Path == "/voxels");
        Assert.Equal(chunkRows is int rows ? new long[] { rows, 20 } : null, voxels.Chunks);
    }

    [Fact]
    public void Write_refuses_to_overwrite_its_input()
    {
        using var temp = new TempFolder();
        string file = temp.File("canonical.h5");
        CanonicalFile.Write(file, Generated(4, 3));
        Assert.Throws<ArgumentException>(() => CanonicalFile.Write(file, Generated(4, 3), file));
    }

    /// <summary>A small data set with every field set, from a seeded generator.</summary>
    internal static FmriDataset Generated(int samples, int voxels, int seed = 3)
    {
        var random = new Random(seed);
        var values = new float[samples * voxels];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
        return new FmriDataset
        {
            Voxels = values,
            SampleCount = samples,
            VoxelCount = voxels,
            StimulusIds = Enumerable.Range(0, samples).Select(i => StimulusId.FromSynsetAndImage(1518878 + i % 5, 10 + i)).ToArray(),
            CategoryLabels = Enumerable.Range(0, samples).Select(i => i % 5 == 4 ? -1 : i % 5).ToArray(),
            Runs = Enumerable.Range(0, samples).Select(i => 1 + i / 10).ToArray(),
            Splits = Enumerable.Range(0, samples).Select(i => i % 7 == 6 ? DataSplit.Test : i % 11 == 10 ? DataSplit.TestImagery : DataSplit.Train).ToArray(),
            RepeatCounts = Enumerable.Range(0, samples).Select(i => i % 7 == 6 ? 35 : 1).ToArray(),
            Rois = new Dictionary<string, int[]> { ["V1"] = [0, 1, 2], ["VC"] = Enumerable.Range(0, voxels - 1).ToArray() },
            VoxelCoordinates = Enumerable.Range(0, voxels * 3).Select(i => i * 1.5f - 7).ToArray(),
            CategoryNames = ["goldfish", "brambling", "tree frog", "Japanese spaniel"],
            Subject = "sub-03",
            PaddingVoxels = 1,
            Provenance = new DatasetProvenance
            {
                SourceFile = "Subject3.h5",
                SourceSha256 = new string('a', 64),
                SourceLayout = "bdata",
                Steps = [ProcessingStep.Of("zscore_per_run", ("axis", "samples")), ProcessingStep.Of("pad", ("multiple", 16))],
            },
        };
    }
}
