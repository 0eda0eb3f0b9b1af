using Fmri.Core.Imaging;
using Fmri.Data.Stimuli;

namespace Fmri.Data.Import;

/// <summary>
/// Builds a <see cref="StimulusImageSet"/> from a folder of PNG/JPEG images.
/// <list type="bullet">
/// <item>With a CSV (the <c>csvPath</c> of <see cref="Read"/>): a header line naming the columns <c>file</c>
/// (required: the image's path relative to the folder), <c>stimulus_id</c> (default: the file name without extension)
/// and <c>category</c> (optional); one row per image, in the set's order. Ids and categories follow the rules of
/// <see cref="ImportedColumns"/> (categories that are all numbers sort numerically).</item>
/// <item>Without one: one sub-folder per category (named after it, as torchvision's ImageFolder), ids
/// <c>category/file.png</c>, files in ordinal order.</item>
/// </list>
/// Images keep their size when they all share one; otherwise give <c>size</c>, and each is brought to it by the
/// <see cref="ImageGeometry"/> rule given. They are greyscale (one channel) when every pixel of every image has R = G = B, else RGB,
/// unless <c>channels</c> says. Decoding is ImageSharp's (<see cref="ImageFile"/>); transparent pixels become black.
/// </summary>
public static class StimulusFolderImport
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static StimulusImageSet Read(string folder, string? csvPath, int? size, ImageGeometry geometry, int? channels)
    {
        if (!Directory.Exists(folder)) throw new InvalidSettingException("folder", folder, "folder not found");
        if (channels is not (null or 1 or 3)) throw new InvalidSettingException("channels", channels, "must be 1 (greyscale) or 3 (RGB)");
        var (files, ids, labelTexts) = csvPath is null ? FromSubfolders(folder) : FromCsv(folder, csvPath);
        if (files.Count == 0) throw new DataFormatException(folder, "images", "holds no .png, .jpg or .jpeg file");

        var decoded = new List<(byte[] Rgba, int Width, int Height)>(files.Count);
        foreach (string file in files) decoded.Add(Decode(file));
        if (size is null && decoded.Any(d => d.Width != decoded[0].Width || d.Height != decoded[0].Height))
        {
            int k = decoded.FindIndex(d => d.Width != decoded[0].Width || d.Height != decoded[0].Height);
            throw new InvalidSettingException("image_size", null,
                $"is needed: {files[k]} is {decoded[k].Width}x{decoded[k].Height} but {files[0]} is {decoded[0].Width}x{decoded[0].Height}; give --image-size N to crop and resize every image to N x N");
        }
        int outChannels = channels ?? (decoded.All(d => IsGrey(d.Rgba)) ? 1 : 3);
        int height = size ?? decoded[0].Height, width = size ?? decoded[0].Width;
        var images = new List<byte[]>(files.Count);
        for (int i = 0; i < decoded.Count; i++)
        {
            var (rgba, w, h) = decoded[i];
            var rgb = new byte[w * h * 3];
            for (int p = 0; p < w * h; p++) { rgb[3 * p] = rgba[4 * p]; rgb[3 * p + 1] = rgba[4 * p + 1]; rgb[3 * p + 2] = rgba[4 * p + 2]; }
            if (size is int s && (w != s || h != s))
            {
                var one = new StimulusImageSet(rgb, 1, h, w, 3, [new StimulusId("image")], [-1], []);
                rgb = ImageGeometries.Apply(one, s, geometry).Pixels;
            }
            images.Add(outChannels == 3 ? rgb : ToGrey(rgb));
        }
        var labelArray = labelTexts is null ? null : new NamedArray("category", [labelTexts.Length], null, labelTexts.Select(t => t ?? "").ToArray(), "csv");
        var (labels, names) = ImportedColumns.Categories([(labelArray, files.Count, "category")], null, "category_names");
        return StimulusArrayImport.Deduplicate(csvPath ?? folder, images, ids, labels[0], height, width, outChannels, names);
    }

    private static (List<string> Files, List<StimulusId> Ids, string?[]? Labels) FromSubfolders(string folder)
    {
        var categories = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (categories.Length == 0)
            throw new DataFormatException(folder, "categories", "has no sub-folders; put each category's images in a sub-folder named after it, or give --csv listing file,stimulus_id,category");
        var files = new List<string>();
        var ids = new List<StimulusId>();
        var labels = new List<string?>();
        foreach (string category in categories)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(folder, category)).Where(IsImage).Order(StringComparer.Ordinal))
            {
                files.Add(file);
                ids.Add(new StimulusId($"{category}/{Path.GetFileName(file)}"));
                labels.Add(category);
            }
        }
        return (files, ids, labels.ToArray());
    }

    private static (List<string> Files, List<StimulusId> Ids, string?[]? Labels) FromCsv(string folder, string csvPath)
    {
        if (!File.Exists(csvPath)) throw new InvalidSettingException("csv", csvPath, "file not found");
        var lines = File.ReadAllLines(csvPath).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 2) throw new DataFormatException(csvPath, "rows", "needs a header line (file,stimulus_id,category) and one row per image");
        var header = Split(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int fileColumn = header.IndexOf("file"), idColumn = header.IndexOf("stimulus_id"), categoryColumn = header.IndexOf("category");
        if (fileColumn < 0) throw new DataFormatException(csvPath, "header", $"has no 'file' column (found: {string.Join(", ", header)}); expected file,stimulus_id,category");
        var files = new List<string>();
        var ids = new List<StimulusId>();
        var labels = new List<string?>();
        for (int i = 1; i < lines.Count; i++)
        {
            var cells = Split(lines[i]);
            if (cells.Count != header.Count) throw new DataFormatException(csvPath, $"line {i + 1}", $"has {cells.Count} columns, the header {header.Count}");
            string file = Path.Combine(folder, cells[fileColumn].Trim());
            if (!File.Exists(file)) throw new DataFormatException(csvPath, $"line {i + 1}", $"names {cells[fileColumn].Trim()}, which is not in {folder}");
            if (!IsImage(file)) throw new DataFormatException(csvPath, $"line {i + 1}", $"names {cells[fileColumn].Trim()}, not a .png, .jpg or .jpeg file");
            files.Add(file);
            string id = idColumn >= 0 ? cells[idColumn].Trim() : Path.GetFileNameWithoutExtension(file);
            if (id.Length == 0) throw new DataFormatException(csvPath, $"line {i + 1}", "has an empty stimulus_id");
            ids.Add(new StimulusId(id));
            labels.Add(categoryColumn >= 0 && cells[categoryColumn].Trim().Length > 0 ? cells[categoryColumn].Trim() : null);
        }
        return (files, ids, categoryColumn >= 0 ? labels.ToArray() : null);
    }

    /// <summary>Splits one CSV line at commas, honouring double-quoted fields ("a, b").</summary>
    private static List<string> Split(string line)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"' && quoted && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        cells.Add(current.ToString());
        return cells;
    }

    private static bool IsImage(string file) => Extensions.Contains(Path.GetExtension(file).ToLowerInvariant());

    /// <summary>Decodes a PNG/JPEG into unpremultiplied RGBA bytes over black.</summary>
    private static (byte[] Rgba, int Width, int Height) Decode(string file)
    {
        var image = ImageFile.Read(file);
        return (image.Pixels, image.Width, image.Height);
    }

    private static bool IsGrey(byte[] rgba)
    {
        for (int p = 0; p < rgba.Length; p += 4)
            if (rgba[p] != rgba[p + 1] || rgba[p] != rgba[p + 2]) return false;
        return true;
    }

    private static byte[] ToGrey(byte[] rgb)
    {
        var grey = new byte[rgb.Length / 3];
        for (int p = 0; p < grey.Length; p++)
            grey[p] = rgb[3 * p] == rgb[3 * p + 1] && rgb[3 * p] == rgb[3 * p + 2] ? rgb[3 * p] : ImageResampling.Luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
        return grey;
    }

}
