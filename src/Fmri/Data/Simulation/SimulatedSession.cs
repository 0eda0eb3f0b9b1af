using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// One simulated subject: the raw single-trial data set (as a scanner session would give it, before any
/// normalisation), the images shown, and the ground truth behind the data.
/// </summary>
/// <param name="Dataset">Raw single-trial samples: training samples (each image once) then test samples (each test image once per test run).</param>
/// <param name="Stimuli">The images shown: training images, then test images.</param>
/// <param name="Truth">Voxel parameters, run effects and noise-free responses.</param>
public sealed record SimulatedSession(FmriDataset Dataset, StimulusImageSet Stimuli, SimulationTruth Truth)
{
    /// <summary>The design the data follow (shared by every subject of a run); null when not recorded.</summary>
    public ExperimentDesign? Design { get; init; }

    /// <summary>The subject's responses to the unlabelled pretraining pool; null when none was asked for.</summary>
    public SimulatedPretrainingPool? PretrainingPool { get; init; }

    /// <summary>Names of the test categories that contribute no training image (empty when training and test share categories).</summary>
    public IReadOnlyList<string> HeldOutTestCategories => Truth.HeldOutTestCategories;
}

/// <summary>
/// A subject's single-trial responses to images the experiment never shows, for pretraining (e.g. masked brain
/// modeling): the same voxels and noise model as the experiment, runs of its own, every sample a training sample.
/// </summary>
/// <param name="Dataset">Raw single-trial samples, all of split Train, one per image.</param>
/// <param name="Stimuli">The images shown, in the order of the rows of <paramref name="NoiseFreeResponses"/>.</param>
/// <param name="NoiseFreeResponses">Noise-free responses, percent signal change, (StimulusCount, VoxelCount).</param>
public sealed record SimulatedPretrainingPool(FmriDataset Dataset, StimulusImageSet Stimuli, float[] NoiseFreeResponses);
