namespace Decoding.Metrics;

/// <summary>Mean score of the test items of one category (see <see cref="CategoryBreakdown"/>).</summary>
/// <param name="Category">The category label as given.</param>
/// <param name="ItemCount">Test items with this label.</param>
/// <param name="Mean">Mean of their scores.</param>
public sealed record CategoryScore(string Category, int ItemCount, double Mean);
