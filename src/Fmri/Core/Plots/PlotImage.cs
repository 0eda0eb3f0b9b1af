using Fmri.Core.IO;
using ScottPlot;

namespace Fmri.Core.Plots;

/// <summary>Creates plots with the project's fonts and labels, and renders them to PNG (atomically when saved).</summary>
public static class PlotImage
{
    /// <summary>Default image size in pixels.</summary>
    public const int DefaultWidth = 800, DefaultHeight = 500;

    /// <summary>A new plot using the embedded fonts, with the given title and axis labels.</summary>
    public static Plot Create(PlotLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        if (labels.Title.Length > 0) plot.Title(labels.Title);
        if (labels.XLabel.Length > 0) plot.XLabel(labels.XLabel);
        if (labels.YLabel.Length > 0) plot.YLabel(labels.YLabel);
        PlotFonts.Apply(plot);
        return plot;
    }

    /// <summary>Renders the plot as PNG bytes.</summary>
    public static byte[] RenderPng(Plot plot, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(plot);
        if (width < 16 || height < 16) throw new ArgumentException($"plot image size must be at least 16 x 16 pixels, got {width} x {height}");
        PlotFonts.EnsureRegistered();
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Renders the plot and writes it to <paramref name="path"/> as PNG, atomically.</summary>
    public static void SavePng(Plot plot, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: plot files are PNG; use a .png file name");
        AtomicFile.WriteAllBytes(path, RenderPng(plot, width, height));
    }
}
