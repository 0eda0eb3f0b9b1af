namespace Decoding.Metrics;

/// <summary>
/// n-way top-1 classification accuracy, MinD-Vis's semantic metric (Chen et al. 2023; <c>n_way_top_k_acc</c> in
/// its eval_metrics.py). A classifier scores the original stimulus and each decoded sample. The "true" class
/// is the classifier's top-1 class on the original stimulus. Each trial draws n - 1 other classes uniformly
/// without replacement from the remaining C - 1; the trial is won when, among those n classes, the true
/// class has the highest probability on the decoded image. MinD-Vis uses n = 50 and 1000 trials per image.
/// Chance is 1 / n.
///
/// Choices made here, stated plainly:
/// - Ties lose: the true class must be strictly above each drawn class. MinD-Vis differs here: its torchmetrics
///   call with top_k = 1 takes argmax, the first maximal index, and puts the true class first, so a tie wins.
///   The two agree unless probabilities are exactly equal (e.g. float32 softmax values that underflow to 0);
///   the strict rule keeps a degenerate constant classifier at or below chance.
/// - In one trial the same n - 1 classes are used for all K samples of the item, so the per-sample accuracies
///   and the best-of-samples count come from identical draws. Each sample's expected accuracy is the same
///   as with independent draws.
/// - Ties at the top of the stimulus's probabilities: the true class is the first maximal index (as argmax).
/// </summary>
public static class NWayTopOneAccuracy
{
    /// <summary>Trials per test image in MinD-Vis's evaluation (gen_eval.py: <c>num_trials=1000</c>).</summary>
    public const int DefaultTrialsPerItem = 1000;

    /// <summary>n used by MinD-Vis (50-way).</summary>
    public const int MinDVisN = 50;

    /// <param name="stimulusProbabilities">Per item: the classifier's class probabilities on the original stimulus (length C).</param>
    /// <param name="sampleProbabilities">Per item, per decoded sample k: the class probabilities on that sample
    /// (indexed [item][k]; every item has the same K &gt;= 1; each vector has length C).</param>
    /// <param name="n">Classes per trial, 2 &lt;= n &lt;= C.</param>
    /// <param name="random">Draws the other classes; pass a seeded generator.</param>
    /// <param name="trialsPerItem">Trials per item.</param>
    /// <exception cref="ArgumentException">Counts or lengths disagree, n is out of range, or a probability is not finite.</exception>
    public static NWayTopOneResult Compute(
        IReadOnlyList<float[]> stimulusProbabilities,
        IReadOnlyList<IReadOnlyList<float[]>> sampleProbabilities,
        int n,
        Random random,
        int trialsPerItem = DefaultTrialsPerItem)
    {
        ArgumentNullException.ThrowIfNull(random);
        EvaluationChecks.SameNonZeroCount(stimulusProbabilities, sampleProbabilities, nameof(stimulusProbabilities), nameof(sampleProbabilities));
        int classCount = CheckedClassCount(stimulusProbabilities, sampleProbabilities, out int samplesPerItem);
        if (n < 2 || n > classCount)
            throw new ArgumentException($"n = {n}; n-way accuracy needs 2 <= n <= number of classes ({classCount})", nameof(n));
        if (trialsPerItem < 1)
            throw new ArgumentException($"trialsPerItem must be at least 1, got {trialsPerItem}", nameof(trialsPerItem));

        int itemCount = stimulusProbabilities.Count;
        var items = new NWayItemResult[itemCount];
        var otherClasses = new int[classCount - 1];
        var wins = new int[samplesPerItem];
        for (int item = 0; item < itemCount; item++)
        {
            int trueClass = ArgMax(stimulusProbabilities[item]);
            // The pool of other classes, in ascending order: the draw below is a partial Fisher-Yates shuffle of it.
            for (int c = 0, p = 0; c < classCount; c++)
                if (c != trueClass) otherClasses[p++] = c;
            Array.Clear(wins);
            int bestOfWins = 0;
            var samples = sampleProbabilities[item];
            for (int trial = 0; trial < trialsPerItem; trial++)
            {
                DrawWithoutReplacement(otherClasses, n - 1, random);
                bool anyWon = false;
                for (int k = 0; k < samplesPerItem; k++)
                {
                    if (TrueClassWins(samples[k], trueClass, otherClasses, n - 1))
                    {
                        wins[k]++;
                        anyWon = true;
                    }
                }
                if (anyWon) bestOfWins++;
            }
            var sampleAccuracies = wins.Select(w => (double)w / trialsPerItem).ToArray();
            items[item] = new NWayItemResult(item, trueClass, sampleAccuracies, sampleAccuracies.Average(), (double)bestOfWins / trialsPerItem);
        }

        var sampleSetAccuracies = Enumerable.Range(0, samplesPerItem)
            .Select(k => items.Average(r => r.SampleAccuracies[k]))
            .ToArray();
        return new NWayTopOneResult(
            N: n,
            TrialsPerItem: trialsPerItem,
            SamplesPerItem: samplesPerItem,
            Chance: 1.0 / n,
            MeanOverSamples: items.Average(r => r.MeanOverSamples),
            MaxOverSampleSets: sampleSetAccuracies.Max(),
            BestOfSamples: items.Average(r => r.BestOfSamples),
            SampleSetAccuracies: sampleSetAccuracies,
            Items: items);
    }

    /// <summary>
    /// Scores stimuli and decoded samples with <paramref name="classifier"/>, then computes the accuracy as above.
    /// </summary>
    /// <param name="classifier">The scoring network.</param>
    /// <param name="stimuli">Original test stimuli.</param>
    /// <param name="decodedSamples">Per item, its K decoded samples (indexed [item][k]).</param>
    /// <param name="n">Classes per trial, 2 &lt;= n &lt;= classifier.ClassCount.</param>
    /// <param name="random">Draws the other classes; pass a seeded generator.</param>
    /// <param name="trialsPerItem">Trials per item.</param>
    public static NWayTopOneResult Compute(
        IImageClassifier classifier,
        IReadOnlyList<ImageTensor> stimuli,
        IReadOnlyList<IReadOnlyList<ImageTensor>> decodedSamples,
        int n,
        Random random,
        int trialsPerItem = DefaultTrialsPerItem)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        EvaluationChecks.SameNonZeroCount(stimuli, decodedSamples, nameof(stimuli), nameof(decodedSamples));
        var stimulusProbabilities = classifier.Classify(stimuli).Probabilities;
        // Classify all samples in one pass, then regroup per item: (items * K) -> [item][k].
        var flat = new List<ImageTensor>();
        var counts = new int[decodedSamples.Count];
        for (int item = 0; item < decodedSamples.Count; item++)
        {
            var samples = decodedSamples[item] ?? throw new ArgumentException($"decodedSamples[{item}] is null", nameof(decodedSamples));
            counts[item] = samples.Count;
            flat.AddRange(samples);
        }
        var flatProbabilities = classifier.Classify(flat).Probabilities;
        var sampleProbabilities = new List<IReadOnlyList<float[]>>(decodedSamples.Count);
        for (int item = 0, offset = 0; item < counts.Length; offset += counts[item], item++)
            sampleProbabilities.Add(Enumerable.Range(offset, counts[item]).Select(i => flatProbabilities[i]).ToArray());
        return Compute(stimulusProbabilities, sampleProbabilities, n, random, trialsPerItem);
    }

    /// <summary>Puts a uniform random choice of <paramref name="count"/> distinct elements of the pool in its first
    /// <paramref name="count"/> positions (partial Fisher-Yates; the rest of the pool stays a permutation).</summary>
    private static void DrawWithoutReplacement(int[] pool, int count, Random random)
    {
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, pool.Length);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
    }

    private static bool TrueClassWins(float[] probabilities, int trueClass, int[] drawn, int drawnCount)
    {
        float own = probabilities[trueClass];
        for (int i = 0; i < drawnCount; i++)
        {
            if (!(own > probabilities[drawn[i]])) return false;
        }
        return true;
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    private static int CheckedClassCount(IReadOnlyList<float[]> stimulus, IReadOnlyList<IReadOnlyList<float[]>> samples, out int samplesPerItem)
    {
        int classCount = stimulus[0]?.Length ?? throw new ArgumentException("stimulusProbabilities[0] is null");
        if (classCount < 2) throw new ArgumentException($"stimulusProbabilities[0] has {classCount} classes; n-way accuracy needs at least 2");
        samplesPerItem = samples[0]?.Count ?? throw new ArgumentException("sampleProbabilities[0] is null");
        if (samplesPerItem < 1) throw new ArgumentException("sampleProbabilities[0] has no samples; each item needs at least one decoded sample");
        for (int item = 0; item < stimulus.Count; item++)
        {
            CheckVector(stimulus[item], classCount, $"stimulusProbabilities[{item}]");
            var itemSamples = samples[item] ?? throw new ArgumentException($"sampleProbabilities[{item}] is null");
            if (itemSamples.Count != samplesPerItem)
                throw new ArgumentException($"sampleProbabilities[{item}] has {itemSamples.Count} samples, item 0 has {samplesPerItem}; every item needs the same K");
            for (int k = 0; k < samplesPerItem; k++)
                CheckVector(itemSamples[k], classCount, $"sampleProbabilities[{item}][{k}]");
        }
        return classCount;
    }

    private static void CheckVector(float[]? v, int classCount, string name)
    {
        if (v is null) throw new ArgumentException($"{name} is null");
        if (v.Length != classCount) throw new ArgumentException($"{name} has {v.Length} classes, stimulusProbabilities[0] has {classCount}");
        for (int c = 0; c < v.Length; c++)
            if (!float.IsFinite(v[c])) throw new ArgumentException($"{name}[{c}] = {v[c]} is not finite");
    }

    /// <summary>
    /// The expected accuracy of one decoded sample against one true class over all draws of the n − 1 other classes
    /// (the limit of the trials above): with m the number of other classes whose probability is at least the true
    /// class's (ties lose), the trial is won when all n − 1 drawn classes come from the C − 1 − m below it:
    /// <code>  accuracy = C(C − 1 − m, n − 1) / C(C − 1, n − 1)  </code>
    /// </summary>
    public static double ExactAccuracy(float[] sampleProbabilities, int trueClass, int n)
    {
        ArgumentNullException.ThrowIfNull(sampleProbabilities);
        int classCount = sampleProbabilities.Length;
        if (n < 2 || n > classCount) throw new ArgumentException($"n = {n}; n-way accuracy needs 2 <= n <= number of classes ({classCount})", nameof(n));
        if (trueClass < 0 || trueClass >= classCount) throw new ArgumentException($"true class {trueClass} is outside 0..{classCount - 1}", nameof(trueClass));
        float own = sampleProbabilities[trueClass];
        int atLeast = 0;
        for (int c = 0; c < classCount; c++)
            if (c != trueClass && sampleProbabilities[c] >= own) atLeast++;
        int below = classCount - 1 - atLeast;
        if (below < n - 1) return 0;
        // C(below, n − 1) / C(C − 1, n − 1) as a product of ratios (no large binomials).
        double ratio = 1;
        for (int k = 0; k < n - 1; k++) ratio *= (below - k) / (double)(classCount - 1 - k);
        return ratio;
    }

    /// <summary>The class a stimulus is scored against: the first maximal index of the classifier's probabilities on it.</summary>
    public static int TrueClass(float[] stimulusProbabilities) => ArgMax(stimulusProbabilities);
}
