
namespace Fmri.Data.Layouts;

/// <summary>Tells which <see cref="FmriLayout"/> an HDF5 file is in from the datasets and attributes it holds.</summary>
public static class LayoutDetector
{
    /// <summary>
    /// Canonical: root attribute <c>layout</c> = "fmri-decoding/canonical", or <c>/voxels</c> with a <c>/samples</c> group.
    /// A <c>.nii</c>/<c>.nii.gz</c> file: NSD betas. BData: <c>/dataset</c> or <c>/dataSet</c> with a <c>/metadata</c> or <c>/metaData</c> group,
    /// or a MATLAB MAT-file holding <c>dataSet</c> and the struct <c>metaData</c>. NSD: <c>/betas</c>.
    /// Anything else: <see cref="DataFormatException"/> listing the top-level names with their shapes and dtypes.
    /// </summary>
    public static FmriLayout Detect(string path)
    {
        // NSD also ships its betas as NIfTI-1 (betas_sessionNN.nii.gz); the reader checks the header.
        if (NiftiHeader.IsNiftiName(path)) return FmriLayout.Nsd;
        // BrainDecoderToolbox2 saves BData from MATLAB (v5/v7, or v7.3 behind the same 128-byte header); BData is the only
        // layout a MAT-file can be in, and its reader says what a MAT-file without one holds (read once, there).
        if (BDataSource.IsMatFile(path)) return FmriLayout.BData;
        using var input = Hdf5Input.Open(path);
        return Detect(input);
    }

    internal static FmriLayout Detect(Hdf5Input input)
    {
        string? layout = TryLayoutAttribute(input);
        if (layout == CanonicalFile.LayoutName || (input.Exists("/voxels") && input.IsGroup("/samples"))) return FmriLayout.Canonical;
        bool matrix = (input.Exists("/dataset") && !input.IsGroup("/dataset")) || (input.Exists("/dataSet") && !input.IsGroup("/dataSet"));
        bool metadata = input.IsGroup("/metadata") || input.IsGroup("/metaData");
        if (matrix && metadata) return FmriLayout.BData;
        if (input.Exists("/betas") && !input.IsGroup("/betas")) return FmriLayout.Nsd;
        throw input.Error("layout", $"not a BData, NSD betas or canonical file; found: {Hdf5Listing.DescribeTopLevel(input)}");
    }

    private static string? TryLayoutAttribute(Hdf5Input input)
    {
        try
        {
            return input.StringAttribute("/", "layout");
        }
        catch (DataFormatException)
        {
            return null; // a non-string "layout" attribute is simply not ours
        }
    }
}
