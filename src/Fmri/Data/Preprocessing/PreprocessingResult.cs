namespace Fmri.Data.Preprocessing;

/// <summary>The preprocessed data set (with its provenance steps) and the report of what was done.</summary>
public sealed record PreprocessingResult(FmriDataset Dataset, PreprocessingReport Report);
