namespace Fmri.Data.Layouts;

/// <summary>Reads any supported fMRI file into an <see cref="FmriDataset"/>, detecting its layout unless told.</summary>
public static class FmriFileReader
{
    public static FmriDataset Read(string path, FmriReadOptions? options = null) => Read([path], options);

    /// <summary>
    /// Reads one file, or several NSD betas files of one subject as one data set (NSD's sessions one after another,
    /// each session's runs numbered apart from the others', so that repeats of an image shown in different sessions
    /// meet and per-run statistics stay within a run). Several files of any other layout are refused.
    /// </summary>
    public static FmriDataset Read(IReadOnlyList<string> paths, FmriReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("no fMRI file given", nameof(paths));
        options ??= new FmriReadOptions();
        string path = paths[0];
        var layout = options.Layout ?? LayoutDetector.Detect(path);
        if (paths.Count > 1)
            foreach (var other in paths)
            {
                var otherLayout = other == path ? layout : options.Layout ?? LayoutDetector.Detect(other);   // the first is detected once
                if (otherLayout != FmriLayout.Nsd)
                    throw new InvalidSettingException("input", other,
                        $"is a {otherLayout} file; several inputs are read together only as NSD betas sessions of one subject (give one file of any other layout)");
            }
        if (options.NsdSessions is not null && layout != FmriLayout.Nsd)
            throw new InvalidSettingException("nsd_session", string.Join(" ", options.NsdSessions), $"applies to NSD betas files; {path} is a {layout} file");
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
                int? subject = options.NsdSubject ?? NsdExpDesign.SubjectFromPath(path);
                if (options.NsdSubject is null)
                    foreach (var other in paths)
                        if (NsdExpDesign.SubjectFromPath(other) is { } otherSubject && otherSubject != subject)
                            throw new InvalidSettingException("input", other,
                                $"is in subject {otherSubject}'s folder and {path} in {(subject is null ? "no subject's" : $"subject {subject}'s")}: read one subject's sessions at a time (or give {{nsd_subject}})");
                var design = NsdDesign.Read(options.NsdDesignPath, subject);
                return NsdBetasFile.Read(paths, mask, design, options.Progress, options.HashSource, options.NsdSessions);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), layout, "unknown layout");
        }
    }
}
