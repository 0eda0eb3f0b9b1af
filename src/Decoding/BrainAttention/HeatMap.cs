namespace Decoding.BrainAttention;

/// <summary>
/// Colours a map for display with the viridis colour scale (dark purple for 0, through blue and green, to yellow for
/// the largest value), read from five of its anchor colours and interpolated linearly between them.
/// </summary>
public static class HeatMap
{
    private static readonly float[][] Anchors =
    [
        [0x44 / 255f, 0x01 / 255f, 0x54 / 255f],
        [0x3b / 255f, 0x52 / 255f, 0x8b / 255f],
        [0x21 / 255f, 0x91 / 255f, 0x8c / 255f],
        [0x5e / 255f, 0xc9 / 255f, 0x62 / 255f],
        [0xfd / 255f, 0xe7 / 255f, 0x25 / 255f],
    ];

    /// <summary>
    /// RGB pixels (HWC, in [0, 1]) of a side x side map, each value divided by <paramref name="max"/>, enlarged
    /// <paramref name="scale"/> times (nearest neighbour).
    /// </summary>
    public static (float[] Pixels, int Height, int Width, int Channels) Colour(IReadOnlyList<float> map, int side, double max, int scale)
    {
        if (map.Count != side * side) throw new ArgumentException($"heat map: {map.Count} values for a {side} x {side} map");
        if (scale < 1) throw new ArgumentException($"heat map: scale must be >= 1, got {scale}");
        int size = side * scale;
        var pixels = new float[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double v = max > 0 ? Math.Clamp(map[(y / scale) * side + x / scale] / max, 0, 1) : 0;
                var rgb = Interpolate(v);
                Array.Copy(rgb, 0, pixels, (y * size + x) * 3, 3);
            }
        return (pixels, size, size, 3);
    }

    private static float[] Interpolate(double v)
    {
        double position = v * (Anchors.Length - 1);
        int i = Math.Min((int)position, Anchors.Length - 2);
        float t = (float)(position - i);
        return [.. Enumerable.Range(0, 3).Select(c => Anchors[i][c] + t * (Anchors[i + 1][c] - Anchors[i][c]))];
    }
}
