using SkiaSharp;

namespace Decoding.Imaging;

/// <summary>The DejaVu Sans faces shipped inside the program (Assets/Fonts), so text renders on machines without fonts.</summary>
public static class EmbeddedFonts
{
    public static SKTypeface Regular() => Load("Decoding.Fonts.DejaVuSans.ttf");

    public static SKTypeface Bold() => Load("Decoding.Fonts.DejaVuSans-Bold.ttf");

    /// <summary>The raw font file bytes of an embedded face.</summary>
    public static byte[] Bytes(string resourceName)
    {
        using var stream = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"font resource {resourceName} is missing from the program");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static SKTypeface Load(string resourceName)
    {
        using var data = SKData.CreateCopy(Bytes(resourceName));
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"font resource {resourceName} could not be read");
    }
}
