using System.Reflection;

namespace Decoding.Notebooks;

/// <summary>
/// Shows plots, images and tables inline in a notebook. In a .NET Interactive kernel (VS Code Polyglot
/// Notebooks, Jupyter with the .NET kernel) it calls the kernel's display through reflection, so the project
/// needs no dependency on the kernel; anywhere else (the test harness, a console) it prints a text line and
/// keeps what was shown in <see cref="Shown"/> so the harness can check it.
/// </summary>
public static class NotebookDisplay
{
    private static readonly List<DisplayedItem> shown = [];

    /// <summary>Everything displayed outside a kernel, in order.</summary>
    public static IReadOnlyList<DisplayedItem> Shown => shown;

    /// <summary>Clears <see cref="Shown"/> (the harness does this before each notebook).</summary>
    public static void Reset() => shown.Clear();

    /// <summary>Shows a PNG image (a plot or an image grid).</summary>
    public static void Png(byte[] png, string caption = "")
    {
        if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P')
            throw new ArgumentException($"display: '{caption}' is not PNG data");
        string html = $"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"/>" +
                      (caption.Length > 0 ? $"<figcaption>{System.Net.WebUtility.HtmlEncode(caption)}</figcaption>" : "") + "</figure>";
        Show(new DisplayedItem("image/png", caption, png.Length), html);
    }

    /// <summary>Shows a PNG file.</summary>
    public static void PngFile(string path, string caption = "") => Png(File.ReadAllBytes(path), caption.Length > 0 ? caption : Path.GetFileName(path));

    /// <summary>Shows a table of rows (first row = header).</summary>
    public static void Table(IReadOnlyList<IReadOnlyList<string>> rows, string caption = "")
    {
        Func<string, string> enc = s => System.Net.WebUtility.HtmlEncode(s);
        string html = "<table>" + (caption.Length > 0 ? $"<caption>{enc(caption)}</caption>" : "") +
                      string.Concat(rows.Select((r, i) => "<tr>" + string.Concat(r.Select(c => i == 0 ? $"<th>{enc(c)}</th>" : $"<td>{enc(c)}</td>")) + "</tr>")) +
                      "</table>";
        Show(new DisplayedItem("text/html", caption, rows.Count), html, string.Join("\n", rows.Select(r => string.Join("\t", r))));
    }

    /// <summary>Shows plain text.</summary>
    public static void Text(string text) => Show(new DisplayedItem("text/plain", text, text.Length), $"<pre>{System.Net.WebUtility.HtmlEncode(text)}</pre>", text);

    private static void Show(DisplayedItem item, string html, string? plain = null)
    {
        if (TryKernelDisplay(html)) return;
        shown.Add(item);
        Console.WriteLine(plain ?? $"[{item.MimeType}] {item.Caption} ({item.Size} bytes)");
    }

    private static bool TryKernelDisplay(string html)
    {
        // Microsoft.DotNet.Interactive.Kernel.HTML(string) and Kernel.display(object, params string[]) exist only inside a kernel.
        var kernel = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType("Microsoft.DotNet.Interactive.Kernel", throwOnError: false))
            .FirstOrDefault(t => t is not null);
        if (kernel is null) return false;
        var htmlFactory = kernel.GetMethod("HTML", BindingFlags.Public | BindingFlags.Static, [typeof(string)]);
        var display = kernel.GetMethods(BindingFlags.Public | BindingFlags.Static).FirstOrDefault(m => m.Name == "display" && m.GetParameters().Length == 2);
        if (htmlFactory is null || display is null) return false;
        display.Invoke(null, [htmlFactory.Invoke(null, [html]), Array.Empty<string>()]);
        return true;
    }
}

/// <summary>A record of something displayed outside a kernel.</summary>
public sealed record DisplayedItem(string MimeType, string Caption, long Size);
