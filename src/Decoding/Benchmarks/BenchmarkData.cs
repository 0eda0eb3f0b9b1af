using System.Globalization;
using Fmri.Data;

namespace Decoding.Benchmarks;

/// <summary>The data the read benchmarks run on when the user gives no file of their own.</summary>
public static class BenchmarkData
{
    /// <summary>
    /// A Generic Object Decoding-sized training set: 150 categories x 8 images, one sample each, 24 runs of 50,
    /// voxel values standard normal (like z-scored responses, which compress about as badly as real ones).
    /// </summary>
    public static FmriDataset GodSized(int samples, int voxels, Random random)
    {
        if (samples < 1 || voxels < 1) throw new ArgumentException($"--samples and --voxels must be positive (got {samples} x {voxels})");
        if ((long)samples * voxels > Array.MaxLength) throw new ArgumentException($"--samples x --voxels must be at most {Array.MaxLength} values in all (got {samples} x {voxels})");
        var values = new float[(long)samples * voxels];
        for (long i = 0; i < values.LongLength; i += 2)
        {
            // Box-Muller: two independent standard normals from two uniforms.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.LongLength) values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
        }
        const int categories = 150;
        const long firstSynset = 1_440_764; // n01440764, the first ImageNet synset; the next ones are made up
        return new FmriDataset
        {
            Voxels = values,
            SampleCount = samples,
            VoxelCount = voxels,
            StimulusIds = Enumerable.Range(0, samples).Select(i => StimulusId.FromSynsetAndImage(firstSynset + i % categories, 1 + i / categories)).ToArray(),
            CategoryLabels = Enumerable.Range(0, samples).Select(i => i % categories).ToArray(),
            Runs = Enumerable.Range(0, samples).Select(i => 1 + i * 24 / samples).ToArray(),
            Splits = Enumerable.Repeat(DataSplit.Train, samples).ToArray(),
            RepeatCounts = Enumerable.Repeat(1, samples).ToArray(),
            Rois = new Dictionary<string, int[]> { ["VC"] = Enumerable.Range(0, voxels).ToArray() },
            CategoryNames = Enumerable.Range(0, categories).Select(c => string.Create(CultureInfo.InvariantCulture, $"category {c}")).ToArray(),
            Subject = "synthetic",
            Provenance = new DatasetProvenance { SourceLayout = "synthetic", Steps = [ProcessingStep.Of("standard_normal_voxels")] },
        };
    }
}
