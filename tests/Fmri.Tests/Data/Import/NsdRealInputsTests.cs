using System.IO.Compression;
using System.Text.Json;
using Fmri.Data;
using Fmri.Data.Import;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Import;

/// <summary>
/// NSD as it ships: nsd_expdesign.mat (MAT v5), betas as HDF5 and as NIfTI-1 .nii.gz, images from imgBrick. Files
/// written by scipy, h5py and nibabel (Fixtures/make_nsd_fixtures.py); expected values computed there with numpy.
/// </summary>
public class NsdRealInputsTests
{
    private static readonly string Folder = Path.Combine(Fmri.Tests.Data.Fixtures.RepositoryRoot, "tests", "Fmri.Tests", "Data", "Import", "Fixtures", "nsd");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement;

    private static string PathOf(string name) => Path.Combine(Folder, name);

    private static int[] Ints(string name) => Expected.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Fact]
    public void Expdesign_mat_maps_trials_to_the_subjects_nsd_images_sessions_runs_and_shared_split()
    {
        var design = NsdExpDesign.Read(PathOf("nsd_expdesign.mat"), subject: 2);
        Assert.Equal("subj02", design.Subject);
        Assert.Equal(1500, design.TrialCount);
        Assert.Equal(Ints("session"), design.Sessions);
        Assert.Equal(Ints("run"), design.Runs);
        Assert.Equal(Ints("nsd_index"), design.NsdIndices);
        Assert.Equal(Expected.GetProperty("shared1000").EnumerateArray().Select(v => v.GetBoolean()), design.Shared1000);
        Assert.Contains(true, design.Shared1000);
        Assert.Contains(false, design.Shared1000);
        // Another subject's row gives other images: the subject matters.
        Assert.NotEqual(design.NsdIndices, NsdExpDesign.Read(PathOf("nsd_expdesign.mat"), subject: 3).NsdIndices);
    }

    [Theory]
    [InlineData("/data/nsddata_betas/ppdata/subj02/func1pt8mm/betas_fithrf/betas_session01.hdf5", 2)]
    [InlineData("subj8/betas_session03.nii.gz", 8)]
    [InlineData("/data/betas_session01.hdf5", null)]
    [InlineData("/data/subj12/x.h5", null)]
    [InlineData("/scratch/subj08_rerun/nsddata_betas/ppdata/subj03/func1pt8mm/betas_session01.hdf5", 3)]
    [InlineData("/scratch/subj08_rerun/betas_session01.hdf5", null)]
    [InlineData("/data/subj05/subj02_betas_session01.hdf5", 5)]
    public void The_subject_is_taken_from_a_subjNN_folder(string path, int? subject)
        => Assert.Equal(subject, NsdExpDesign.SubjectFromPath(path));

    [Theory]
    [InlineData("subj02/betas_session01.hdf5")]
    [InlineData("subj02/betas_session01.nii.gz")]
    public void Betas_in_hdf5_and_nifti_read_the_masks_voxels_in_percent_signal_change(string betas)
    {
        var dataset = FmriFileReader.Read(PathOf(betas), new FmriReadOptions
        {
            NsdMaskPath = PathOf("mask.h5"),
            NsdDesignPath = PathOf("nsd_expdesign.mat"),
        });
        Assert.Equal(750, dataset.SampleCount);
        Assert.Equal(Ints("mask_voxels").Length, dataset.VoxelCount);
        foreach (var trial in Expected.GetProperty("masked_percent").EnumerateObject())
        {
            var want = trial.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var got = dataset.Sample(int.Parse(trial.Name, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (int v = 0; v < want.Length; v++) Assert.Equal(want[v], got[v], 5);
        }
        var nsd = Ints("nsd_index");
        var shared = Expected.GetProperty("shared1000").EnumerateArray().Select(v => v.GetBoolean()).ToArray();
        for (int t = 0; t < 750; t++)
        {
            Assert.Equal($"nsd_{nsd[t]:D5}", dataset.StimulusIds[t].Value);
            Assert.Equal(shared[t] ? DataSplit.Test : DataSplit.Train, dataset.Splits[t]);
        }
        Assert.Equal(Ints("run")[..750], dataset.Runs);
        Assert.Equal("subj02", dataset.Subject);
    }

    [Fact]
    public void Hdf5_and_nifti_betas_give_the_same_samples()
    {
        var options = new FmriReadOptions { NsdMaskPath = PathOf("mask.h5"), NsdDesignPath = PathOf("nsd_expdesign.mat") };
        var h5 = FmriFileReader.Read(PathOf("subj02/betas_session01.hdf5"), options);
        var nii = FmriFileReader.Read(PathOf("subj02/betas_session01.nii.gz"), options);
        Assert.Equal(h5.Voxels, nii.Voxels);
        Assert.Equal(h5.StimulusIds, nii.StimulusIds);
    }

    [Theory]
    [InlineData("subj02/betas_session01.hdf5")]
    [InlineData("subj02/betas_session01.nii.gz")]
    public void A_bare_betas_file_is_described_from_its_first_trial(string betas)
    {
        var d = NsdBetasFile.Describe(PathOf(betas));
        var first = Expected.GetProperty("first_trial_percent");
        Assert.Equal(750, d.Trials);
        Assert.Equal(new VolumeShape(3, 4, 5), d.Grid);
        Assert.Equal("int16", d.DataType);
        Assert.Equal(first.GetProperty("min").GetDouble(), d.FirstTrial.Min, 6);
        Assert.Equal(first.GetProperty("max").GetDouble(), d.FirstTrial.Max, 6);
        Assert.Equal(first.GetProperty("mean").GetDouble(), d.FirstTrial.Mean, 6);
    }

    /// <summary>The small brick's rule: pixel (y, x, c) of 0-based image i is (7 i + 3 y + x + 50 c) mod 256.</summary>
    [Fact]
    public void Images_are_read_from_imgBrick_by_their_one_based_nsd_index_at_any_image_size()
    {
        var ids = new[] { NsdDesign.StimulusOf(5), NsdDesign.StimulusOf(120), NsdDesign.StimulusOf(1) };
        var set = NsdStimulusImport.Read(PathOf("nsd_stimuli.hdf5"), ids, size: null, ImageGeometry.Pad);
        Assert.Equal((3, 10, 12, 3), (set.Count, set.Height, set.Width, set.Channels));
        Assert.Equal(ids, set.StimulusIds);
        int[] index = [5, 120, 1];
        for (int n = 0; n < 3; n++)
            for (int y = 0; y < 10; y++)
                for (int x = 0; x < 12; x++)
                    for (int c = 0; c < 3; c++)
                        Assert.Equal((7 * (index[n] - 1) + 3 * y + x + 50 * c) % 256, set.Pixels[((n * 10 + y) * 12 + x) * 3 + c]);
        Assert.All(set.CategoryLabels, l => Assert.Equal(-1, l));
    }

    /// <summary>
    /// NSD stores imgBrick contiguously: its images are read at their file offsets, and give the same pixels as the
    /// chunked copy read through PureHDF; the hash of the bytes read is the SHA-256 of exactly those images' bytes.
    /// </summary>
    [Fact]
    public void A_contiguous_brick_is_read_at_the_images_offsets_with_the_same_pixels_and_hash()
    {
        Assert.True(NsdStimulusImport.ReadsDirectly(PathOf("nsd_stimuli_contiguous.hdf5")));
        Assert.False(NsdStimulusImport.ReadsDirectly(PathOf("nsd_stimuli.hdf5")));
        var ids = new[] { NsdDesign.StimulusOf(77), NsdDesign.StimulusOf(2), NsdDesign.StimulusOf(120) };
        using var hashContiguous = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var hashChunked = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var contiguous = NsdStimulusImport.Read(PathOf("nsd_stimuli_contiguous.hdf5"), ids, null, ImageGeometry.Pad, null, hashContiguous);
        var chunked = NsdStimulusImport.Read(PathOf("nsd_stimuli.hdf5"), ids, null, ImageGeometry.Pad, null, hashChunked);
        Assert.Equal(chunked.Pixels, contiguous.Pixels);
        var expected = new byte[3 * 10 * 12 * 3];
        int[] index = [77, 2, 120];
        for (int n = 0, k = 0; n < 3; n++)
            for (int y = 0; y < 10; y++)
                for (int x = 0; x < 12; x++)
                    for (int c = 0; c < 3; c++)
                        expected[k++] = (byte)((7 * (index[n] - 1) + 3 * y + x + 50 * c) % 256);
        Assert.Equal(expected, contiguous.Pixels);
        string want = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(expected));
        Assert.Equal(want, Convert.ToHexStringLower(hashContiguous.GetHashAndReset()));
        Assert.Equal(want, Convert.ToHexStringLower(hashChunked.GetHashAndReset()));
    }

    /// <summary>
    /// A brick at NSD's real shape (73,000 x 425 x 425 x 3, 39 GB if it were all written; two images stored): reading
    /// three images allocates a few images' worth, not the brick.
    /// </summary>
    [Fact]
    public void Only_the_requested_images_of_a_full_size_brick_are_read()
    {
        var ids = new[] { NsdDesign.StimulusOf(72999), NsdDesign.StimulusOf(5), NsdDesign.StimulusOf(6) };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var set = NsdStimulusImport.Read(PathOf("nsd_stimuli_fullsize.hdf5"), ids, size: null, ImageGeometry.Pad);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        const int side = 425, one = side * side * 3;
        Assert.True(allocated < 20L * one, $"allocated {allocated} bytes for 3 images of {one} bytes");
        Assert.Equal((3, side, side), (set.Count, set.Height, set.Width));
        int[] index = [72999, 5];
        for (int n = 0; n < 2; n++)
            foreach (var (y, x, c) in new[] { (0, 0, 0), (0, 1, 0), (17, 300, 2), (424, 424, 1) })
                Assert.Equal((index[n] + y + 2 * x + 100 * c) % 256, set.Pixels[(long)n * one + (y * side + x) * 3 + c]);
        Assert.All(set.Pixels.AsSpan(2 * one, one).ToArray(), p => Assert.Equal(0, p)); // image 6 was never written: the fill value
    }

    [Fact]
    public void A_stimulus_outside_the_brick_or_not_an_nsd_id_names_the_file_and_the_id()
    {
        var e = Assert.Throws<DataFormatException>(() => NsdStimulusImport.Read(PathOf("nsd_stimuli.hdf5"), [NsdDesign.StimulusOf(121)], null, ImageGeometry.Pad));
        Assert.Contains("has 120 images; stimulus 'nsd_00121' is outside 1..120", e.Message);
        e = Assert.Throws<DataFormatException>(() => NsdStimulusImport.Read(PathOf("nsd_stimuli.hdf5"), [new StimulusId("n01443537_22563")], null, ImageGeometry.Pad));
        Assert.Contains("NSD images are named nsd_NNNNN", e.Message);
        Assert.True(NsdStimulusImport.Matches(PathOf("nsd_stimuli.hdf5")));
        Assert.False(NsdStimulusImport.Matches(PathOf("mask.h5")));
    }

    [Fact]
    public void A_mat_file_that_is_not_the_nsd_design_or_a_bad_subject_is_refused_with_what_is_expected()
    {
        string other = Path.Combine(Folder, "..", "arrays_v5.mat");
        var e = Assert.Throws<DataFormatException>(() => NsdExpDesign.Read(other, 1));
        Assert.Contains("masterordering", e.Message);
        Assert.Contains("not NSD's nsd_expdesign.mat", e.Message);
        var s = Assert.Throws<InvalidSettingException>(() => NsdExpDesign.Read(PathOf("nsd_expdesign.mat"), 9));
        Assert.Equal("nsd_subject", s.Setting);
        s = Assert.Throws<InvalidSettingException>(() => NsdDesign.Read(PathOf("nsd_expdesign.mat"), subject: null));
        Assert.Contains("subject number 1-8", s.Message);
    }

    [Fact]
    public void Nifti_betas_that_are_3d_truncated_or_off_the_masks_grid_are_refused()
    {
        string dir = Directory.CreateTempSubdirectory("nsd-nii").FullName;
        try
        {
            var design = NsdExpDesign.Read(PathOf("nsd_expdesign.mat"), 2);
            var mask = NsdMask.Read(PathOf("mask.h5"));
            // A 3-D volume (the fixtures' NIfTI mask) where betas belong.
            var e = Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([Fmri.Tests.Data.Fixtures.PathOf("nsdgeneral.nii.gz")], mask, design));
            Assert.Contains("NSD betas are 4-D", e.Message);

            // The session cut short: decompress, keep half, recompress.
            byte[] whole;
            using (var gz = new GZipStream(File.OpenRead(PathOf("subj02/betas_session01.nii.gz")), CompressionMode.Decompress))
            using (var memory = new MemoryStream())
            {
                gz.CopyTo(memory);
                whole = memory.ToArray();
            }
            string cut = Path.Combine(dir, "betas_session01.nii.gz");
            using (var gz = new GZipStream(File.Create(cut), CompressionLevel.Fastest))
                gz.Write(whole, 0, whole.Length / 2);
            e = Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([cut], mask, design));
            Assert.Contains("is truncated: it ends in trial", e.Message);
            Assert.Contains(cut, e.Message);

            // A mask on another grid.
            var other = mask with { Shape = new VolumeShape(3, 4, 6) };
            e = Assert.Throws<DataFormatException>(() => NsdBetasFile.Read([PathOf("subj02/betas_session01.nii.gz")], other, design));
            Assert.Contains("but the mask", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
