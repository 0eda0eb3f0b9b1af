namespace Fmri.Data.Layouts;

/// <summary>Reads any supported fMRI file into an <see cref="FmriDataset"/>, detecting its layout unless told.</summary>
public static class FmriFileReader
{
    public static FmriDataset Read(string path, FmriReadOptions? options = null)
    {
        options ??= new FmriReadOptions();
        var layout = options.Layout ?? LayoutDetector.Detect(path);
        if (layout != FmriLayout.Nsd)
            foreach (var (given, setting) in new[] { (options.NsdMaskPath, "mask"), (options.NsdDesignPath, "design"), (options.NsdSubject?.ToString(System.Globalization.CultureInfo.InvariantCulture), "nsd_subject") })
                if (given is not null)
                    throw new InvalidSettingException(setting, given, $"applies to NSD betas files; {path} is a {layout} file");
        switch (layout)
        {
            case FmriLayout.BData:
                return BDataFile.Read(path, new BDataReadOptions { Roi = options.Roi, Subject = options.Subject, HashSource = options.HashSource });
            case FmriLayout.Canonical:
                return CanonicalFile.Read(path, options.Roi);
            case FmriLayout.Nsd:
                if (options.Roi is not null)
                    throw new InvalidSettingException("roi", null, $"applies to BData and canonical files; the voxels of the NSD betas file {path} are selected by {{mask}}");
                if (options.NsdMaskPath is null || options.NsdDesignPath is null)
                    throw new InvalidSettingException(options.NsdMaskPath is null ? "mask" : "design", null,
                        $"is required for the NSD betas file {path}: {{mask}} selects the voxels (e.g. nsdgeneral.nii.gz) and {{design}} maps trials to images (nsd_expdesign.mat); 'decoding inspect {path}' describes the file without them");
                var mask = NsdMask.Read(options.NsdMaskPath);
                var design = NsdDesign.Read(options.NsdDesignPath, options.NsdSubject ?? NsdExpDesign.SubjectFromPath(path));
                return NsdBetasFile.Read([path], mask, design, options.Progress, options.HashSource);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), layout, "unknown layout");
        }
    }
}
