using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>NSD betas, masks (NIfTI and HDF5) and designs (JSON and HDF5) on h5py-written fixtures.</summary>
public class NsdBetasFileTests
{
    private static readonly string[] Sessions = [Fixtures.PathOf("betas_session01.hdf5"), Fixtures.PathOf("betas_session02.hdf5")];

    [Theory]
    [InlineData("nsdgeneral.nii.gz")]
    [InlineData("nsd_mask_scaled.nii")]
    [InlineData("nsd_mask.h5")]
    public void Masks_from_nifti_gz_scaled_nifti_and_hdf5_select_the_recorded_voxels(string maskFile)
    {
        var expected = Fixtures.Expected("nsd");
        var mask = NsdMask.Read(Fixtures.PathOf(maskFile));
        var zyx = expected.GetProperty("shape_zyx").Ints();
        Assert.Equal(new VolumeShape(zyx[0], zyx[1], zyx[2]), mask.Shape);
        Assert.Equal(expected.GetProperty("kept_indices").Ints(), mask.VoxelIndices);
    }

    [Fact]
    public void Nifti_mask_carries_its_name_and_sform_placement()
    {
        var expected = Fixtures.Expected("nsd");
        var mask = NsdMask.Read(Fixtures.PathOf("nsdgeneral.nii.gz"));
        Assert.Equal("nsdgeneral", mask.Name);
        var xyz = mask.VoxelCoordinatesMm()!;
        Assert.Equal(expected.GetProperty("xyz_first_kept").Floats(), xyz.AsSpan(0, 3).ToArray());
        Assert.Equal(expected.GetProperty("xyz_last_kept").Floats(), xyz.AsSpan(xyz.Length - 3, 3).ToArray());
    }

    [Theory]
    [InlineData("nsd_design.json")]
    [InlineData("nsd_design.h5")]
    public void Reads_two_sessions_as_percent_signal_change_with_design_labels(string designFile)
    {
        var expected = Fixtures.Expected("nsd");
        var mask = NsdMask.Read(Fixtures.PathOf("nsdgeneral.nii.gz"));
        var design = NsdDesign.Read(Fixtures.PathOf(designFile));
        var ds = NsdBetasFile.Read(Sessions, mask, design);

        Assert.Equal(expected.GetProperty("trials").GetInt32(), ds.SampleCount);
        Assert.Equal(mask.Count, ds.VoxelCount);
        Assert.Equal(expected.GetProperty("psc_session1_trial0").Floats(), ds.Sample(0).ToArray());
        Assert.Equal(expected.GetProperty("psc_session2_trial3").Floats(), ds.Sample(5 + 3).ToArray());
        Assert.Equal(expected.GetProperty("stimulus_ids").Strings(), ds.StimulusIds.Select(s => s.Value));
        Assert.Equal(expected.GetProperty("splits").Ints(), ds.Splits.Select(s => (int)s));
        Assert.Equal(expected.GetProperty("runs").Ints(), ds.Runs);
        Assert.Equal("subj01", ds.Subject);
        Assert.Equal(Enumerable.Range(0, mask.Count), ds.Rois["nsdgeneral"]);
        Assert.Equal(expected.GetProperty("xyz_first_kept").Floats(), ds.VoxelCoordinates!.AsSpan(0, 3).ToArray());
        Assert.Equal("nsd", ds.Provenance.SourceLayout);
        Assert.Equal(2, ds.Provenance.SourceSha256.Split(';').Length);
    }

    [Fact]
    public void A_session_comes_from_the_name_or_from_the_sessions_given_and_a_file_without_either_is_refused()
    {
        using var temp = new TempFolder();
        var mask = NsdMask.Read(Fixtures.PathOf("nsdgeneral.nii.gz"));
        var design = NsdDesign.Read(Fixtures.PathOf("nsd_design.json"));
        var second = NsdBetasFile.Read([Sessions[1]], mask, design, hashSources: false);

        // BIDS's ses-NN names the session as well; the trials are session 2's (the fixture's design: 5 trials a session).
        string bids = temp.File("sub-01_ses-02_betas.hdf5");
        File.Copy(Sessions[1], bids);
        var fromBids = NsdBetasFile.Read([bids], mask, design, hashSources: false);
        Assert.Equal(second.StimulusIds, fromBids.StimulusIds);
        Assert.Equal(second.Voxels, fromBids.Voxels);
        Assert.Contains("nsd_sessions(sessions=2)", fromBids.Provenance.Steps.Select(s => s.ToString()));

        // A name without a session number: refused, since the first session's trials would be taken silently.
        string plain = temp.File("sub03_run2_betas.hdf5");
        File.Copy(Sessions[1], plain);
        var e = Assert.Throws<InvalidSettingException>(() => NsdBetasFile.Read([plain], mask, design));
        Assert.Equal("nsd_session", e.Setting);
        Assert.Contains($"{plain} has no session number in its name", e.Message);
        var given = NsdBetasFile.Read([plain], mask, design, hashSources: false, sessions: [2]);
        Assert.Equal(second.StimulusIds, given.StimulusIds);

        // The sessions given override the names, one per file, each once, each in the design.
        Assert.Contains("gives 1 session for 2 betas files", Assert.Throws<InvalidSettingException>(() => NsdBetasFile.Read(Sessions, mask, design, sessions: [1])).Message);
        Assert.Contains("is given twice", Assert.Throws<InvalidSettingException>(() => NsdBetasFile.Read(Sessions, mask, design, sessions: [2, 2])).Message);
        Assert.Contains("is not a session of the design (sessions 1-2)", Assert.Throws<InvalidSettingException>(() => NsdBetasFile.Read([plain], mask, design, sessions: [3])).Message);
    }

    [Fact]
    public void Several_inputs_are_read_as_one_data_set_only_when_all_are_NSD_betas_of_one_subject()
    {
        using var temp = new TempFolder();
        var options = new FmriReadOptions { NsdMaskPath = Fixtures.PathOf("nsdgeneral.nii.gz"), NsdDesignPath = Fixtures.PathOf("nsd_design.json"), HashSource = false };
        var both = FmriFileReader.Read(Sessions, options);
        Assert.Equal(10, both.SampleCount);
        Assert.Equal(ExpectedRuns, both.Runs);   // session 2's runs numbered after session 1's

        var e = Assert.Throws<InvalidSettingException>(() => FmriFileReader.Read([Sessions[0], Fixtures.PathOf("canonical.h5")], options));
        Assert.Equal("input", e.Setting);
        Assert.Contains("several inputs are read together only as NSD betas sessions of one subject", e.Message);

        Directory.CreateDirectory(temp.File("subj01"));
        Directory.CreateDirectory(temp.File("subj02"));
        string one = Path.Combine(temp.File("subj01"), "betas_session01.hdf5"), two = Path.Combine(temp.File("subj02"), "betas_session02.hdf5");
        File.Copy(Sessions[0], one);
        File.Copy(Sessions[1], two);
        e = Assert.Throws<InvalidSettingException>(() => FmriFileReader.Read([one, two], options));
        Assert.Contains("is in subject 2's folder and", e.Message);
    }

    private static readonly int[] ExpectedRuns = [1, 1, 1, 2, 2, 4, 4, 5, 5, 5];

    [Fact]
    public void Stimulus_ids_are_the_one_based_nsd_index_with_five_digits()
    {
        // NSD's 73k images are numbered 1..73000 in nsd_expdesign.mat; the id keeps that number.
        Assert.Equal("nsd_00042", NsdDesign.StimulusOf(42).Value);
        Assert.Equal("nsd_73000", NsdDesign.StimulusOf(73000).Value);
    }

    [Fact]
    public void Progress_is_reported_once_per_trial_in_order()
    {
        var mask = NsdMask.Read(Fixtures.PathOf("nsd_mask.h5"));
        var design = NsdDesign.Read(Fixtures.PathOf("nsd_design.json"));
        var reports = new List<double>();
        NsdBetasFile.Read(Sessions, mask, design, new SynchronousProgress(reports.Add), hashSources: false);
        Assert.Equal(Enumerable.Range(1, 10).Select(t => t / 10.0), reports);
    }

    [Fact]
    public void Writer_makes_a_session_the_reader_reads_back_with_the_real_chunking()
    {
        using var temp = new TempFolder();
        var shape = new VolumeShape(2, 3, 4);
        const int trials = 3;
        var betas = Enumerable.Range(0, trials * (int)shape.Count).Select(i => (short)(i * 7 - 100)).ToArray();
        string file = temp.File("betas_session01.hdf5");
        NsdBetasFile.Write(file, betas, trials, shape);

        var listing = Hdf5Listing.List(file).Single(e => e.Path == "/betas");
        Assert.Equal(new long[] { trials, 2, 3, 4 }, listing.Shape);
        Assert.Equal("int16", listing.DataType);
        Assert.Equal(new long[] { trials, 1, 1, 1 }, listing.Chunks);

        var all = Enumerable.Repeat(1f, (int)shape.Count).ToArray();
        var mask = NsdMask.FromValues(shape, all, "all");
        var design = new NsdDesign { Sessions = [1, 1, 1], Runs = [1, 1, 2], NsdIndices = [5, 6, 7], Shared1000 = [false, true, false] };
        var ds = NsdBetasFile.Read([file], mask, design, hashSources: false);
        Assert.Equal(betas.Select(b => b / 300f), ds.Voxels);
    }

    /// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool).</summary>
    internal sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
