namespace Fmri.MaskedBrainModeling;

/// <summary>What to do when a voxel matrix's width differs from the width a model was built for.</summary>
public enum WidthPolicy
{
    /// <summary>Refuse: an <see cref="ArgumentException"/> names both widths (the default).</summary>
    Error,

    /// <summary>
    /// Pad with zero voxels at the end, or drop trailing voxels, to the model's width. An explicit, recorded choice:
    /// cropping discards data and padding adds empty patches, so the caller writes it into the run's record.
    /// </summary>
    PadOrCrop,
}
