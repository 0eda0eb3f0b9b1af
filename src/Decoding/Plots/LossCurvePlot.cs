using System.Globalization;
using Decoding.Training;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Decoding.Plots;

/// <summary>
/// Training-loss curves: loss against optimiser step, one line per series, optionally on a logarithmic loss axis.
/// Non-finite points (a diverged step) are left out; on a log axis so are points &lt;= 0.
/// </summary>
public static class LossCurvePlot
{
    public static readonly PlotLabels DefaultLabels = new("Training loss", "step", "loss");

    /// <summary>The loss column of a recorded curve as a plot series.</summary>
    public static PlotSeries FromCurve(LossCurve curve, string label = "training loss")
    {
        ArgumentNullException.ThrowIfNull(curve);
        return new PlotSeries(label, curve.Points.Select(p => (double)p.Step).ToArray(), curve.Points.Select(p => p.Loss).ToArray());
    }

    /// <summary>Builds the plot (to render or adjust further).</summary>
    public static Plot Build(IReadOnlyList<PlotSeries> series, bool logScale = false, PlotLabels? labels = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("loss-curve plot: no series given");
        var plot = PlotImage.Create(labels ?? DefaultLabels);
        foreach (var s in series)
        {
            var kept = Enumerable.Range(0, s.X.Count)
                .Where(i => double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i]) && (!logScale || s.Y[i] > 0))
                .ToArray();
            if (kept.Length == 0) continue;
            double[] xs = kept.Select(i => s.X[i]).ToArray();
            double[] ys = kept.Select(i => logScale ? Math.Log10(s.Y[i]) : s.Y[i]).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.LineWidth = 1.5f;
            line.LegendText = s.Label;
        }
        if (logScale)
        {
            // ScottPlot has no log axis: the data are log10(loss); ticks at whole decades are labelled with 10^tick.
            plot.Axes.Left.TickGenerator = new NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new LogMinorTickGenerator(),
                LabelFormatter = tick => Math.Pow(10, tick).ToString("G3", CultureInfo.InvariantCulture),
            };
        }
        if (series.Count > 1 || series.Any(s => s.Label.Length > 0)) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Renders the curves to a PNG file, atomically.</summary>
    public static void Save(string path, IReadOnlyList<PlotSeries> series, bool logScale = false, PlotLabels? labels = null,
        int width = PlotImage.DefaultWidth, int height = PlotImage.DefaultHeight)
        => PlotImage.SavePng(Build(series, logScale, labels), path, width, height);

    /// <summary>Renders the curves to a PNG file, atomically.</summary>
    public static void Save(string path, params PlotSeries[] series) => Save(path, series, logScale: false);
}
