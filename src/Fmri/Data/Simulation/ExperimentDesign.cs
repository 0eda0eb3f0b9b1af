using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// Which images are shown, in which run and order, as in Generic Object Decoding: the training images are shuffled
/// and dealt into <see cref="VisualCortexConfig.TrainRuns"/> runs (each shown once); every test run shows each test
/// image once in a fresh random order. Runs are numbered 1..TrainRuns, then TrainRuns+1.. for the test runs.
/// Samples are ordered run by run.
/// </summary>
public sealed record ExperimentDesign
{
    /// <summary>Pool index of each stimulus used: the training images (by category, then pool order), then the test images.</summary>
    public required int[] PoolIndices { get; init; }

    /// <summary>The first TrainStimulusCount entries of <see cref="PoolIndices"/> are training images.</summary>
    public required int TrainStimulusCount { get; init; }

    /// <summary>Stimulus (index into <see cref="PoolIndices"/>) of each sample.</summary>
    public required int[] SampleStimulus { get; init; }

    /// <summary>Run number of each sample.</summary>
    public required int[] SampleRun { get; init; }

    /// <summary>Split of each sample.</summary>
    public required DataSplit[] SampleSplit { get; init; }

    /// <summary>Position of each sample within its run, from -0.5 (first) to 0.5 (last); 0 when the run has one sample.</summary>
    public required double[] SampleTimeInRun { get; init; }

    /// <summary>All run numbers in order.</summary>
    public required int[] RunNumbers { get; init; }

    public int SampleCount => SampleStimulus.Length;

    public int StimulusCount => PoolIndices.Length;

    /// <summary>Draws the design from a pool of labelled images with <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">A category of the pool has too few images, or the pool has unlabelled images only.</exception>
    public static ExperimentDesign Create(StimulusImageSet pool, VisualCortexConfig config, Random random)
    {
        int categories = pool.CategoryNames.Count > 0 ? pool.CategoryNames.Count : pool.CategoryLabels.DefaultIfEmpty(-1).Max() + 1;
        if (categories <= 0) throw new ArgumentException("pool: the stimulus images have no category labels; the simulator needs categories", nameof(pool));
        int perCategory = config.TrainImagesPerCategory + config.TestImagesPerCategory;
        var train = new List<int>();
        var test = new List<int>();
        for (int k = 0; k < categories; k++)
        {
            var members = Enumerable.Range(0, pool.Count).Where(i => pool.CategoryLabels[i] == k).ToArray();
            if (members.Length < perCategory)
            {
                string name = k < pool.CategoryNames.Count ? pool.CategoryNames[k] : k.ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw new ArgumentException($"pool: category '{name}' has {members.Length} images, the design needs {perCategory} ({config.TrainImagesPerCategory} train + {config.TestImagesPerCategory} test)", nameof(pool));
            }
            random.Shuffle(members);
            test.AddRange(members.Take(config.TestImagesPerCategory).Order());
            train.AddRange(members.Skip(config.TestImagesPerCategory).Take(config.TrainImagesPerCategory).Order());
        }
        int[] poolIndices = [.. train, .. test];

        var sampleStimulus = new List<int>();
        var sampleRun = new List<int>();
        var sampleSplit = new List<DataSplit>();
        var sampleTime = new List<double>();
        void AddRun(int run, int[] stimuli, DataSplit split)
        {
            for (int t = 0; t < stimuli.Length; t++)
            {
                sampleStimulus.Add(stimuli[t]);
                sampleRun.Add(run);
                sampleSplit.Add(split);
                sampleTime.Add(stimuli.Length > 1 ? (double)t / (stimuli.Length - 1) - 0.5 : 0);
            }
        }

        // Training: one shuffled sequence cut into runs of as equal length as possible.
        int[] trainOrder = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(trainOrder);
        int start = 0;
        for (int r = 0; r < config.TrainRuns; r++)
        {
            int length = train.Count / config.TrainRuns + (r < train.Count % config.TrainRuns ? 1 : 0);
            AddRun(r + 1, trainOrder[start..(start + length)], DataSplit.Train);
            start += length;
        }
        // Test: each run shows every test image once.
        for (int r = 0; r < config.TestRuns; r++)
        {
            int[] order = Enumerable.Range(train.Count, test.Count).ToArray();
            random.Shuffle(order);
            AddRun(config.TrainRuns + r + 1, order, DataSplit.Test);
        }
        return new ExperimentDesign
        {
            PoolIndices = poolIndices,
            TrainStimulusCount = train.Count,
            SampleStimulus = [.. sampleStimulus],
            SampleRun = [.. sampleRun],
            SampleSplit = [.. sampleSplit],
            SampleTimeInRun = [.. sampleTime],
            RunNumbers = Enumerable.Range(1, config.TrainRuns + config.TestRuns).ToArray(),
        };
    }
}
