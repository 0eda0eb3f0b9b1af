using ScottPlot;

namespace Fmri.Core.Plots;

/// <summary>
/// Lines with markers, e.g. n-way identification accuracy against n, with a dashed grey chance line
/// (1/n for n-way top-1 accuracy).
/// </summary>
public static class LinePlot
{
    /// <summary>The chance level of n-way top-1 classification, 1/n, at each n.</summary>
    public static PlotSeries NWayChance(IEnumerable<int> ns)
    {
        var n = ns.ToArray();
        if (n.Any(v => v < 2)) throw new ArgumentException($"n-way chance: every n must be at least 2, got {string.Join(", ", n)}");
        return new PlotSeries("chance (1/n)", n.Select(v => (double)v).ToArray(), n.Select(v => 1.0 / v).ToArray());
    }

    /// <summary>Builds the plot. <paramref name="yMin"/>/<paramref name="yMax"/> fix the vertical range (e.g. 0..1 for accuracy).</summary>
    public static Plot Build(IReadOnlyList<PlotSeries> series, PlotLabels labels, PlotSeries? chance = null, double? yMin = null, double? yMax = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("line plot: no series given");
        var plot = PlotImage.Create(labels);
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.X.ToArray(), s.Y.ToArray());
            line.LineWidth = 2f;
            line.MarkerSize = 7f;
            line.LegendText = s.Label;
        }
        if (chance is not null)
        {
            var line = plot.Add.ScatterLine(chance.X.ToArray(), chance.Y.ToArray(), Colors.Gray);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.LegendText = chance.Label;
        }
        if (yMin is not null || yMax is not null)
        {
            var limits = plot.Axes.GetLimits();
            plot.Axes.SetLimitsY(yMin ?? limits.Bottom, yMax ?? limits.Top);
        }
        if (series.All(s => s.X.All(x => x == Math.Round(x))))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };   // n is a count
        plot.ShowLegend(Edge.Right);   // outside the data area, so no curve is hidden behind it
        return plot;
    }

    /// <summary>Renders the plot to a PNG file, atomically.</summary>
    public static void Save(string path, IReadOnlyList<PlotSeries> series, PlotLabels labels, PlotSeries? chance = null,
        double? yMin = null, double? yMax = null, int width = PlotImage.DefaultWidth, int height = PlotImage.DefaultHeight)
        => PlotImage.SavePng(Build(series, labels, chance, yMin, yMax), path, width, height);
}
