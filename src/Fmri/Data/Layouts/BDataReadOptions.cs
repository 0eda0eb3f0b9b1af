namespace Fmri.Data.Layouts;

/// <summary>How to read a BData file.</summary>
public sealed record BDataReadOptions
{
    /// <summary>ROI expression (<c>VC</c>, <c>ROI_VC = 1</c>, <c>V1+V2+V3</c>); only those voxel columns are read. Null = every voxel.</summary>
    public string? Roi { get; init; }

    /// <summary>Subject identifier to record; null = the file name without its extension (e.g. "Subject1").</summary>
    public string? Subject { get; init; }

    /// <summary>Record the SHA-256 of the file in the provenance (reads the whole file once more).</summary>
    public bool HashSource { get; init; } = true;
}
