using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// One simulated subject: the raw single-trial data set (as a scanner session would give it, before any
/// normalisation), the images shown, and the ground truth behind the data.
/// </summary>
/// <param name="Dataset">Raw single-trial samples: training samples (each image once) then test samples (each test image once per test run).</param>
/// <param name="Stimuli">The images shown: training images, then test images.</param>
/// <param name="Truth">Voxel parameters, run effects and noise-free responses.</param>
public sealed record SimulatedSession(FmriDataset Dataset, StimulusImageSet Stimuli, SimulationTruth Truth);
