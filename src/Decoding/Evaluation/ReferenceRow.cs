namespace Decoding.Evaluation;

/// <summary>A number shown for orientation, not measured here: a chance level or another study's result.</summary>
/// <param name="Name">e.g. "chance", "MinD-Vis, GOD subject 3 (released checkpoint)".</param>
/// <param name="Metric">e.g. "10-way top-1".</param>
/// <param name="Value">The number, as a fraction.</param>
/// <param name="Note">Where it comes from and whether it is comparable.</param>
public sealed record ReferenceRow(string Name, string Metric, double Value, string Note);
