namespace Decoding.Evaluation;

/// <summary>The files <c>decoding evaluate</c> reads and the folder it writes.</summary>
/// <param name="Decoded">decoded.h5 files (or decode output folders), one per method: routes, controls, baselines, references.</param>
/// <param name="Stimuli">Stimulus image set (HDF5) holding every decoded stimulus id, at its native geometry.</param>
/// <param name="ClassifierFolder">train-classifier output folder.</param>
/// <param name="Output">Folder for metrics.json and the reports.</param>
/// <param name="Data">Preprocessed (canonical) fMRI file: the data's provenance, and the feature-ridge reference row.</param>
/// <param name="LossCurveFolders">Folders searched for training loss curves (*.csv / *.png) of the stages.</param>
public sealed record EvaluationInputs(IReadOnlyList<string> Decoded, string Stimuli, string ClassifierFolder, string Output,
    string? Data = null, IReadOnlyList<string>? LossCurveFolders = null);
