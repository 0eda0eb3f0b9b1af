using Fmri.Data;
using Fmri.Data.Stimuli;

namespace Decoding.Tests;

/// <summary>
/// Tiny synthetic experiment with a strong signal: 16x16 greyscale images of four very different shapes (filled
/// square, horizontal bar, vertical bar, ring), each exemplar shifted by up to a pixel; fMRI = a fixed random linear
/// projection of the image's pixels plus Gaussian noise. Training and test stimuli are different exemplars.
/// </summary>
internal static class SyntheticBrainData
{
    public const int Size = 16;

    public static (FmriDataset Fmri, StimulusImageSet Stimuli) Create(int voxels = 64, int trainPerClass = 6, int testPerClass = 1,
        double noise = 0.1, int seed = 7)
    {
        var random = new Random(seed);
        int classes = 4;
        var ids = new List<StimulusId>();
        var labels = new List<int>();
        var pixels = new List<byte>();
        var splits = new List<DataSplit>();
        for (int c = 0; c < classes; c++)
            for (int e = 0; e < trainPerClass + testPerClass; e++)
            {
                ids.Add(new StimulusId($"shape{c}_{e}"));
                labels.Add(c);
                pixels.AddRange(Shape(c, random.Next(-1, 2), random.Next(-1, 2)));
                splits.Add(e < trainPerClass ? DataSplit.Train : DataSplit.Test);
            }
        int n = ids.Count;
        var stimuli = new StimulusImageSet(pixels.ToArray(), n, Size, Size, 1, ids.ToArray(), labels.ToArray(), ["square", "hbar", "vbar", "ring"]);

        // Fixed projection W (voxels x pixels), entries N(0, 1/pixels) by Box-Muller from the seeded Random.
        int p = Size * Size;
        var w = new double[voxels, p];
        for (int v = 0; v < voxels; v++)
            for (int k = 0; k < p; k++) w[v, k] = Gaussian(random) / Math.Sqrt(p) * 4;
        var matrix = new float[n * voxels];
        for (int s = 0; s < n; s++)
            for (int v = 0; v < voxels; v++)
            {
                double sum = 0;
                for (int k = 0; k < p; k++) sum += w[v, k] * (pixels[s * p + k] / 255.0 - 0.5);
                matrix[s * voxels + v] = (float)(sum + noise * Gaussian(random));
            }
        var fmri = new FmriDataset
        {
            Voxels = matrix,
            SampleCount = n,
            VoxelCount = voxels,
            StimulusIds = ids.ToArray(),
            CategoryLabels = labels.ToArray(),
            Runs = Enumerable.Repeat(1, n).ToArray(),
            Splits = splits.ToArray(),
            RepeatCounts = Enumerable.Repeat(1, n).ToArray(),
            Rois = new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, voxels).ToArray() },
            CategoryNames = ["square", "hbar", "vbar", "ring"],
            Subject = "synthetic",
        };
        return (fmri, stimuli);
    }

    private static byte[] Shape(int kind, int dy, int dx)
    {
        var image = new byte[Size * Size];
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                double cy = y - 7.5 - dy, cx = x - 7.5 - dx, r = Math.Sqrt(cy * cy + cx * cx);
                bool on = kind switch
                {
                    0 => Math.Abs(cy) < 4 && Math.Abs(cx) < 4,
                    1 => Math.Abs(cy) < 2 && Math.Abs(cx) < 7,
                    2 => Math.Abs(cx) < 2 && Math.Abs(cy) < 7,
                    _ => r > 4 && r < 6.5,
                };
                image[y * Size + x] = on ? (byte)255 : (byte)0;
            }
        return image;
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
