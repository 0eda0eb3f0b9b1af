using Fmri.Data;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Simulation;

/// <summary>Shared inputs for the simulation tests: the shipped Fashion-MNIST subset and a small, fast configuration.</summary>
internal static class SimulationFixtures
{
    private static readonly Lazy<StimulusImageSet> LazyPool = new(() =>
        FashionMnist.Load(Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist"), FashionMnistPart.Test));

    public static StimulusImageSet Pool => LazyPool.Value;

    /// <summary>10 categories x (12 train + 2 test) images, 4 test repeats, 4 training runs, 300 voxels.</summary>
    public static VisualCortexConfig Small(int seed = 7) => new()
    {
        Seed = seed,
        TrainImagesPerCategory = 12,
        TestImagesPerCategory = 2,
        TestRepeats = 4,
        TrainRuns = 4,
        RetinotopicAreas =
        [
            new("V1", 80, 0.12, 0.30, 0.80),
            new("V2", 70, 0.18, 0.40, 0.70),
            new("V3", 60, 0.28, 0.50, 0.60),
            new("V4", 40, 0.45, 0.70, 0.50),
        ],
        LocVoxelCount = 50,
    };

    /// <summary>Z-scores every voxel within every run (the usual per-run normalisation of GOD data).</summary>
    public static float[] ZScoreWithinRuns(FmriDataset data)
    {
        int v = data.VoxelCount;
        var result = new float[data.Voxels.Length];
        foreach (int run in data.Runs.Distinct())
        {
            int[] rows = Enumerable.Range(0, data.SampleCount).Where(i => data.Runs[i] == run).ToArray();
            for (int j = 0; j < v; j++)
            {
                double mean = rows.Average(i => (double)data.Voxels[i * v + j]);
                double sd = Math.Sqrt(rows.Average(i => Math.Pow(data.Voxels[i * v + j] - mean, 2)));
                foreach (int i in rows) result[i * v + j] = (float)((data.Voxels[i * v + j] - mean) / (sd > 0 ? sd : 1));
            }
        }
        return result;
    }
}
