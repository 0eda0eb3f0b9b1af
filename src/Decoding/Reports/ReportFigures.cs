using Decoding.Decode;
using Decoding.Evaluation;
using Fmri.Core.Imaging;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Decoding.Reports;

/// <summary>The report's figures as PNG bytes: image grid, accuracy versus n, per-category bars, loss curves.</summary>
public static class ReportFigures
{
    /// <summary>Accuracy (mean over samples) of every row against n, with the 1/n chance line.</summary>
    public static byte[] AccuracyVersusN(EvaluationReport report)
    {
        var series = report.Rows.Select(r => new PlotSeries(r.Name, r.NWay.Select(s => (double)s.N).ToArray(), r.NWay.Select(s => s.MeanOverSamples.Value).ToArray())).ToList();
        var plot = LinePlot.Build(series, new PlotLabels("n-way top-1 accuracy (mean over samples)", "n", "accuracy"),
            LinePlot.NWayChance(report.Settings.Ways.Distinct().Order()), 0, 1.05);
        return PlotImage.RenderPng(plot, width: PlotImage.DefaultWidth + 350);   // room for the legend beside the curves
    }

    /// <summary>The pipeline's n-way accuracy at the largest n per category, with the chance line.</summary>
    public static byte[] PerCategoryBars(EvaluationReport report)
    {
        int nMax = report.Settings.Ways.Max();
        var categories = report.Rows[0].PerCategory;
        var plot = BarPlot.Build(categories.Select(c => c.Category).ToArray(), categories.Select(c => c.NWayMean).ToArray(),
            new PlotLabels($"{nMax}-way top-1 accuracy per category (pipeline)", "category", "accuracy"), chance: 1.0 / nMax);
        return PlotImage.RenderPng(plot);
    }

    /// <summary>The decode step's grid.png next to decoded.h5 when present; otherwise stimulus | K decoded, built here.</summary>
    public static byte[] ImageGrid(string decodedPath, string stimuliPath, int maxRows = 20)
    {
        string folder = Directory.Exists(decodedPath) ? decodedPath : Path.GetDirectoryName(Path.GetFullPath(decodedPath))!;
        string existing = Path.Combine(folder, DecodingRun.GridFile);
        if (File.Exists(existing)) return File.ReadAllBytes(existing);
        var decoded = DecodedImages.Read(decodedPath);
        var stimuli = StimulusImageSet.Read(stimuliPath).FitTo(decoded.Height, decoded.Width);
        var grid = new ImageGrid(scale: Math.Max(1, 96 / decoded.Height), title: "stimulus | decoded",
            columnHeaders: ["stimulus", .. Enumerable.Range(1, decoded.Samples).Select(k => $"#{k}")]);
        for (int i = 0; i < Math.Min(maxRows, decoded.Count); i++)
        {
            int s = stimuli.Find(new StimulusId(decoded.StimulusIds[i]));
            if (s < 0) continue;
            var cells = new List<(float[], int, int, int)> { Cell(stimuli.Image(s), stimuli.Height, stimuli.Width, stimuli.Channels) };
            for (int k = 0; k < decoded.Samples; k++) cells.Add(Cell(decoded.Image(i, k), decoded.Height, decoded.Width, decoded.Channels));
            grid.AddRow(decoded.StimulusIds[i], cells);
        }
        return grid.EncodePng();
    }

    /// <summary>Loss-curve figures found in the folders: every *loss*.png as it is, and every *loss*.csv
    /// (<see cref="LossCurve"/> format) without a PNG of the same name, plotted here. Keyed by a caption.</summary>
    public static IReadOnlyList<(string Caption, byte[] Png)> LossCurves(IReadOnlyList<string> folders)
    {
        var figures = new List<(string, byte[])>();
        foreach (var folder in folders)
        {
            var pngs = Directory.GetFiles(folder, "*.png").Where(f => Path.GetFileName(f).Contains("loss", StringComparison.OrdinalIgnoreCase)).Order().ToList();
            foreach (var png in pngs) figures.Add(($"{Path.GetFileName(Path.GetFullPath(folder))}/{Path.GetFileName(png)}", File.ReadAllBytes(png)));
            foreach (var csv in Directory.GetFiles(folder, "*.csv").Where(f => Path.GetFileName(f).Contains("loss", StringComparison.OrdinalIgnoreCase)).Order())
            {
                if (pngs.Any(p => Path.GetFileNameWithoutExtension(p) == Path.GetFileNameWithoutExtension(csv))) continue;
                var curve = LossCurve.Read(csv);
                if (curve.Points.Count == 0) continue;
                var plot = LossCurvePlot.Build([LossCurvePlot.FromCurve(curve)], logScale: false, new PlotLabels($"Training loss: {Path.GetFileName(csv)}", "step", "loss"));
                figures.Add(($"{Path.GetFileName(Path.GetFullPath(folder))}/{Path.GetFileName(csv)}", PlotImage.RenderPng(plot)));
            }
        }
        return figures;
    }

    private static (float[], int, int, int) Cell(ReadOnlySpan<byte> hwc, int h, int w, int c)
    {
        var pixels = new float[hwc.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = hwc[i] / 255f;
        return (pixels, h, w, c);
    }
}
