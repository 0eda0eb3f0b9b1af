using Fmri.Core.Plots;
using Fmri.Core.Training;
using ScottPlot;
using SkiaSharp;

namespace Fmri.Tests.Core.Plots;

public class PlotRenderingTests
{
    private static readonly PlotSeries Loss = new("loss", [1, 2, 3, 4, 5, 6], [1.0, 0.6, 0.4, 0.3, 0.25, 0.22]);

    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a PNG");

    private static List<(int X, int Y)> DifferingPixels(SKBitmap a, SKBitmap b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var differing = new List<(int, int)>();
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
                if (a.GetPixel(x, y) != b.GetPixel(x, y)) differing.Add((x, y));
        return differing;
    }

    [Fact]
    public void Titles_are_drawn_as_text_in_the_title_region()
    {
        // Two titles of different words: the layout is the same (same font size, one line), so if text is drawn
        // the images differ, and only in the band above the data area where the title sits.
        // Without usable fonts ScottPlot draws no text (and raises no error) and the two images would be equal.
        using var a = Decode(PlotImage.RenderPng(LossCurvePlot.Build([Loss], labels: new("Training loss", "step", "loss")), 400, 300));
        using var b = Decode(PlotImage.RenderPng(LossCurvePlot.Build([Loss], labels: new("Validation MSE", "step", "loss")), 400, 300));
        var differing = DifferingPixels(a, b);
        Assert.True(differing.Count > 100, $"only {differing.Count} pixels differ between two titles");
        Assert.True(differing.Max(p => p.Y) < 40, $"title pixels reach row {differing.Max(p => p.Y)}, below the title band");

        // And with versus without a title: only the titled image has glyph pixels where the title was drawn.
        var titledPlot = LossCurvePlot.Build([Loss], labels: new("Training loss", "step", "loss"));
        using var titled = Decode(PlotImage.RenderPng(titledPlot, 400, 300));
        var titleRect = titledPlot.Axes.Title.Label.LastRenderPixelRect;
        using var untitled = Decode(PlotImage.RenderPng(LossCurvePlot.Build([Loss], labels: new("", "step", "loss")), 400, 300));
        // Glyphs cover many pixel rows of the box; without a title, the only dark pixels there are the top edge of the
        // data-area frame (one or two rows).
        Assert.True(DarkPixels(titled, titleRect) > 50, $"{DarkPixels(titled, titleRect)} dark pixels in the title box {titleRect}");
        Assert.True(DarkRows(titled, titleRect) >= 8, $"titled: {DarkRows(titled, titleRect)} rows with dark pixels in {titleRect}");
        Assert.True(DarkRows(untitled, titleRect) <= 2, $"untitled: {DarkRows(untitled, titleRect)} rows with dark pixels in {titleRect}");
    }

    [Fact]
    public void Titles_use_the_bold_face()
    {
        // The same title drawn bold (ScottPlot's default for titles) and regular differs: the Bold flag reaches the
        // font resolver and the embedded bold face is used.
        var boldPlot = LossCurvePlot.Build([Loss], labels: new("Training loss", "step", "loss"));
        Assert.True(boldPlot.Axes.Title.Label.Bold);
        Assert.Null(boldPlot.Axes.Title.Label.Font); // resolved per label, not pinned to one face
        var regularPlot = LossCurvePlot.Build([Loss], labels: new("Training loss", "step", "loss"));
        regularPlot.Axes.Title.Label.Bold = false;
        using var bold = Decode(PlotImage.RenderPng(boldPlot, 400, 300));
        using var regular = Decode(PlotImage.RenderPng(regularPlot, 400, 300));
        var rect = boldPlot.Axes.Title.Label.LastRenderPixelRect;
        Assert.True(DarkPixels(bold, rect) > DarkPixels(regular, rect), "bold strokes are thicker: more dark pixels");
    }

    private static bool IsDark(SKColor c) => c.Red + c.Green + c.Blue < 3 * 100;

    private static int DarkRows(SKBitmap image, PixelRect rect)
    {
        int rows = 0;
        for (int y = Math.Max(0, (int)rect.Top); y < Math.Min(image.Height, (int)Math.Ceiling(rect.Bottom)); y++)
        {
            bool any = false;
            for (int x = Math.Max(0, (int)rect.Left); x < Math.Min(image.Width, (int)Math.Ceiling(rect.Right)) && !any; x++)
                any = IsDark(image.GetPixel(x, y));
            if (any) rows++;
        }
        return rows;
    }

    private static int DarkPixels(SKBitmap image, PixelRect rect)
    {
        int count = 0;
        for (int y = Math.Max(0, (int)rect.Top); y < Math.Min(image.Height, (int)Math.Ceiling(rect.Bottom)); y++)
            for (int x = Math.Max(0, (int)rect.Left); x < Math.Min(image.Width, (int)Math.Ceiling(rect.Right)); x++)
            {
                if (IsDark(image.GetPixel(x, y))) count++;
            }
        return count;
    }

    [Fact]
    public void Axis_labels_are_drawn_too()
    {
        using var a = Decode(PlotImage.RenderPng(LossCurvePlot.Build([Loss], labels: new("", "step", "loss")), 400, 300));
        using var b = Decode(PlotImage.RenderPng(LossCurvePlot.Build([Loss], labels: new("", "epoch", "loss")), 400, 300));
        var differing = DifferingPixels(a, b);
        Assert.True(differing.Count > 50);
        Assert.True(differing.Min(p => p.Y) > 250, "the x-axis label sits at the bottom of the image");
    }

    [Fact]
    public void Embedded_faces_are_registered_and_titles_ask_for_the_bold_one()
    {
        PlotFonts.EnsureRegistered();
        Assert.Equal("DejaVu Sans", PlotFonts.Regular.FamilyName);
        Assert.Equal("DejaVu Sans", PlotFonts.Bold.FamilyName);
        Assert.Equal((int)SKFontStyleWeight.Bold, PlotFonts.Bold.FontStyle.Weight);
        Assert.Equal((int)SKFontStyleWeight.Normal, PlotFonts.Regular.FontStyle.Weight);
        Assert.Equal(PlotFonts.Family, Fonts.Default);
        Assert.Contains(Fonts.FontResolvers, r => ReferenceEquals(r.CreateTypeface(PlotFonts.Family, true, false), PlotFonts.Bold));
        var resolvedBold = Fonts.GetTypeface(PlotFonts.Family, bold: true, italic: false);
        Assert.Equal(("DejaVu Sans", (int)SKFontStyleWeight.Bold), (resolvedBold.FamilyName, resolvedBold.FontStyle.Weight));

        var plot = PlotImage.Create(new PlotLabels("Title", "x", "y"));
        Assert.Equal(PlotFonts.Family, plot.Axes.Title.Label.FontName);
        Assert.True(plot.Axes.Title.Label.Bold);
    }

    [Fact]
    public void Log_scale_drops_non_positive_losses_and_plots_decades()
    {
        var series = new PlotSeries("loss", [1, 2, 3, 4], [1.0, 0.1, 0.01, 0.0]);
        var plot = LossCurvePlot.Build([series], logScale: true);
        var line = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>());
        // log10 of 1, 0.1, 0.01; the zero loss cannot be drawn on a log axis.
        Assert.Equal(new[] { 0.0, -1.0, -2.0 }, line.Data.GetScatterPoints().Select(p => Math.Round(p.Y, 12)));
    }

    [Fact]
    public void Moving_mean_is_centred_and_averages_fewer_values_at_the_ends()
    {
        // By hand, window 3: (1+2)/2, (1+2+3)/3, (2+3+4)/3, (3+4+5)/3, (4+5)/2.
        Assert.Equal(new[] { 1.5, 2.0, 3.0, 4.0, 4.5 }, LossCurvePlot.MovingMean([1, 2, 3, 4, 5], 3));
        // Window 4 (even): one value before, two after: (1+2+3)/3, (1+2+3+4)/4, (2+3+4+5)/4, (3+4+5)/3, (4+5)/2.
        Assert.Equal(new[] { 2.0, 2.5, 3.5, 4.0, 4.5 }, LossCurvePlot.MovingMean([1, 2, 3, 4, 5], 4));
        Assert.Equal(new[] { 7.0 }, LossCurvePlot.MovingMean([7], 1));
        Assert.Throws<ArgumentException>(() => LossCurvePlot.MovingMean([1], 0));
    }

    [Fact]
    public void Long_noisy_curves_get_a_moving_mean_and_short_ones_do_not()
    {
        var shortPlot = LossCurvePlot.Build([new PlotSeries("loss", [1, 2, 3], [3.0, 2.0, 1.0])]);
        Assert.Single(shortPlot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>());

        int n = LossCurvePlot.SmoothingMinPoints;
        var x = Enumerable.Range(1, n).Select(i => (double)i).ToArray();
        var y = x.Select(i => i % 2 == 0 ? 1.0 : 3.0).ToArray();   // alternating 1, 3 (each step 1 away from the mean 2)
        var lines = LossCurvePlot.Build([new PlotSeries("loss", x, y)]).GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains($"moving mean of {LossCurvePlot.SmoothingWindow(n)} steps", lines[1].LegendText);
        var smooth = lines[1].Data.GetScatterPoints().Select(p => p.Y).ToArray();
        // Away from the ends w consecutive values sum to 2w (w even) or 2w +- 1 (w odd), so the mean is within 1/w of 2.
        double w = LossCurvePlot.SmoothingWindow(n);
        Assert.All(smooth[10..^10], v => Assert.InRange(v, 2 - 1 / w - 1e-12, 2 + 1 / w + 1e-12));
    }

    [Fact]
    public void Saved_files_are_png_of_the_requested_size()
    {
        string dir = Path.Combine(Path.GetTempPath(), "plots-" + Guid.NewGuid().ToString("N"));
        try
        {
            var curve = new LossCurve();
            for (int step = 1; step <= 50; step++) curve.Add(step, step / 10, 2.0 / step);
            string loss = Path.Combine(dir, "loss.png");
            LossCurvePlot.Save(loss, [LossCurvePlot.FromCurve(curve)], logScale: true, width: 640, height: 400);

            int[] ns = [2, 5, 10, 20, 50];
            string accuracy = Path.Combine(dir, "accuracy.png");
            LinePlot.Save(accuracy, [new PlotSeries("decoded", ns.Select(n => (double)n).ToArray(), [0.9, 0.7, 0.55, 0.4, 0.25])],
                new PlotLabels("n-way top-1 accuracy", "n", "accuracy"), LinePlot.NWayChance(ns), yMin: 0, yMax: 1);

            string bars = Path.Combine(dir, "categories.png");
            BarPlot.Save(bars, ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
                [0.8, 0.95, 0.6, 0.7, 0.55, 0.9, 0.3, 0.85, 0.92, 0.88],
                new PlotLabels("Accuracy per category", "", "accuracy"), errors: [0.05, 0.02, 0.08, 0.06, 0.07, 0.03, 0.1, 0.04, 0.03, 0.04], chance: 0.1);

            foreach (var (file, w, h) in new[] { (loss, 640, 400), (accuracy, 800, 500), (bars, 800, 500) })
            {
                byte[] bytes = File.ReadAllBytes(file);
                Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]); // PNG signature
                using var image = Decode(bytes);
                Assert.Equal((w, h), (image.Width, image.Height));
            }
            Assert.Equal(3, Directory.GetFiles(dir).Length); // no temporary files left behind
            string? keep = Environment.GetEnvironmentVariable("DECODING_KEEP_PLOTS");
            if (!string.IsNullOrEmpty(keep))
            {
                Directory.CreateDirectory(keep);
                foreach (var f in Directory.GetFiles(dir)) File.Copy(f, Path.Combine(keep, Path.GetFileName(f)), true);
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Non_png_path_and_mismatched_lengths_are_refused()
    {
        Assert.Contains(".png", Assert.Throws<ArgumentException>(() => LossCurvePlot.Save("loss.jpg", Loss)).Message);
        Assert.Contains("3 x values but 2 y values", Assert.Throws<ArgumentException>(() => new PlotSeries("s", [1, 2, 3], [1, 2])).Message);
        Assert.Contains("2 values for 3 categories", Assert.Throws<ArgumentException>(() => BarPlot.Build(["a", "b", "c"], [1, 2], new("", "", ""))).Message);
    }
}
