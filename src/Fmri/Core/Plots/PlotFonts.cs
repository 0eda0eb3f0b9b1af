using ScottPlot;
using SkiaSharp;

namespace Fmri.Core.Plots;

/// <summary>
/// The fonts every plot uses. ScottPlot draws no text at all on a machine without fonts, and no error says so,
/// so the program ships DejaVu Sans regular and bold as embedded resources of this
/// assembly and registers them with ScottPlot ahead of the system fonts. The default family is set to DejaVu Sans
/// (otherwise it resolves to a serif face), and bold requests (titles) get the bold face.
/// </summary>
public static class PlotFonts
{
    /// <summary>The family name plots ask for.</summary>
    public const string Family = "DejaVu Sans";

    private const string RegularResource = "Fmri.Fonts.DejaVuSans.ttf";
    private const string BoldResource = "Fmri.Fonts.DejaVuSans-Bold.ttf";

    private static readonly Lock Gate = new();
    private static SKTypeface? regular;
    private static SKTypeface? bold;

    /// <summary>The embedded regular face (registers the fonts first if needed).</summary>
    public static SKTypeface Regular
    {
        get
        {
            EnsureRegistered();
            return regular!;
        }
    }

    /// <summary>The embedded bold face (registers the fonts first if needed).</summary>
    public static SKTypeface Bold
    {
        get
        {
            EnsureRegistered();
            return bold!;
        }
    }

    /// <summary>
    /// Loads the embedded faces, puts a resolver for <see cref="Family"/> first in ScottPlot's list and makes
    /// <see cref="Family"/> ScottPlot's default font. Safe to call many times and from many threads.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (regular is not null) return;
            var loadedRegular = Load(RegularResource);
            var loadedBold = Load(BoldResource);
            Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver(loadedRegular, loadedBold));
            Fonts.Default = Family;
            bold = loadedBold;
            regular = loadedRegular;
        }
    }

    /// <summary>
    /// Makes every label of <paramref name="plot"/> (title, axis labels, tick labels, legend) use <see cref="Family"/>,
    /// resolved per label so that bold labels (the title) get the bold face. ScottPlot's own <c>plot.Font.Set</c>
    /// pins one regular typeface on every label, title included, so it must not be used on these plots.
    /// </summary>
    public static void Apply(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        EnsureRegistered();
        Use(plot.Axes.Title.Label);
        foreach (var axis in plot.Axes.GetAxes())
        {
            Use(axis.Label);
            Use(axis.TickLabelStyle);
        }
        plot.Legend.FontName = Family;
    }

    private static void Use(LabelStyle label)
    {
        label.FontName = Family;
        label.Font = null; // a pinned typeface would override the name and the Bold flag
    }

    private static SKTypeface Load(string resource)
    {
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font resource '{resource}' is missing from {typeof(PlotFonts).Assembly.GetName().Name}; check the EmbeddedResource items in Fmri.csproj");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        using var data = SKData.CreateCopy(buffer.ToArray());
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"embedded font resource '{resource}' is not a font SkiaSharp can read");
    }

    /// <summary>Answers ScottPlot's requests for <see cref="Family"/> with the embedded faces; other names fall through.</summary>
    private sealed class EmbeddedFontResolver(SKTypeface regularFace, SKTypeface boldFace) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width)
            => IsFamily(fontName) ? (weight >= FontWeight.SemiBold ? boldFace : regularFace) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic)
            => IsFamily(fontName) ? (bold ? boldFace : regularFace) : null;

        private static bool IsFamily(string fontName) => string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase);
    }
}
