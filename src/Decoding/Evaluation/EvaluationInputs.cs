using Decoding.Evaluation.ScoringClassifier;
using Fmri.Data.Simulation;

namespace Decoding.Evaluation;

/// <summary>The files <c>decoding evaluate</c> reads and the folder it writes.</summary>
/// <param name="Decoded">decoded.h5 or the decode output folder.</param>
/// <param name="Stimuli">Stimulus image set (HDF5) holding every decoded stimulus id.</param>
/// <param name="ClassifierFolder">train-classifier output folder.</param>
/// <param name="Output">Folder for metrics.json and the reports.</param>
/// <param name="Control">decoded.h5 of a `decode --shuffle-fmri` run, optional.</param>
/// <param name="Data">Preprocessed (canonical) fMRI file: enables the ridge baseline and the data provenance.</param>
/// <param name="LossCurveFolders">Folders searched for training loss curves (*.csv / *.png) of the stages.</param>
/// <param name="RidgeVae">A train-adapter or train-ldm output folder: its frozen autoencoder gives the VAE-latent ridge
/// baseline (<see cref="Baselines.RidgeLatentBaseline"/>); needs <paramref name="Data"/>.</param>
public sealed record EvaluationInputs(string Decoded, string Stimuli, string ClassifierFolder, string Output,
    string? Control = null, string? Data = null, IReadOnlyList<string>? LossCurveFolders = null, string? RidgeVae = null,
    string? SimulationTruth = null);
