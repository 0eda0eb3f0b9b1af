namespace Fmri.Core.Plots;

/// <summary>One named line of a plot: x and y values of equal length.</summary>
public sealed record PlotSeries
{
    public PlotSeries(string label, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"plot series '{label}': {x.Count} x values but {y.Count} y values");
        Label = label;
        X = x;
        Y = y;
    }

    /// <summary>Legend text (empty for no legend entry).</summary>
    public string Label { get; }

    public IReadOnlyList<double> X { get; }

    public IReadOnlyList<double> Y { get; }
}
