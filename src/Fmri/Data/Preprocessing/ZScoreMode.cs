namespace Fmri.Data.Preprocessing;

/// <summary>How voxel-wise z-scoring groups the training samples it takes statistics from.</summary>
public enum ZScoreMode
{
    /// <summary>
    /// Each training run is z-scored by its own training samples' mean and standard deviation (removes run offsets
    /// and gain differences between runs). Test samples: see <see cref="TestRunStatistics"/>.
    /// </summary>
    PerRun,

    /// <summary>One mean and standard deviation per voxel over all training samples, applied to every sample.</summary>
    PerSession,

    /// <summary>No normalisation: values are left as they are.</summary>
    None,
}
