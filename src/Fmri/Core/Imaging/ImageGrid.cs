using Fmri.Core.IO;
using Fmri.Core.Plots;
using SkiaSharp;

namespace Fmri.Core.Imaging;

/// <summary>
/// Composes images into a labelled grid (e.g. stimulus | K decoded images, one row per test stimulus), scaled
/// up with nearest-neighbour so small images stay legible. Text uses the DejaVu Sans face shipped with the
/// program (no system fonts needed).
/// </summary>
public sealed class ImageGrid
{
    private readonly List<(string Label, List<(float[] Pixels, int H, int W, int C)> Cells)> rows = [];

    public ImageGrid(int scale = 3, int padding = 4, string? title = null, IReadOnlyList<string>? columnHeaders = null)
    {
        if (scale < 1) throw new ArgumentException($"grid: scale must be >= 1, got {scale}");
        Scale = scale;
        Padding = padding;
        Title = title;
        ColumnHeaders = columnHeaders ?? [];
    }

    public int Scale { get; }
    public int Padding { get; }
    public string? Title { get; }
    public IReadOnlyList<string> ColumnHeaders { get; }

    /// <summary>Adds a row of images (float pixels in [0, 1], HWC) with a label drawn at its left.</summary>
    public ImageGrid AddRow(string label, IEnumerable<(float[] Pixels, int Height, int Width, int Channels)> images)
    {
        rows.Add((label, images.Select(i => (i.Pixels, i.Height, i.Width, i.Channels)).ToList()));
        return this;
    }

    public byte[] EncodePng()
    {
        if (rows.Count == 0) throw new InvalidOperationException("grid: no rows");
        using var font = new SKFont(PlotFonts.Regular, 12);
        using var textPaint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        int cellW = rows.SelectMany(r => r.Cells).Max(c => c.W) * Scale;
        int cellH = rows.SelectMany(r => r.Cells).Max(c => c.H) * Scale;
        int cols = rows.Max(r => r.Cells.Count);
        int labelW = (int)Math.Ceiling(rows.Max(r => font.MeasureText(r.Label))) + 2 * Padding;
        int titleH = Title is null ? 0 : 22;
        // Column headers wrap at word boundaries to the cell width, so long method names never overlap.
        var headerLines = ColumnHeaders.Select(h => Wrap(h, cellW + Padding / 2, font)).ToList();
        int headerH = headerLines.Count == 0 ? 0 : 15 * headerLines.Max(l => l.Count) + 4;
        int width = labelW + cols * (cellW + Padding) + Padding;
        int height = titleH + headerH + rows.Count * (cellH + Padding) + Padding;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        if (Title is not null)
        {
            using var titleFont = new SKFont(PlotFonts.Bold, 14);
            canvas.DrawText(Title, Padding, 16, titleFont, textPaint);
        }
        for (int c = 0; c < headerLines.Count && c < cols; c++)
            for (int line = 0; line < headerLines[c].Count; line++)
                canvas.DrawText(headerLines[c][line], labelW + c * (cellW + Padding), titleH + 13 + 15 * line, font, textPaint);
        for (int r = 0; r < rows.Count; r++)
        {
            int y = titleH + headerH + r * (cellH + Padding) + Padding;
            canvas.DrawText(rows[r].Label, Padding, y + cellH / 2f + 4, font, textPaint);
            for (int c = 0; c < rows[r].Cells.Count; c++)
            {
                var (pixels, h, w, ch) = rows[r].Cells[c];
                using var bitmap = SKBitmap.Decode(PngImage.Encode(pixels, h, w, ch));
                var dest = new SKRect(labelW + c * (cellW + Padding), y, labelW + c * (cellW + Padding) + w * Scale, y + h * Scale);
                using var image = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(image, dest, new SKSamplingOptions(SKFilterMode.Nearest));
            }
        }
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Splits text into lines no wider than <paramref name="width"/> pixels at spaces; a word wider than that is cut.</summary>
    private static List<string> Wrap(string text, float width, SKFont font)
    {
        var lines = new List<string>();
        string current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = current.Length == 0 ? word : current + " " + word;
            if (font.MeasureText(candidate) <= width || current.Length == 0) current = candidate;
            else
            {
                lines.Add(current);
                current = word;
            }
        }
        if (current.Length > 0) lines.Add(current);
        for (int i = 0; i < lines.Count; i++)
            while (lines[i].Length > 1 && font.MeasureText(lines[i]) > width) lines[i] = lines[i][..^1];
        return lines;
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, EncodePng());
}
