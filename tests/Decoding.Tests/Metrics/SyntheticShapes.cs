using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

/// <summary>
/// A small separable image problem for training tests: greyscale images of four shape classes on a noisy
/// background, with random position, size and brightness drawn from a seeded <see cref="Random"/>.
/// 0 = filled square, 1 = ring, 2 = horizontal bar, 3 = diagonal cross.
/// </summary>
internal static class SyntheticShapes
{
    public const int ClassCount = 4;

    public static (List<ImageTensor> Images, List<int> Labels) Generate(int count, int size, Random random)
    {
        var images = new List<ImageTensor>(count);
        var labels = new List<int>(count);
        for (int i = 0; i < count; i++)
        {
            int label = i % ClassCount;
            images.Add(Draw(label, size, random));
            labels.Add(label);
        }
        return (images, labels);
    }

    private static ImageTensor Draw(int label, int size, Random random)
    {
        var pixels = new float[size * size];
        for (int p = 0; p < pixels.Length; p++) pixels[p] = (float)(0.15 * random.NextDouble());
        double half = size * (0.22 + 0.12 * random.NextDouble());            // shape half-extent
        double cy = size / 2.0 + (random.NextDouble() - 0.5) * size * 0.25;
        double cx = size / 2.0 + (random.NextDouble() - 0.5) * size * 0.25;
        float brightness = (float)(0.6 + 0.35 * random.NextDouble());
        double thickness = 1.2 + random.NextDouble();
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double dy = y + 0.5 - cy, dx = x + 0.5 - cx;
                bool on = label switch
                {
                    0 => Math.Abs(dx) <= half * 0.8 && Math.Abs(dy) <= half * 0.8,
                    1 => Math.Abs(Math.Sqrt(dx * dx + dy * dy) - half) <= thickness,
                    2 => Math.Abs(dy) <= thickness && Math.Abs(dx) <= half,
                    3 => (Math.Abs(dx - dy) <= thickness || Math.Abs(dx + dy) <= thickness) && Math.Abs(dx) <= half && Math.Abs(dy) <= half,
                    _ => throw new ArgumentOutOfRangeException(nameof(label)),
                };
                if (on) pixels[y * size + x] = Math.Min(1f, brightness + pixels[y * size + x]);
            }
        }
        return new ImageTensor(size, size, 1, pixels);
    }
}
