namespace Fmri.Data.Simulation;

/// <summary>
/// What the simulator knows and a real experiment does not: the configuration, every voxel's parameters, the
/// per-run baseline offsets and drifts, and the noise-free response of every voxel to every stimulus (so a noise
/// ceiling can be computed). The observed sample t of voxel v in run r is
/// baseline_v * (1 + (offset_rv + drift_rv * tau_t + response_sv + noise_tv) / 100), with tau_t from -0.5 (first
/// sample of the run) to 0.5 (last) and noise_tv ~ N(0, NoiseSd_v); all terms in percent signal change.
/// Stored by <see cref="SimulationTruthFile"/>.
/// </summary>
public sealed record SimulationTruth
{
    public required VisualCortexConfig Config { get; init; }

    public required VoxelPopulation Voxels { get; init; }

    /// <summary>Orientation of each contrast-energy channel, degrees (see <see cref="GaborEnergyBank"/>).</summary>
    public required double[] ChannelOrientationsDegrees { get; init; }

    /// <summary>Carrier period of each channel, pixels at <see cref="VisualCortexConfig.ModelResolution"/>.</summary>
    public required double[] ChannelPeriodsPixels { get; init; }

    /// <summary>The stimuli, in the order of the rows of <see cref="NoiseFreeResponses"/> (the session's stimulus set order).</summary>
    public required StimulusId[] StimulusIds { get; init; }

    /// <summary>Noise-free responses, percent signal change, row-major (StimulusCount, VoxelCount).</summary>
    public required float[] NoiseFreeResponses { get; init; }

    /// <summary>Run numbers, in the order of the rows of <see cref="RunOffsets"/> and <see cref="RunDrifts"/>.</summary>
    public required int[] RunNumbers { get; init; }

    /// <summary>Baseline offset of each voxel in each run, percent signal change, (RunCount, VoxelCount).</summary>
    public required float[] RunOffsets { get; init; }

    /// <summary>Linear drift of each voxel in each run (change from first to last sample), percent, (RunCount, VoxelCount).</summary>
    public required float[] RunDrifts { get; init; }

    /// <summary>Seed of the whole run; equals <see cref="VisualCortexConfig.Seed"/> for the first subject (other subjects have seeds of their own).</summary>
    public int RunSeed { get; init; }

    /// <summary>The subject's 1-based index in the run.</summary>
    public int SubjectIndex { get; init; } = 1;

    /// <summary>Names of the test categories that contribute no training image (empty when training and test share categories).</summary>
    public IReadOnlyList<string> HeldOutTestCategories { get; init; } = [];

    public int StimulusCount => StimulusIds.Length;

    public int VoxelCount => Voxels.VoxelCount;

    /// <summary>Noise-free responses of stimulus <paramref name="index"/> (one per voxel).</summary>
    public ReadOnlySpan<float> Response(int index) => NoiseFreeResponses.AsSpan(index * VoxelCount, VoxelCount);

    /// <summary>Writes the truth atomically to an HDF5 file (see <see cref="SimulationTruthFile"/>).</summary>
    public void Write(string path) => SimulationTruthFile.Write(this, path);

    /// <summary>Reads a truth file written by <see cref="Write"/>.</summary>
    public static SimulationTruth Read(string path) => SimulationTruthFile.Read(path);
}
