using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>Layout detection and the one entry point that reads any layout.</summary>
public class FmriFileReaderTests
{
    [Theory]
    [InlineData("bdata_current.h5", FmriLayout.BData)]
    [InlineData("bdata_legacy.h5", FmriLayout.BData)]
    [InlineData("betas_session01.hdf5", FmriLayout.Nsd)]
    [InlineData("canonical.h5", FmriLayout.Canonical)]
    public void Detects_each_layout_from_its_contents(string file, FmriLayout layout)
        => Assert.Equal(layout, LayoutDetector.Detect(Fixtures.PathOf(file)));

    [Fact]
    public void Unknown_layout_lists_what_the_file_holds()
    {
        var e = Assert.Throws<DataFormatException>(() => LayoutDetector.Detect(Fixtures.PathOf("nsd_design.h5")));
        Assert.Equal(Fixtures.PathOf("nsd_design.h5"), e.File);
        Assert.Equal("layout", e.Field);
        Assert.Contains("/nsd_index (10 int32)", e.Message);
        Assert.Contains("/shared1000 (10 uint8)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Reads_each_layout_through_one_entry_point()
    {
        var bdata = FmriFileReader.Read(Fixtures.PathOf("bdata_current.h5"), new FmriReadOptions { Roi = "VC" });
        Assert.Equal(9, bdata.VoxelCount);
        var canonical = FmriFileReader.Read(Fixtures.PathOf("canonical.h5"));
        Assert.Equal(6, canonical.VoxelCount);
        var nsd = FmriFileReader.Read(Fixtures.PathOf("betas_session02.hdf5"), new FmriReadOptions
        {
            NsdMaskPath = Fixtures.PathOf("nsdgeneral.nii.gz"),
            NsdDesignPath = Fixtures.PathOf("nsd_design.json"),
        });
        Assert.Equal(5, nsd.SampleCount);
        Assert.Equal(Fixtures.Expected("nsd").GetProperty("stimulus_ids").Strings()[5..], nsd.StimulusIds.Select(s => s.Value));
        var forced = FmriFileReader.Read(Fixtures.PathOf("bdata_legacy.h5"), new FmriReadOptions { Layout = FmriLayout.BData });
        Assert.Equal(5, forced.VoxelCount);
    }

    [Fact]
    public void Nsd_without_mask_or_design_says_what_is_needed()
    {
        var e = Assert.Throws<InvalidSettingException>(() => FmriFileReader.Read(Fixtures.PathOf("betas_session01.hdf5")));
        Assert.Equal("mask", e.Setting);
        // Rendered as the command line does, both settings become the flags to pass.
        string line = e.Render(name => "--" + name);
        Assert.Contains("--mask: is required", line);
        Assert.Contains("--design", line);
    }
}
