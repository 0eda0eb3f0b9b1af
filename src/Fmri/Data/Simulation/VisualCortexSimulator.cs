using System.Globalization;
using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// Simulates an fMRI object-decoding experiment shaped like Generic Object Decoding on a pool of labelled images:
/// picks training and test images (<see cref="ExperimentDesign"/>), draws a voxel population over V1-V4 and LOC
/// (<see cref="VoxelPopulation"/>), computes noise-free responses (<see cref="VoxelResponseModel"/>), and adds per-run
/// baseline offsets, linear drifts and Gaussian noise at the configured signal-to-noise ratio on a raw scanner
/// baseline. The only randomness is one <see cref="Random"/> seeded with <see cref="VisualCortexConfig.Seed"/>, from which
/// one generator per stage is drawn, so the same seed gives the same numbers.
/// </summary>
public sealed class VisualCortexSimulator
{
    /// <exception cref="ArgumentException">The configuration has a bad value (the message names the field).</exception>
    public VisualCortexSimulator(VisualCortexConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
    }

    public VisualCortexConfig Config { get; }

    /// <summary>Simulates one session on images drawn from <paramref name="pool"/> (which needs category labels).</summary>
    /// <param name="progress">Receives the completed fraction, 0 to 1.</param>
    public SimulatedSession Simulate(StimulusImageSet pool, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var seeds = new Random(Config.Seed);
        var designRandom = new Random(seeds.Next());
        var layoutRandom = new Random(seeds.Next());
        var tuningRandom = new Random(seeds.Next());
        var noiseRandom = new Random(seeds.Next());

        var design = ExperimentDesign.Create(pool, Config, designRandom);
        if (design.TrainStimulusCount < Config.TrainRuns)
            throw new ArgumentException($"VisualCortexConfig.TrainRuns = {Config.TrainRuns}: more runs than training images ({design.TrainStimulusCount})", nameof(pool));
        var stimuli = pool.Subset(design.PoolIndices);
        int categoryCount = Math.Max(pool.CategoryNames.Count, pool.CategoryLabels.DefaultIfEmpty(-1).Max() + 1);
        var bank = new GaborEnergyBank(Config.ModelResolution, Config.CyclesPerField, Config.Orientations);
        var population = VoxelPopulation.Draw(Config, bank, categoryCount, layoutRandom, tuningRandom);

        const double responseShare = 0.85;
        var responseProgress = progress is null ? null : new ScaledProgress(progress, 0, responseShare);
        var responses = VoxelResponseModel.NoiseFreeResponses(ModelImages(stimuli), stimuli.CategoryLabels, population, bank, Config, responseProgress);

        var (offsets, drifts) = DrawRunEffects(design.RunNumbers.Length, population.VoxelCount, noiseRandom);
        var voxels = Observe(design, population, responses, offsets, drifts, noiseRandom, progress, responseShare);
        progress?.Report(1.0);

        var truth = new SimulationTruth
        {
            Config = Config,
            Voxels = population,
            ChannelOrientationsDegrees = bank.OrientationsDegrees,
            ChannelPeriodsPixels = bank.PeriodsPixels,
            StimulusIds = stimuli.StimulusIds,
            NoiseFreeResponses = responses,
            RunNumbers = design.RunNumbers,
            RunOffsets = offsets,
            RunDrifts = drifts,
        };
        return new SimulatedSession(BuildDataset(design, stimuli, population, voxels), stimuli, truth);
    }

    /// <summary>Greyscale images fitted to the model resolution, values in [0, 1], (StimulusCount, R, R).</summary>
    private float[] ModelImages(StimulusImageSet stimuli)
    {
        var fitted = stimuli.ToGreyscale().FitTo(Config.ModelResolution, Config.ModelResolution);
        var images = new float[fitted.Pixels.Length];
        for (int i = 0; i < images.Length; i++) images[i] = fitted.Pixels[i] / 255f;
        return images;
    }

    /// <summary>Per-run, per-voxel baseline offsets and drifts, (RunCount, VoxelCount) each, percent signal change.</summary>
    private (float[] Offsets, float[] Drifts) DrawRunEffects(int runs, int voxels, Random random)
    {
        var offsets = new float[runs * voxels];
        var drifts = new float[runs * voxels];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = (float)(Config.RunOffsetSdPercent * random.NextGaussian());
        for (int i = 0; i < drifts.Length; i++) drifts[i] = (float)(Config.RunDriftSdPercent * random.NextGaussian());
        return (offsets, drifts);
    }

    /// <summary>
    /// Raw samples (SampleCount, VoxelCount): baseline * (1 + (offset + drift * tau + response + noise) / 100).
    /// Each sample's noise comes from its own generator, seeded from <paramref name="random"/> in sample order, so
    /// samples can be computed in parallel with the same result.
    /// </summary>
    private static float[] Observe(ExperimentDesign design, VoxelPopulation population, float[] responses, float[] offsets, float[] drifts,
        Random random, IProgress<double>? progress, double progressStart)
    {
        int voxels = population.VoxelCount, samples = design.SampleCount;
        var noiseSd = population.NoiseSd;
        var runRow = design.RunNumbers.Select((run, row) => (run, row)).ToDictionary(x => x.run, x => x.row);
        var sampleSeeds = Enumerable.Range(0, samples).Select(_ => random.Next()).ToArray();
        var result = new float[(long)samples * voxels];
        var reporter = new OrderedProgress(progress is null ? null : new ScaledProgress(progress, progressStart, 1.0), samples);
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

    private FmriDataset BuildDataset(ExperimentDesign design, StimulusImageSet stimuli, VoxelPopulation population, float[] voxels)
    {
        var rois = population.AreaVoxels();
        // Unions as in Generic Object Decoding: LVC = V1-V3, HVC = higher areas (here LOC), VC = all visual cortex.
        var lower = population.AreaNames.Where(n => n is "V1" or "V2" or "V3").SelectMany(n => rois[n]).Order().ToArray();
        if (lower.Length > 0) rois["LVC"] = lower;
        if (rois.TryGetValue("LOC", out var loc)) rois["HVC"] = loc;
        rois["VC"] = Enumerable.Range(0, population.VoxelCount).ToArray();
        var step = ProcessingStep.Of("simulate_visual_cortex",
            ("seed", Config.Seed),
            ("signal_to_noise", Config.SignalToNoise),
            ("train_images", design.TrainStimulusCount),
            ("test_images", design.StimulusCount - design.TrainStimulusCount),
            ("test_repeats", Config.TestRepeats),
            ("voxels", population.VoxelCount),
            ("model", "pRF CSS on Gabor energy (V1-V4) + category/shape (LOC)"));
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
            Subject = Config.Subject,
            Provenance = new DatasetProvenance
            {
                SourceFile = string.Create(CultureInfo.InvariantCulture, $"simulated:seed={Config.Seed}"),
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
