namespace Fmri.Core;

/// <summary>How much of a long job is done, with an optional short status (e.g. the current loss).</summary>
public readonly record struct ProgressUpdate(double Done, string? Status = null);
