using Decoding.Decode;
using Decoding.Evaluation;
using Fmri.Core.Imaging;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Decoding.Reports;

/// <summary>A figure of the report: its caption, its file next to report.md, and its PNG; a figure that would show too
/// little (one point) has no PNG, and its caption says why.</summary>
public sealed record ReportFigure(string Caption, string File, byte[]? Png);

/// <summary>The report's figures: the image grid of every method, accuracy versus n, per-category bars, loss curves.</summary>
public static class ReportFigures
{
    /// <summary>Plots with fewer points than this are replaced by a sentence.</summary>
    public const int MinimumPoints = 2;

    /// <summary>Accuracy (mean over samples) of every row against n, with the 1/n chance line.</summary>
    public static ReportFigure AccuracyVersusN(EvaluationReport report)
    {
        const string caption = "n-way top-1 accuracy versus n, with chance 1/n";
        var ns = report.Settings.Ways.Distinct().Order().ToArray();
        if (ns.Length < MinimumPoints)
            return new ReportFigure($"{caption}: not drawn, only n = {ns[0]} was evaluated (one point per method; see the summary table)", "accuracy_vs_n.png", null);
        var series = report.Rows.Select(r => new PlotSeries(r.Name, r.NWay.Select(s => (double)s.N).ToArray(), r.NWay.Select(s => s.MeanOverSamples.Mean.Value).ToArray())).ToList();
        var plot = LinePlot.Build(series, new PlotLabels("n-way top-1 accuracy (mean over samples)", "n", "accuracy"), LinePlot.NWayChance(ns), 0, 1.05);
        return new ReportFigure(caption, "accuracy_vs_n.png", PlotImage.RenderPng(plot, width: PlotImage.DefaultWidth + 450));
    }

    /// <summary>The best route's n-way accuracy at the largest n per category, with the chance line.</summary>
    public static ReportFigure? PerCategoryBars(EvaluationReport report)
    {
        var best = ReportText.BestRoute(report);
        if (best is null) return null;
        int nMax = report.Settings.Ways.Max();
        var categories = best.PerCategory;
        string caption = $"per-category {nMax}-way accuracy ({best.Name})";
        if (categories.Count < MinimumPoints) return new ReportFigure($"{caption}: not drawn, the test stimuli have one category", "per_category.png", null);
        var plot = BarPlot.Build(categories.Select(c => c.Category).ToArray(), categories.Select(c => c.NWayMean).ToArray(),
            new PlotLabels($"{nMax}-way top-1 accuracy per category ({best.Name})", "category", "accuracy"), chance: 1.0 / nMax);
        return new ReportFigure(caption, "per_category.png", PlotImage.RenderPng(plot));
    }

    /// <summary>
    /// One row per test stimulus (up to <paramref name="maxRows"/>): the stimulus, then the best route's K samples, then
    /// the first sample of every other method in the report's order (routes, baselines, controls, references).
    /// </summary>
    public static ReportFigure ImageGrid(EvaluationReport report, IReadOnlyList<string> decodedFiles, string stimuliPath, int maxRows = 20)
    {
        var decoded = decodedFiles.Select(DecodedImagesFile.Read).ToList();
        var byName = decoded.ToDictionary(d => d.Method.Name);
        var ordered = report.Rows.Where(r => byName.ContainsKey(r.Name)).Select(r => byName[r.Name]).ToList();
        string? bestName = ReportText.BestRoute(report)?.Name;
        var first = ordered[0];
        var stimuli = StimulusImageSet.Read(stimuliPath).FitTo(first.Height, first.Width);
        var columns = new List<(DecodedImages Images, int Sample, string Header)>();
        foreach (var d in ordered)
        {
            int k = d.Method.Name == bestName ? d.Samples : 1;
            for (int s = 0; s < k; s++) columns.Add((d, s, s == 0 ? Short(d.Method.Name) + (k > 1 ? " #1" : "") : $"#{s + 1}"));
        }
        var grid = new ImageGrid(scale: Math.Max(1, 64 / first.Height), title: "stimulus | " + string.Join(" | ", ordered.Select(d => Short(d.Method.Name))),
            columnHeaders: ["stimulus", .. columns.Select(c => c.Header)]);
        int rows = Math.Min(maxRows, first.Count);
        for (int i = 0; i < rows; i++)
        {
            int s = stimuli.Find(new StimulusId(first.StimulusIds[i]));
            if (s < 0) continue;
            var cells = new List<(float[], int, int, int)> { Cell(stimuli.Image(s), stimuli.Height, stimuli.Width, stimuli.Channels) };
            foreach (var (images, sample, _) in columns) cells.Add(Cell(images.Image(i, sample), images.Height, images.Width, images.Channels));
            grid.AddRow(first.StimulusIds[i], cells);
        }
        return new ReportFigure($"the first {rows} test stimuli: stimulus, then each method's images ({bestName ?? "no route"}: all {(bestName is null ? 0 : byName[bestName].Samples)} samples; others: the first)",
            "grid.png", grid.EncodePng());
    }

    /// <summary>A short column header for a method name.</summary>
    public static string Short(string name) => name.Length <= 22 ? name : name[..22].TrimEnd() + "…";

    /// <summary>Loss-curve figures found in the folders: every *loss*.png as it is, and every *loss*.csv
    /// (<see cref="LossCurve"/> format) without a PNG of the same name, plotted here; a curve of one step is a sentence.</summary>
    public static IReadOnlyList<ReportFigure> LossCurves(IReadOnlyList<string> folders)
    {
        var figures = new List<ReportFigure>();
        int index = 0;
        foreach (var folder in folders)
        {
            string name = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
            var csvs = Directory.GetFiles(folder, "*.csv").Where(f => Path.GetFileName(f).Contains("loss", StringComparison.OrdinalIgnoreCase)).Order().ToList();
            var pngs = Directory.GetFiles(folder, "*.png").Where(f => Path.GetFileName(f).Contains("loss", StringComparison.OrdinalIgnoreCase)).Order().ToList();
            foreach (var csv in csvs)
            {
                var curve = LossCurve.Read(csv);
                string caption = $"training loss: {name}/{Path.GetFileName(csv)}";
                string file = $"loss_curve_{index++}.png";
                string? png = pngs.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p) == Path.GetFileNameWithoutExtension(csv));
                if (curve.Points.Count < MinimumPoints)
                    figures.Add(new ReportFigure($"{caption}: not drawn, {curve.Points.Count} point(s) recorded", file, null));
                else if (png is not null)
                    figures.Add(new ReportFigure(caption, file, File.ReadAllBytes(png)));
                else
                    figures.Add(new ReportFigure(caption, file, PlotImage.RenderPng(LossCurvePlot.Build([LossCurvePlot.FromCurve(curve)], logScale: false,
                        new PlotLabels($"Training loss: {Path.GetFileName(csv)}", "step", "loss")))));
            }
            foreach (var png in pngs.Where(p => csvs.All(c => Path.GetFileNameWithoutExtension(c) != Path.GetFileNameWithoutExtension(p))))
                figures.Add(new ReportFigure($"training: {name}/{Path.GetFileName(png)}", $"loss_curve_{index++}.png", File.ReadAllBytes(png)));
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
