using System.Globalization;
using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// Simulates an fMRI object-decoding experiment shaped like Generic Object Decoding on a pool of labelled images:
/// picks training and test images (<see cref="ExperimentDesign"/>), draws a voxel population over V1-V4 and LOC
/// (<see cref="VoxelPopulation"/>), computes noise-free responses (<see cref="VoxelResponseModel"/>), and adds per-run
/// baseline offsets, linear drifts and Gaussian noise at the configured signal-to-noise ratio on a raw scanner
/// baseline.
/// <para>
/// Randomness: a run generator seeded with <see cref="VisualCortexConfig.Seed"/> gives, in order, the seeds of the
/// design, the first subject's layout, tuning and noise, the pretraining pool's image choice, the first subject's
/// pretraining-pool noise and (unused for the first subject) its anatomy. Subject k &gt; 1 has its own seed
/// (<see cref="SubjectSeed"/>) whose generator gives the same sequence of seeds; it takes the design and the
/// pretraining pool's images from the run generator, so every subject sees the same images in the same order.
/// The same seed gives the same numbers.
/// </para>
/// </summary>
public sealed class VisualCortexSimulator
{
    /// <summary>Subject k &gt; 1 scales each area's voxel count by a factor drawn uniformly from [MinVoxelScale, MaxVoxelScale).</summary>
    public const double MinVoxelScale = 0.8;

    /// <summary>See <see cref="MinVoxelScale"/>.</summary>
    public const double MaxVoxelScale = 1.2;

    /// <exception cref="ArgumentException">The configuration has a bad value (the message names the field).</exception>
    public VisualCortexSimulator(VisualCortexConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
    }

    public VisualCortexConfig Config { get; }

    /// <summary>Simulates the first subject on images drawn from <paramref name="pool"/> (which needs category labels).</summary>
    /// <param name="progress">Receives the completed fraction, 0 to 1.</param>
    public SimulatedSession Simulate(StimulusImageSet pool, IProgress<double>? progress = null)
        => Simulate(pool, pretrainingImages: null, progress);

    /// <summary>
    /// Simulates the first subject; with <see cref="VisualCortexConfig.PretrainingPoolSize"/> &gt; 0 also its responses
    /// to that many images of <paramref name="pretrainingImages"/> (which must hold no image of <paramref name="pool"/>).
    /// </summary>
    public SimulatedSession Simulate(StimulusImageSet pool, StimulusImageSet? pretrainingImages, IProgress<double>? progress = null)
        => Run(pool, pretrainingImages, 1, progress)[0];

    /// <summary>
    /// Simulates all <see cref="VisualCortexConfig.Subjects"/> subjects (<see cref="SubjectConfig"/>): the same
    /// stimuli and design for each, and each subject's pretraining pool when one is configured.
    /// </summary>
    public IReadOnlyList<SimulatedSession> SimulateSubjects(StimulusImageSet pool, StimulusImageSet? pretrainingImages = null, IProgress<double>? progress = null)
        => Run(pool, pretrainingImages, Config.Subjects, progress);

    /// <summary>
    /// The seed of subject <paramref name="subject"/> (1-based): the run seed for the first subject, so a
    /// one-subject run and the first of several subjects are the same subject; a SplitMix64 mix of the run seed
    /// and the index for the others.
    /// </summary>
    public static int SubjectSeed(int runSeed, int subject)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subject, 1);
        if (subject == 1) return runSeed;
        ulong z = unchecked((ulong)(uint)runSeed * 0x9E3779B97F4A7C15UL + (ulong)subject * 0xD1B54A32D192ED03UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }

    /// <summary>
    /// The configuration of subject <paramref name="subject"/> (1-based). The first subject is <see cref="Config"/>
    /// itself (named sim-01 when there are several, whatever <see cref="VisualCortexConfig.Subject"/> says). Subject k &gt; 1 is named sim-0k, has seed
    /// <see cref="SubjectSeed"/>, and each area's voxel count (retinotopic areas, then LOC) scaled by a factor
    /// in [<see cref="MinVoxelScale"/>, <see cref="MaxVoxelScale"/>) drawn from its anatomy generator (at least 2 voxels).
    /// </summary>
    public VisualCortexConfig SubjectConfig(int subject)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subject, 1);
        if (subject == 1) return Config.Subjects == 1 ? Config : Config with { Subject = VisualCortexConfig.SubjectName(1) };
        int seed = SubjectSeed(Config.Seed, subject);
        var anatomy = new Random(Streams.Of(seed).Anatomy);
        int Scaled(int count) => Math.Max(2, (int)Math.Round(count * anatomy.NextUniform(MinVoxelScale, MaxVoxelScale)));
        var areas = Config.RetinotopicAreas.Select(a => a with { VoxelCount = Scaled(a.VoxelCount) }).ToArray();
        int loc = Config.LocVoxelCount == 0 ? 0 : Scaled(Config.LocVoxelCount);
        var config = Config with { Seed = seed, Subject = VisualCortexConfig.SubjectName(subject), RetinotopicAreas = areas, LocVoxelCount = loc };
        config.Validate();
        return config;
    }

    /// <summary>The seeds one generator gives, in the order they are drawn (see the class summary).</summary>
    private sealed record Streams(int Design, int Layout, int Tuning, int Noise, int PretrainingImages, int PretrainingNoise, int Anatomy)
    {
        public static Streams Of(int seed)
        {
            var seeds = new Random(seed);
            return new Streams(seeds.Next(), seeds.Next(), seeds.Next(), seeds.Next(), seeds.Next(), seeds.Next(), seeds.Next());
        }
    }

    /// <summary>The images the experiment shows and, when configured, the pretraining pool's, shared by every subject.</summary>
    private sealed record SharedStimuli(
        ExperimentDesign Design, StimulusImageSet Stimuli, float[] ModelImages,
        ExperimentDesign? PoolDesign, StimulusImageSet? PoolStimuli, float[]? PoolModelImages);

    private IReadOnlyList<SimulatedSession> Run(StimulusImageSet pool, StimulusImageSet? pretrainingImages, int subjects, IProgress<double>? progress)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var run = Streams.Of(Config.Seed);
        var design = ExperimentDesign.Create(pool, Config, new Random(run.Design));
        if (design.TrainStimulusCount < Config.TrainRuns)
            throw new InvalidSettingException("train_runs", Config.TrainRuns, $"more runs than training images ({design.TrainStimulusCount})");
        var stimuli = pool.Subset(design.PoolIndices);
        int categoryCount = Math.Max(pool.CategoryNames.Count, pool.CategoryLabels.DefaultIfEmpty(-1).Max() + 1);
        var bank = new GaborEnergyBank(Config.ModelResolution, Config.CyclesPerField, Config.Orientations);

        ExperimentDesign? poolDesign = null;
        StimulusImageSet? poolStimuli = null;
        if (Config.PretrainingPoolSize > 0)
        {
            if (pretrainingImages is null)
                throw new ArgumentException($"pretrainingImages: the configuration asks for a pretraining pool of {Config.PretrainingPoolSize} images; pass the images to draw it from", nameof(pretrainingImages));
            RequireOutsideExperimentPool(pretrainingImages, pool);
            // Pool runs are as long as the longest training run and numbered after the experiment's runs.
            int runLength = (design.TrainStimulusCount + Config.TrainRuns - 1) / Config.TrainRuns;
            poolDesign = ExperimentDesign.CreatePretrainingPool(pretrainingImages, design.TrainCategories, Config.PretrainingPoolSize,
                runLength, design.RunNumbers.Max() + 1, new Random(run.PretrainingImages));
            poolStimuli = pretrainingImages.Subset(poolDesign.PoolIndices);
            // The pool is drawn from outside the experiment pool, so it never holds an image the experiment shows.
            var shown = stimuli.StimulusIds.ToHashSet();
            var repeated = poolStimuli.StimulusIds.Where(shown.Contains).Take(4).ToArray();
            if (repeated.Length > 0)
                throw new InvalidOperationException($"pretraining pool images {string.Join(", ", repeated)} are among the experiment's stimuli");
        }
        var shared = new SharedStimuli(design, stimuli, ModelImages(stimuli), poolDesign, poolStimuli, poolStimuli is null ? null : ModelImages(poolStimuli));

        var sessions = new List<SimulatedSession>(subjects);
        for (int k = 1; k <= subjects; k++)
        {
            var subjectProgress = progress is null ? null : new ScaledProgress(progress, (k - 1) / (double)subjects, k / (double)subjects);
            var config = SubjectConfig(k);
            var streams = k == 1 ? run : Streams.Of(config.Seed);
            sessions.Add(SimulateSubject(config, k, streams, shared, bank, categoryCount, subjectProgress));
        }
        progress?.Report(1.0);
        return sessions;
    }

    /// <summary>Throws when an image of <paramref name="pretrainingImages"/> is in the experiment pool (same stimulus id).</summary>
    private static void RequireOutsideExperimentPool(StimulusImageSet pretrainingImages, StimulusImageSet pool)
    {
        var inPool = pretrainingImages.StimulusIds.Where(id => pool.Find(id) >= 0).Take(4).ToArray();
        if (inPool.Length > 0)
            throw new ArgumentException($"pretrainingImages: the pretraining images must lie outside the experiment pool, but {string.Join(", ", inPool)} are in it", nameof(pretrainingImages));
    }

    private SimulatedSession SimulateSubject(VisualCortexConfig config, int subject, Streams streams, SharedStimuli shared, GaborEnergyBank bank,
        int categoryCount, IProgress<double>? progress)
    {
        var (design, stimuli) = (shared.Design, shared.Stimuli);
        var layoutRandom = new Random(streams.Layout);
        var tuningRandom = new Random(streams.Tuning);
        var noiseRandom = new Random(streams.Noise);
        var population = VoxelPopulation.Draw(config, bank, categoryCount, layoutRandom, tuningRandom);

        // Progress: the experiment, then the pretraining pool, each in proportion to its images.
        double experimentShare = shared.PoolStimuli is null ? 1.0 : stimuli.Count / (double)(stimuli.Count + shared.PoolStimuli.Count);
        const double responseShare = 0.85;
        var responseProgress = progress is null ? null : new ScaledProgress(progress, 0, responseShare * experimentShare);
        var (responses, normalisation) = VoxelResponseModel.NoiseFreeResponses(shared.ModelImages, stimuli.CategoryLabels, population, bank, config,
            normalisation: null, responseProgress);

        var (offsets, drifts) = DrawRunEffects(config, design.RunNumbers.Length, population.VoxelCount, noiseRandom);
        var voxels = Observe(design, population, responses, offsets, drifts, noiseRandom,
            progress is null ? null : new ScaledProgress(progress, responseShare * experimentShare, experimentShare));

        var heldOut = design.HeldOutTestCategories.Select(k => CategoryName(stimuli, k)).ToArray();
        var truth = new SimulationTruth
        {
            Config = config,
            Voxels = population,
            ChannelOrientationsDegrees = bank.OrientationsDegrees,
            ChannelPeriodsPixels = bank.PeriodsPixels,
            StimulusIds = stimuli.StimulusIds,
            NoiseFreeResponses = responses,
            RunNumbers = design.RunNumbers,
            RunOffsets = offsets,
            RunDrifts = drifts,
            RunSeed = Config.Seed,
            SubjectIndex = subject,
            HeldOutTestCategories = heldOut,
        };
        var step = ProcessingStep.Of("simulate_visual_cortex",
            ("seed", config.Seed),
            ("signal_to_noise", config.SignalToNoise),
            ("train_images", design.TrainStimulusCount),
            ("test_images", design.StimulusCount - design.TrainStimulusCount),
            ("test_repeats", config.TestRepeats),
            ("voxels", population.VoxelCount),
            ("model", "pRF CSS on Gabor energy (V1-V4) + category/shape (LOC)"),
            ("categories", design.Categories.Length),
            ("held_out_test_categories", string.Join(", ", heldOut)),
            ("image_size", string.Create(CultureInfo.InvariantCulture, $"{stimuli.Height}x{stimuli.Width}")),
            ("subject_index", subject),
            ("run_seed", Config.Seed));
        var dataset = BuildDataset(config, design, stimuli, population, voxels, Origin(subject, pretrainingPool: false), step);

        SimulatedPretrainingPool? pretrainingPool = null;
        if (shared.PoolDesign is { } poolDesign && shared.PoolStimuli is { } poolStimuli && shared.PoolModelImages is { } poolImages)
        {
            var poolRandom = new Random(streams.PretrainingNoise);
            double poolStart = experimentShare, poolMiddle = experimentShare + responseShare * (1 - experimentShare);
            var poolResponses = VoxelResponseModel.NoiseFreeResponses(poolImages, poolStimuli.CategoryLabels, population, bank, config, normalisation,
                progress is null ? null : new ScaledProgress(progress, poolStart, poolMiddle)).Responses;
            var (poolOffsets, poolDrifts) = DrawRunEffects(config, poolDesign.RunNumbers.Length, population.VoxelCount, poolRandom);
            var poolVoxels = Observe(poolDesign, population, poolResponses, poolOffsets, poolDrifts, poolRandom,
                progress is null ? null : new ScaledProgress(progress, poolMiddle, 1.0));
            var poolStep = ProcessingStep.Of("simulate_pretraining_pool",
                ("seed", config.Seed),
                ("images", poolDesign.TrainStimulusCount),
                ("runs", poolDesign.RunNumbers.Length),
                ("voxels", population.VoxelCount),
                ("split", "all training (unlabelled pretraining data, no test samples)"),
                ("subject_index", subject),
                ("run_seed", Config.Seed));
            pretrainingPool = new SimulatedPretrainingPool(
                BuildDataset(config, poolDesign, poolStimuli, population, poolVoxels, Origin(subject, pretrainingPool: true), poolStep),
                poolStimuli, poolResponses);
        }
        progress?.Report(1.0);
        return new SimulatedSession(dataset, stimuli, truth) { Design = design, PretrainingPool = pretrainingPool };
    }

    /// <summary>The data set's source: <c>simulated:seed=S</c> for the first subject's experiment (as a one-subject run), with the subject and part appended otherwise.</summary>
    private string Origin(int subject, bool pretrainingPool)
    {
        var origin = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"simulated:seed={Config.Seed}"));
        if (subject > 1) origin.Append(CultureInfo.InvariantCulture, $":subject={subject}");
        if (pretrainingPool) origin.Append(":pretraining-pool");
        return origin.ToString();
    }

    private static string CategoryName(StimulusImageSet stimuli, int label)
        => label < stimuli.CategoryNames.Count ? stimuli.CategoryNames[label] : label.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Greyscale images at the model resolution, values in [0, 1], (StimulusCount, R, R): the image covers the field of
    /// view, so square images of another size are resampled to R x R; other shapes are fitted and centred (<see cref="StimulusImageSet.FitTo"/>).
    /// </summary>
    private float[] ModelImages(StimulusImageSet stimuli)
    {
        int r = Config.ModelResolution;
        var grey = stimuli.ToGreyscale();
        var fitted = grey.Height == grey.Width ? grey.ResizeTo(r, r) : grey.FitTo(r, r);
        var images = new float[fitted.Pixels.Length];
        for (int i = 0; i < images.Length; i++) images[i] = fitted.Pixels[i] / 255f;
        return images;
    }

    /// <summary>Per-run, per-voxel baseline offsets and drifts, (RunCount, VoxelCount) each, percent signal change.</summary>
    private static (float[] Offsets, float[] Drifts) DrawRunEffects(VisualCortexConfig config, int runs, int voxels, Random random)
    {
        var offsets = new float[runs * voxels];
        var drifts = new float[runs * voxels];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = (float)(config.RunOffsetSdPercent * random.NextGaussian());
        for (int i = 0; i < drifts.Length; i++) drifts[i] = (float)(config.RunDriftSdPercent * random.NextGaussian());
        return (offsets, drifts);
    }

    /// <summary>
    /// Raw samples (SampleCount, VoxelCount): baseline * (1 + (offset + drift * tau + response + noise) / 100).
    /// Each sample's noise comes from its own generator, seeded from <paramref name="random"/> in sample order, so
    /// samples can be computed in parallel with the same result.
    /// </summary>
    private static float[] Observe(ExperimentDesign design, VoxelPopulation population, float[] responses, float[] offsets, float[] drifts,
        Random random, IProgress<double>? progress)
    {
        int voxels = population.VoxelCount, samples = design.SampleCount;
        var noiseSd = population.NoiseSd;
        var runRow = design.RunNumbers.Select((run, row) => (run, row)).ToDictionary(x => x.run, x => x.row);
        var sampleSeeds = Enumerable.Range(0, samples).Select(_ => random.Next()).ToArray();
        var result = new float[(long)samples * voxels];
        var reporter = new OrderedProgress(progress, samples);
        Parallel.For(0, samples, () => new double[voxels], (t, _, noise) =>
        {
            new Random(sampleSeeds[t]).FillGaussian(noise);
            int run = runRow[design.SampleRun[t]];
            double tau = design.SampleTimeInRun[t];
            var response = responses.AsSpan(design.SampleStimulus[t] * voxels, voxels);
            var row = result.AsSpan((int)((long)t * voxels), voxels);
            for (int v = 0; v < voxels; v++)
            {
                double percent = offsets[run * voxels + v] + drifts[run * voxels + v] * tau + response[v] + noiseSd[v] * noise[v];
                row[v] = (float)(population.Baseline[v] * (1 + percent / 100));
            }
            reporter.Completed();
            return noise;
        }, _ => { });
        return result;
    }

    private static FmriDataset BuildDataset(VisualCortexConfig config, ExperimentDesign design, StimulusImageSet stimuli, VoxelPopulation population,
        float[] voxels, string origin, ProcessingStep step)
    {
        var rois = population.AreaVoxels();
        // Unions as in Generic Object Decoding: LVC = V1-V3, HVC = higher areas (here LOC), VC = all visual cortex.
        var lower = population.AreaNames.Where(n => n is "V1" or "V2" or "V3").SelectMany(n => rois[n]).Order().ToArray();
        if (lower.Length > 0) rois["LVC"] = lower;
        if (rois.TryGetValue("LOC", out var loc)) rois["HVC"] = loc;
        rois["VC"] = Enumerable.Range(0, population.VoxelCount).ToArray();
        var dataset = new FmriDataset
        {
            Voxels = voxels,
            SampleCount = design.SampleCount,
            VoxelCount = population.VoxelCount,
            StimulusIds = design.SampleStimulus.Select(s => stimuli.StimulusIds[s]).ToArray(),
            CategoryLabels = design.SampleStimulus.Select(s => stimuli.CategoryLabels[s]).ToArray(),
            Runs = design.SampleRun,
            Splits = design.SampleSplit,
            RepeatCounts = Enumerable.Repeat(1, design.SampleCount).ToArray(),
            Rois = rois,
            VoxelCoordinates = population.Coordinates,
            CategoryNames = stimuli.CategoryNames,
            Subject = config.Subject,
            Provenance = new DatasetProvenance
            {
                SourceFile = origin,
                SourceLayout = "simulation",
            }.WithStep(step),
        };
        dataset.Validate("simulation");
        return dataset;
    }

    /// <summary>Maps a stage's 0-1 progress onto [from, to] of the overall progress.</summary>
    private sealed class ScaledProgress(IProgress<double> inner, double from, double to) : IProgress<double>
    {
        public void Report(double value) => inner.Report(from + (to - from) * value);
    }
}
