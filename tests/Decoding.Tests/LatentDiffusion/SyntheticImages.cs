using Decoding.LatentDiffusion;

namespace Decoding.Tests.LatentDiffusion;

/// <summary>Small greyscale test images that are easy to tell apart: a bright disc and a horizontal bar.</summary>
internal static class SyntheticImages
{
    /// <summary>A disc of the given radius, centred, 255 inside, 0 outside: (size, size) row-major.</summary>
    public static byte[] Disc(int size, double radius)
    {
        var pixels = new byte[size * size];
        double centre = (size - 1) / 2.0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                if ((x - centre) * (x - centre) + (y - centre) * (y - centre) <= radius * radius) pixels[y * size + x] = 255;
        return pixels;
    }

    /// <summary>A horizontal bar of the given thickness across the whole width, centred vertically.</summary>
    public static byte[] Bar(int size, int thickness)
    {
        var pixels = new byte[size * size];
        int top = (size - thickness) / 2;
        for (int y = top; y < top + thickness; y++)
            for (int x = 0; x < size; x++) pixels[y * size + x] = 255;
        return pixels;
    }

    /// <summary>The two-class set: <paramref name="copies"/> discs labelled "disc" and as many bars labelled "bar".</summary>
    public static LabelledImages DiscsAndBars(int size, int copies)
    {
        var disc = Disc(size, size / 3.0);
        var bar = Bar(size, Math.Max(2, size / 4));
        var pixels = new byte[2 * copies * size * size];
        var labels = new int[2 * copies];
        for (int i = 0; i < copies; i++)
        {
            disc.CopyTo(pixels, (2 * i) * size * size);
            bar.CopyTo(pixels, (2 * i + 1) * size * size);
            labels[2 * i] = 0;
            labels[2 * i + 1] = 1;
        }
        return new LabelledImages(pixels, 2 * copies, size, size, 1, labels, ["disc", "bar"]);
    }

    /// <summary>
    /// Varied shapes for autoencoder training: discs of random radius and position and bars of random thickness and
    /// height, drawn from a seeded System.Random, labelled "disc" / "bar".
    /// </summary>
    public static LabelledImages VariedShapes(int size, int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * size * size];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 2;
            int offset = n * size * size;
            if (labels[n] == 0)
            {
                double r = 2 + random.NextDouble() * size / 4.0;
                double cx = r + random.NextDouble() * (size - 2 * r), cy = r + random.NextDouble() * (size - 2 * r);
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) pixels[offset + y * size + x] = 255;
            }
            else
            {
                int thickness = 2 + random.Next(size / 4);
                int top = random.Next(size - thickness);
                for (int y = top; y < top + thickness; y++)
                    for (int x = 0; x < size; x++) pixels[offset + y * size + x] = 255;
            }
        }
        return new LabelledImages(pixels, count, size, size, 1, labels, ["disc", "bar"]);
    }
}
