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

    /// <summary>Labels of the categories the experiment uses (0..N-1).</summary>
    public int[] Categories { get; init; } = [];

    /// <summary>Labels of the test categories that contribute no training image (empty when training and test share categories).</summary>
    public int[] HeldOutTestCategories { get; init; } = [];

    /// <summary>Labels of the categories that contribute training images: the categories used less the held-out ones.</summary>
    public int[] TrainCategories => Categories.Except(HeldOutTestCategories).ToArray();

    public int SampleCount => SampleStimulus.Length;

    public int StimulusCount => PoolIndices.Length;

    /// <summary>Categories of a pool: its category names, else one more than its largest label.</summary>
    public static int CategoryCount(StimulusImageSet pool)
        => pool.CategoryNames.Count > 0 ? pool.CategoryNames.Count : pool.CategoryLabels.DefaultIfEmpty(-1).Max() + 1;

    /// <summary>
    /// <paramref name="total"/> items spread as evenly as possible over <paramref name="parts"/>: each gets
    /// total / parts, and the first total mod parts get one more.
    /// </summary>
    public static int[] SpreadEvenly(int total, int parts)
        => Enumerable.Range(0, parts).Select(i => total / parts + (i < total % parts ? 1 : 0)).ToArray();

    /// <summary>Draws the design from a pool of labelled images with <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">The pool has unlabelled images only.</exception>
    /// <exception cref="InvalidSettingException">The pool has fewer categories than the configuration asks for, or a category
    /// too few images for the counts asked for (naming the count's setting).</exception>
    public static ExperimentDesign Create(StimulusImageSet pool, VisualCortexConfig config, Random random)
    {
        int poolCategories = CategoryCount(pool);
        if (poolCategories <= 0) throw new ArgumentException("pool: the stimulus images have no category labels; the simulator needs categories", nameof(pool));
        int categories = config.Categories ?? poolCategories;
        if (categories > poolCategories)
            throw new InvalidSettingException("categories", categories, $"the stimulus pool has only {poolCategories} categories");
        if (config.HeldOutTestCategories >= categories)
            throw new InvalidSettingException("held_out_test_categories", config.HeldOutTestCategories,
                $"must be less than the {categories} categories used: at least one category must contribute training images");

        // Held-out test categories are drawn only when asked for, so a design without them takes the same draws as before.
        int[] heldOut = [];
        if (config.HeldOutTestCategories > 0)
        {
            int[] order = Enumerable.Range(0, categories).ToArray();
            random.Shuffle(order);
            heldOut = [.. order.Take(config.HeldOutTestCategories).Order()];
        }
        int[] trainCategories = Enumerable.Range(0, categories).Except(heldOut).ToArray();
        int[] testCategories = heldOut.Length > 0 ? heldOut : Enumerable.Range(0, categories).ToArray();
        var trainCount = Counts(trainCategories, config.TrainImages, config.TrainImagesPerCategory ?? VisualCortexConfig.DefaultTrainImagesPerCategory, "train_images", categories);
        var testCount = Counts(testCategories, config.TestImages, config.TestImagesPerCategory ?? VisualCortexConfig.DefaultTestImagesPerCategory, "test_images", categories);

        var train = new List<int>();
        var test = new List<int>();
        for (int k = 0; k < categories; k++)
        {
            int trainHere = trainCount.GetValueOrDefault(k), testHere = testCount.GetValueOrDefault(k);
            var members = Enumerable.Range(0, pool.Count).Where(i => pool.CategoryLabels[i] == k).ToArray();
            if (members.Length < trainHere + testHere)
            {
                string name = k < pool.CategoryNames.Count ? pool.CategoryNames[k] : k.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // Name the setting that asked for more than the category holds: the test count when the test images
                // alone do not fit or when only the test count was given, else the training count (each as given: in
                // all, or per category).
                bool trainGiven = config.TrainImages is not null || config.TrainImagesPerCategory is not null;
                bool testGiven = config.TestImages is not null || config.TestImagesPerCategory is not null;
                bool testFits = members.Length >= testHere && (trainGiven || !testGiven);
                string setting = testFits
                    ? (config.TrainImages is not null ? "train_images" : "train_images_per_category")
                    : (config.TestImages is not null ? "test_images" : "test_images_per_category");
                object value = testFits
                    ? (object?)config.TrainImages ?? config.TrainImagesPerCategory ?? VisualCortexConfig.DefaultTrainImagesPerCategory
                    : (object?)config.TestImages ?? config.TestImagesPerCategory ?? VisualCortexConfig.DefaultTestImagesPerCategory;
                throw new InvalidSettingException(setting, value,
                    $"category '{name}' of the stimulus pool has {members.Length} images and the design needs {trainHere + testHere} of it ({trainHere} train + {testHere} test)");
            }
            random.Shuffle(members);
            test.AddRange(members.Take(testHere).Order());
            train.AddRange(members.Skip(testHere).Take(trainHere).Order());
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
            Categories = Enumerable.Range(0, categories).ToArray(),
            HeldOutTestCategories = heldOut,
        };
    }

    /// <summary>
    /// Images per category of <paramref name="categories"/>: <paramref name="total"/> spread evenly when given, else
    /// <paramref name="perCategory"/> each.
    /// </summary>
    private static Dictionary<int, int> Counts(int[] categories, int? total, int perCategory, string setting, int categoriesUsed)
    {
        if (total is not int t) return categories.ToDictionary(k => k, _ => perCategory);
        if (t < categories.Length)
            throw new InvalidSettingException(setting, t,
                $"must be at least the number of its categories ({categories.Length} of the {categoriesUsed} used): each gets at least one image");
        var counts = SpreadEvenly(t, categories.Length);
        return categories.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => counts[x.i]);
    }

    /// <summary>
    /// The unlabelled pretraining pool's design: <paramref name="count"/> images of <paramref name="source"/> from
    /// <paramref name="categories"/> (spread as evenly as possible over them, random within each), each shown once,
    /// all training samples, in a random order cut into runs of at most <paramref name="runLength"/> samples numbered
    /// from <paramref name="firstRun"/>.
    /// </summary>
    /// <exception cref="InvalidSettingException">The categories hold fewer images than asked for.</exception>
    public static ExperimentDesign CreatePretrainingPool(StimulusImageSet source, int[] categories, int count, int runLength, int firstRun, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runLength, 1);
        var members = categories.Select(k => Enumerable.Range(0, source.Count).Where(i => source.CategoryLabels[i] == k).ToArray()).ToArray();
        int available = members.Sum(m => m.Length);
        if (count > available)
            throw new InvalidSettingException("pretraining_pool_size", count, $"the pretraining images hold only {available} images of the {categories.Length} training categories");
        // Even spread, then any category short of images hands its share to the others in turn.
        var want = SpreadEvenly(count, categories.Length);
        var take = want.Select((w, i) => Math.Min(w, members[i].Length)).ToArray();
        for (int missing = count - take.Sum(), i = 0; missing > 0; i = (i + 1) % categories.Length)
        {
            if (take[i] < members[i].Length) { take[i]++; missing--; }
        }
        var chosen = new List<int>(count);
        for (int i = 0; i < categories.Length; i++)
        {
            random.Shuffle(members[i]);
            chosen.AddRange(members[i].Take(take[i]).Order());
        }
        int[] order = Enumerable.Range(0, chosen.Count).ToArray();
        random.Shuffle(order);
        int runs = (count + runLength - 1) / runLength;
        var sampleRun = new int[count];
        var sampleTime = new double[count];
        int start = 0;
        for (int r = 0; r < runs; r++)
        {
            int length = count / runs + (r < count % runs ? 1 : 0);
            for (int t = 0; t < length; t++)
            {
                sampleRun[start + t] = firstRun + r;
                sampleTime[start + t] = length > 1 ? (double)t / (length - 1) - 0.5 : 0;
            }
            start += length;
        }
        return new ExperimentDesign
        {
            PoolIndices = [.. chosen],
            TrainStimulusCount = chosen.Count,
            SampleStimulus = order,
            SampleRun = sampleRun,
            SampleSplit = Enumerable.Repeat(DataSplit.Train, count).ToArray(),
            SampleTimeInRun = sampleTime,
            RunNumbers = Enumerable.Range(firstRun, runs).ToArray(),
            Categories = categories,
        };
    }
}
