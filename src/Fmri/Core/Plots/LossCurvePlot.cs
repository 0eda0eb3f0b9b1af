using System.Globalization;
using Fmri.Core.Training;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Fmri.Core.Plots;

/// <summary>
/// Training-loss curves: loss against optimiser step, one line per series, optionally on a logarithmic loss axis.
/// Non-finite points (a diverged step) are left out; on a log axis so are points &lt;= 0. A series of at least
/// <see cref="SmoothingMinPoints"/> steps (a diffusion loss varies several-fold from step to step with the drawn
/// timesteps) is drawn faint, with its moving mean over <see cref="SmoothingWindow"/> steps on top.
/// </summary>
public static class LossCurvePlot
{
    public static readonly PlotLabels DefaultLabels = new("Training loss", "step", "loss");

    /// <summary>Series shorter than this are drawn as they are.</summary>
    public const int SmoothingMinPoints = 200;

    /// <summary>Moving-mean window for a series of <paramref name="points"/> steps: a fiftieth of the run, at least 5.</summary>
    public static int SmoothingWindow(int points) => Math.Max(5, points / 50);

    /// <summary>
    /// Centred moving mean: element i averages the values from i − ⌊(w−1)/2⌋ to i + ⌈(w−1)/2⌉, clipped to the series
    /// (so the ends average fewer values).
    /// </summary>
    public static double[] MovingMean(IReadOnlyList<double> values, int window)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (window < 1) throw new ArgumentException($"moving mean: window must be at least 1, got {window}");
        int before = (window - 1) / 2, after = window - 1 - before;
        var prefix = new double[values.Count + 1];
        for (int i = 0; i < values.Count; i++) prefix[i + 1] = prefix[i] + values[i];
        var result = new double[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            int lo = Math.Max(0, i - before), hi = Math.Min(values.Count - 1, i + after);
            result[i] = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
        }
        return result;
    }

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
            if (kept.Length < SmoothingMinPoints)
            {
                var line = plot.Add.ScatterLine(xs, ys);
                line.LineWidth = 1.5f;
                line.LegendText = s.Label;
                continue;
            }
            // Smooth the plotted values (log10 on a log axis: a geometric moving mean there).
            int window = SmoothingWindow(kept.Length);
            var raw = plot.Add.ScatterLine(xs, ys);
            raw.LineWidth = 1f;
            raw.Color = raw.Color.WithAlpha(0.3);
            raw.LegendText = $"{s.Label} (each step)";
            var smooth = plot.Add.ScatterLine(xs, MovingMean(ys, window));
            smooth.LineWidth = 2f;
            smooth.Color = raw.Color.WithAlpha(1.0);
            smooth.LegendText = $"{s.Label} (moving mean of {window} steps)";
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
