namespace Fmri.Data.Layouts;

/// <summary>How <see cref="FmriFileReader"/> reads a file.</summary>
public sealed record FmriReadOptions
{
    /// <summary>The file's layout; null = detect it from the file's contents.</summary>
    public FmriLayout? Layout { get; init; }

    /// <summary>ROI expression for BData and canonical files (<c>VC</c>, <c>ROI_VC = 1</c>, <c>V1+V2+V3</c>); null = every voxel.</summary>
    public string? Roi { get; init; }

    /// <summary>Subject to record for BData files (default: the file name without extension).</summary>
    public string? Subject { get; init; }

    /// <summary>NSD only: the brain mask selecting voxels (NIfTI .nii/.nii.gz or the project's HDF5 mask).</summary>
    public string? NsdMaskPath { get; init; }

    /// <summary>NSD only: the design file (NSD's nsd_expdesign.mat, or the project's JSON or HDF5; see data/README.md).</summary>
    public string? NsdDesignPath { get; init; }

    /// <summary>NSD only: the subject (1-8) whose images <c>nsd_expdesign.mat</c> maps trials to; default: a <c>subjNN</c> folder in the betas path.</summary>
    public int? NsdSubject { get; init; }

    /// <summary>NSD only: the session of each betas file, in the files' order; null: from each file's name
    /// (<c>betas_sessionNN</c>, <c>ses-NN</c>).</summary>
    public IReadOnlyList<int>? NsdSessions { get; init; }

    /// <summary>NSD only: fraction of trials read, after each trial.</summary>
    public IProgress<double>? Progress { get; init; }

    /// <summary>Record the SHA-256 of the source file in the provenance (BData and NSD; canonical files carry their own).</summary>
    public bool HashSource { get; init; } = true;
}
