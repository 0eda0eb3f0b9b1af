using ScottPlot;
using ScottPlot.TickGenerators;

namespace Fmri.Core.Plots;

/// <summary>
/// One bar per category (e.g. accuracy per object category), with optional error bars and a dashed chance line.
/// </summary>
public static class BarPlot
{
    /// <summary>Builds the plot. <paramref name="errors"/>, when given, has one value per category (drawn as ±).</summary>
    public static Plot Build(IReadOnlyList<string> categories, IReadOnlyList<double> values, PlotLabels labels,
        IReadOnlyList<double>? errors = null, double? chance = null)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(values);
        if (categories.Count == 0) throw new ArgumentException("bar plot: no categories given");
        if (values.Count != categories.Count)
            throw new ArgumentException($"bar plot: {values.Count} values for {categories.Count} categories");
        if (errors is not null && errors.Count != categories.Count)
            throw new ArgumentException($"bar plot: {errors.Count} error values for {categories.Count} categories");

        var plot = PlotImage.Create(labels);
        var bars = Enumerable.Range(0, categories.Count).Select(i => new Bar
        {
            Position = i,
            Value = values[i],
            Error = errors?[i] ?? 0,
            FillColor = Colors.SteelBlue,
        }).ToArray();
        plot.Add.Bars(bars);

        var ticks = new NumericManual();
        for (int i = 0; i < categories.Count; i++) ticks.AddMajor(i, categories[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        if (categories.Count > 6 || categories.Any(c => c.Length > 8))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight; // the name ends just below its tick
            float longest = categories.Max(c => c.Length);
            plot.Axes.Bottom.MinimumSize = 25 + 4.5f * longest; // room for the slanted names, in pixels
        }

        if (chance is not null)
        {
            var line = plot.Add.HorizontalLine(chance.Value, 1.5f, Colors.Gray, LinePattern.Dashed);
            line.LegendText = $"chance ({chance.Value:0.###})";
            plot.ShowLegend(Alignment.UpperRight);
        }
        // Bars start at the axis; headroom above the tallest bar keeps the legend clear of it.
        plot.Axes.Margins(left: 0.05, right: 0.05, bottom: 0, top: chance is null ? 0.05 : 0.2);
        return plot;
    }

    /// <summary>Renders the plot to a PNG file, atomically.</summary>
    public static void Save(string path, IReadOnlyList<string> categories, IReadOnlyList<double> values, PlotLabels labels,
        IReadOnlyList<double>? errors = null, double? chance = null, int width = PlotImage.DefaultWidth, int height = PlotImage.DefaultHeight)
        => PlotImage.SavePng(Build(categories, values, labels, errors, chance), path, width, height);
}
