namespace Fmri.Core.Plots;

/// <summary>The texts of a plot: title (bold) and axis labels. Empty strings draw nothing.</summary>
/// <param name="Title">Title above the data area.</param>
/// <param name="XLabel">Label of the horizontal axis.</param>
/// <param name="YLabel">Label of the vertical axis.</param>
public sealed record PlotLabels(string Title, string XLabel, string YLabel);
