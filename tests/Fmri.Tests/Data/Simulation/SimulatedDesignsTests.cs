using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Preprocessing;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;

namespace Fmri.Tests.Data.Simulation;

/// <summary>
/// Designs shaped like small real data sets (few categories, totals instead of per-category counts), out-of-category
/// tests, several subjects and the unlabelled pretraining pool, each on the small fast configuration.
/// </summary>
public class SimulatedDesignsTests
{
    private static readonly Lazy<StimulusImageSet> LazyExperimentPool = new(() => FashionMnist.LoadExperimentPool(FashionMnistFolder));
    private static readonly Lazy<StimulusImageSet> LazyOutsidePool = new(() => FashionMnist.LoadModelImages(FashionMnistFolder).Images);

    private static string FashionMnistFolder => Path.Combine(RepositoryData.FindDataFolder(), "fashion-mnist");

    /// <summary>t10k images 0-4,999, the pool the experiment's stimuli come from.</summary>
    private static StimulusImageSet ExperimentPool => LazyExperimentPool.Value;

    /// <summary>The shipped copy's t10k images 5,000-9,999, which the experiment never shows.</summary>
    private static StimulusImageSet OutsidePool => LazyOutsidePool.Value;

    private static VisualCortexConfig TwoCategories(int testRepeats = 1) => SimulationFixtures.Small() with
    {
        Categories = 2,
        TrainImages = 90,
        TestImages = 10,
        TrainImagesPerCategory = null,
        TestImagesPerCategory = null,
        TestRepeats = testRepeats,
    };

    [Fact]
    public void Two_categories_with_90_training_and_10_test_images_have_those_counts_and_preprocess()
    {
        var session = new VisualCortexSimulator(TwoCategories()).Simulate(SimulationFixtures.Pool);
        var data = session.Dataset;
        int[] train = data.IndicesOf(DataSplit.Train), test = data.IndicesOf(DataSplit.Test);
        Assert.Equal(90, train.Length);
        Assert.Equal(10, test.Length); // one repeat: one sample per test image
        Assert.Equal(100, session.Stimuli.Count);
        Assert.Equal((28, 28, 1), (session.Stimuli.Height, session.Stimuli.Width, session.Stimuli.Channels));
        // The first two categories of the pool, 45 + 45 training and 5 + 5 test images; names stay the pool's.
        Assert.Equal(new[] { 45, 45 }, new[] { 0, 1 }.Select(k => train.Count(i => data.CategoryLabels[i] == k)));
        Assert.Equal(new[] { 5, 5 }, new[] { 0, 1 }.Select(k => test.Count(i => data.CategoryLabels[i] == k)));
        Assert.Equal(FashionMnist.ClassNames, data.CategoryNames);
        Assert.Equal(new[] { 0, 1 }, session.Design!.Categories);
        Assert.Empty(session.HeldOutTestCategories);

        // Written as BData and read back, it preprocesses: test repeats (one each) are "averaged" into 10 samples.
        using var folder = new TempFolder();
        string file = folder.File("sim-01.h5");
        BDataFile.Write(file, data);
        var result = Preprocessor.Run(BDataFile.Read(file), new PreprocessingOptions(), file);
        Assert.Equal(90, result.Dataset.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(10, result.Dataset.IndicesOf(DataSplit.Test).Length);
        Assert.All(result.Dataset.IndicesOf(DataSplit.Test), i => Assert.Equal(1, result.Dataset.RepeatCounts[i]));
        Assert.All(result.Dataset.Voxels, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Two_test_repeats_average_to_one_sample_per_test_image()
    {
        var data = new VisualCortexSimulator(TwoCategories(testRepeats: 2)).Simulate(SimulationFixtures.Pool).Dataset;
        Assert.Equal(90 + 2 * 10, data.SampleCount);
        var result = Preprocessor.Run(data, new PreprocessingOptions(), "simulation");
        Assert.Equal(10, result.Dataset.IndicesOf(DataSplit.Test).Length);
        Assert.All(result.Dataset.IndicesOf(DataSplit.Test), i => Assert.Equal(2, result.Dataset.RepeatCounts[i]));
    }

    [Fact]
    public void Totals_are_spread_as_evenly_as_possible_and_an_even_total_draws_the_per_category_design()
    {
        Assert.Equal(new[] { 4, 3, 3 }, ExperimentDesign.SpreadEvenly(10, 3));
        var uneven = SimulationFixtures.Small() with { Categories = 3, TrainImages = 10, TestImages = 4, TrainImagesPerCategory = null, TestImagesPerCategory = null };
        var design = ExperimentDesign.Create(SimulationFixtures.Pool, uneven, new Random(1));
        var labels = SimulationFixtures.Pool.CategoryLabels;
        int[] Count(IEnumerable<int> stimuli) => Enumerable.Range(0, 3).Select(k => stimuli.Count(s => labels[design.PoolIndices[s]] == k)).ToArray();
        Assert.Equal(new[] { 4, 3, 3 }, Count(Enumerable.Range(0, design.TrainStimulusCount)));
        Assert.Equal(new[] { 2, 1, 1 }, Count(Enumerable.Range(design.TrainStimulusCount, design.StimulusCount - design.TrainStimulusCount)));

        // 120 training and 20 test images over 10 categories is the fixture's 12 + 2 per category, draw for draw.
        var perCategory = SimulationFixtures.Small();
        var totals = perCategory with { TrainImages = 120, TestImages = 20, TrainImagesPerCategory = null, TestImagesPerCategory = null };
        var a = ExperimentDesign.Create(SimulationFixtures.Pool, perCategory, new Random(5));
        var b = ExperimentDesign.Create(SimulationFixtures.Pool, totals, new Random(5));
        Assert.Equal(a.PoolIndices, b.PoolIndices);
        Assert.Equal(a.SampleStimulus, b.SampleStimulus);
    }

    [Theory]
    [InlineData(14)]
    [InlineData(56)]
    public void Stimuli_of_another_size_keep_it_and_cover_the_same_field_of_view(int side)
    {
        // Every image resampled (not padded) to side x side: the stimuli keep that size, and the model sees the
        // image over the whole field, so early visual responses follow those to the native 28 x 28 images.
        var pool = SimulationFixtures.Pool.Subset(Enumerable.Range(0, 600).ToArray());
        var config = TwoCategories();
        var native = new VisualCortexSimulator(config).Simulate(pool);
        var resized = new VisualCortexSimulator(config).Simulate(pool.ResizeTo(side, side));
        Assert.Equal((side, side), (resized.Stimuli.Height, resized.Stimuli.Width));
        Assert.Equal(native.Stimuli.StimulusIds, resized.Stimuli.StimulusIds);
        int v = native.Dataset.VoxelCount;
        int[] v1 = native.Dataset.Rois["V1"];
        double[] a = Enumerable.Range(0, native.Truth.StimulusCount).SelectMany(s => v1.Select(j => (double)native.Truth.NoiseFreeResponses[s * v + j])).ToArray();
        double[] b = Enumerable.Range(0, native.Truth.StimulusCount).SelectMany(s => v1.Select(j => (double)resized.Truth.NoiseFreeResponses[s * v + j])).ToArray();
        double ma = a.Average(), mb = b.Average();
        double r = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum() / Math.Sqrt(a.Sum(x => (x - ma) * (x - ma)) * b.Sum(y => (y - mb) * (y - mb)));
        Assert.True(r > 0.8, $"V1 response correlation {r:F3}");
    }

    [Fact]
    public void Bad_design_settings_name_the_setting()
    {
        static string Message(Action action) => Assert.Throws<InvalidSettingException>(action).Message;
        Assert.Equal("train_images 90: give train_images or train_images_per_category, not both",
            Message(() => new VisualCortexConfig { TrainImages = 90, TrainImagesPerCategory = 9 }.Validate()));
        Assert.StartsWith("categories 1:", Message(() => new VisualCortexConfig { Categories = 1 }.Validate()));
        Assert.StartsWith("held_out_test_categories 2:", Message(() => new VisualCortexConfig { Categories = 2, HeldOutTestCategories = 2 }.Validate()));
        Assert.StartsWith("test_images 1:", Message(() => new VisualCortexConfig { Categories = 4, HeldOutTestCategories = 2, TestImages = 1 }.Validate()));
        Assert.StartsWith("categories 11:", Message(() => ExperimentDesign.Create(SimulationFixtures.Pool, new VisualCortexConfig { Categories = 11 }, new Random(1))));
        Assert.StartsWith("train_runs 24:", Message(() => new VisualCortexSimulator(TwoCategories() with { TrainImages = 20, TrainRuns = 24 }).Simulate(SimulationFixtures.Pool)));
    }

    [Fact]
    public void Held_out_test_categories_share_no_category_with_training_and_are_recorded()
    {
        var config = SimulationFixtures.Small() with { HeldOutTestCategories = 3 };
        var session = new VisualCortexSimulator(config).Simulate(SimulationFixtures.Pool);
        var data = session.Dataset;
        var trainCategories = data.IndicesOf(DataSplit.Train).Select(i => data.CategoryLabels[i]).Distinct().Order().ToArray();
        var testCategories = data.IndicesOf(DataSplit.Test).Select(i => data.CategoryLabels[i]).Distinct().Order().ToArray();
        Assert.Equal(3, testCategories.Length);
        Assert.Equal(7, trainCategories.Length);
        Assert.Empty(trainCategories.Intersect(testCategories));
        Assert.Equal(session.Design!.HeldOutTestCategories, testCategories);
        // Per-category counts apply to the categories of each split: 7 x 12 training, 3 x 2 test images.
        Assert.Equal(84, data.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(6, data.IndicesOf(DataSplit.Test).DistinctBy(i => data.StimulusIds[i]).Count());
        var names = testCategories.Select(k => FashionMnist.ClassNames[k]).ToArray();
        Assert.Equal(names, session.HeldOutTestCategories);

        // Recorded in the stimulus file and the truth file.
        using var folder = new TempFolder();
        StimulusImageFile.Write(session.Stimuli, folder.File("stimuli.h5"), session.HeldOutTestCategories);
        Assert.Equal(names, StimulusImageFile.ReadHeldOutTestCategories(folder.File("stimuli.h5")));
        session.Truth.Write(folder.File("truth.h5"));
        Assert.Equal(names, SimulationTruth.Read(folder.File("truth.h5")).HeldOutTestCategories);
        // A design without held-out categories records none.
        StimulusImageFile.Write(session.Stimuli, folder.File("plain.h5"));
        Assert.Empty(StimulusImageFile.ReadHeldOutTestCategories(folder.File("plain.h5")));

        // Another seed may hold out other categories, the same seed the same ones.
        var again = ExperimentDesign.Create(SimulationFixtures.Pool, config, new Random(3));
        Assert.Equal(again.HeldOutTestCategories, ExperimentDesign.Create(SimulationFixtures.Pool, config, new Random(3)).HeldOutTestCategories);
    }

    [Fact]
    public void Subjects_differ_in_voxels_and_responses_but_share_stimuli_and_design()
    {
        var config = SimulationFixtures.Small() with { Subjects = 3 };
        var sessions = new VisualCortexSimulator(config).SimulateSubjects(SimulationFixtures.Pool);
        Assert.Equal(new[] { "sim-01", "sim-02", "sim-03" }, sessions.Select(s => s.Dataset.Subject));
        Assert.Equal(new[] { 1, 2, 3 }, sessions.Select(s => s.Truth.SubjectIndex));
        Assert.All(sessions, s => Assert.Equal(config.Seed, s.Truth.RunSeed));
        Assert.Equal(3, sessions.Select(s => s.Dataset.VoxelCount).Distinct().Count());
        Assert.Equal(3, sessions.Select(s => s.Truth.Config.Seed).Distinct().Count());

        var first = sessions[0];
        foreach (var other in sessions.Skip(1))
        {
            // Same images, same samples in the same order, runs and splits.
            Assert.Equal(first.Stimuli.StimulusIds, other.Stimuli.StimulusIds);
            Assert.Equal(first.Stimuli.Pixels, other.Stimuli.Pixels);
            Assert.Equal(first.Dataset.StimulusIds, other.Dataset.StimulusIds);
            Assert.Equal(first.Dataset.Runs, other.Dataset.Runs);
            Assert.Equal(first.Dataset.Splits, other.Dataset.Splits);
            // Each area's voxel count scaled by a factor in [0.8, 1.2].
            foreach (var area in config.RetinotopicAreas.Select(a => (a.Name, a.VoxelCount)).Append(("LOC", config.LocVoxelCount)))
                Assert.InRange(other.Dataset.Rois[area.Item1].Length, (int)Math.Floor(0.8 * area.Item2), (int)Math.Ceiling(1.2 * area.Item2));
            // Different maps, gains and responses.
            Assert.NotEqual(first.Truth.Voxels.PrfX.Take(50), other.Truth.Voxels.PrfX.Take(50));
            Assert.NotEqual(first.Truth.Voxels.Gain.Take(50), other.Truth.Voxels.Gain.Take(50));
            Assert.NotEqual(first.Dataset.Sample(0)[..50].ToArray(), other.Dataset.Sample(0)[..50].ToArray());
        }

        // The first of several subjects is the subject a one-subject run simulates.
        var alone = new VisualCortexSimulator(SimulationFixtures.Small()).Simulate(SimulationFixtures.Pool);
        Assert.Equal(alone.Dataset.Voxels, first.Dataset.Voxels);
        Assert.Equal(alone.Truth.NoiseFreeResponses, first.Truth.NoiseFreeResponses);
        // A subject's configuration depends on the run seed and its index only (files from the same seed: Same_seed_writes_identical_files).
        Assert.Equal(sessions[2].Truth.Config.RetinotopicAreas, new VisualCortexSimulator(config with { Subjects = 5 }).SubjectConfig(3).RetinotopicAreas);
    }

    [Fact]
    public void Pretraining_pool_lies_outside_the_experiment_pool_is_training_only_and_preprocesses()
    {
        var config = SimulationFixtures.Small() with { PretrainingPoolSize = 60, HeldOutTestCategories = 2 };
        var session = new VisualCortexSimulator(config).Simulate(ExperimentPool, OutsidePool);
        var pool = session.PretrainingPool!;
        var data = pool.Dataset;
        Assert.Equal(60, data.SampleCount);
        Assert.Equal(session.Dataset.VoxelCount, data.VoxelCount);
        Assert.Equal(session.Dataset.VoxelCoordinates, data.VoxelCoordinates);
        Assert.All(data.Splits, s => Assert.Equal(DataSplit.Train, s));
        Assert.Equal(60, data.StimulusIds.Distinct().Count());
        // No image of the pool is a stimulus of the experiment or in the experiment pool at all.
        Assert.Empty(data.StimulusIds.Intersect(session.Stimuli.StimulusIds));
        Assert.All(data.StimulusIds, id => Assert.True(ExperimentPool.Find(id) < 0, id.Value));
        Assert.All(data.StimulusIds, id => Assert.True(id.TryGetSynsetAndImage(out _, out int n) && n >= FashionMnist.ExperimentPoolSize, id.Value));
        // Its images come from the training categories (none held out) and its runs follow the experiment's.
        Assert.Empty(data.CategoryLabels.Intersect(session.Design!.HeldOutTestCategories));
        Assert.True(data.Runs.Min() > session.Dataset.Runs.Max());
        // The same voxels respond on the same scale: a typical voxel's response spread is its gain, as in the experiment.
        double MedianSpreadOverGain(float[] responses, int stimuli) => Enumerable.Range(0, data.VoxelCount).Select(v =>
        {
            var r = Enumerable.Range(0, stimuli).Select(s => (double)responses[s * data.VoxelCount + v]).ToArray();
            double m = r.Average();
            return Math.Sqrt(r.Average(x => (x - m) * (x - m))) / session.Truth.Voxels.Gain[v];
        }).Order().ElementAt(data.VoxelCount / 2);
        Assert.InRange(MedianSpreadOverGain(pool.NoiseFreeResponses, 60), 0.6, 1.5);

        using var folder = new TempFolder();
        string file = folder.File("pretraining-pool.h5");
        BDataFile.Write(file, data);
        var result = Preprocessor.Run(BDataFile.Read(file), new PreprocessingOptions(), file);
        Assert.Equal(60, result.Dataset.IndicesOf(DataSplit.Train).Length);
        Assert.Empty(result.Dataset.IndicesOf(DataSplit.Test));
        Assert.Equal(0, result.Dataset.VoxelCount % 16);

        // Images inside the experiment pool are refused; so is a pool asked for without images to draw it from.
        var e = Assert.ThrowsAny<ArgumentException>(() => new VisualCortexSimulator(config).Simulate(ExperimentPool, ExperimentPool));
        Assert.Contains("outside the experiment pool", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => new VisualCortexSimulator(config).Simulate(ExperimentPool));
    }

    [Fact]
    public void Responses_with_the_experiment_normalisation_do_not_depend_on_the_other_images_in_the_set()
    {
        var config = SimulationFixtures.Small();
        var bank = new GaborEnergyBank(config.ModelResolution, config.CyclesPerField, config.Orientations);
        var population = VoxelPopulation.Draw(config, bank, 10, new Random(1), new Random(2));
        var images = SimulationFixtures.Pool.Subset(Enumerable.Range(0, 40).ToArray());
        float[] Pixels(StimulusImageSet set) => set.Pixels.Select(b => b / 255f).ToArray();
        var (all, normalisation) = VoxelResponseModel.NoiseFreeResponses(Pixels(images), images.CategoryLabels, population, bank, config, normalisation: null);
        // Images 30-39 alone, normalised as the 40: the same rows as in the full set.
        var part = images.Subset(Enumerable.Range(30, 10).ToArray());
        var (some, _) = VoxelResponseModel.NoiseFreeResponses(Pixels(part), part.CategoryLabels, population, bank, config, normalisation);
        int v = population.VoxelCount;
        Assert.Equal(all.AsSpan(30 * v, 10 * v).ToArray(), some);
        // Normalised by their own statistics instead, they differ.
        var own = VoxelResponseModel.NoiseFreeResponses(Pixels(part), part.CategoryLabels, population, bank, config);
        Assert.NotEqual(some, own);
    }

    [Fact]
    public void Same_seed_writes_identical_files()
    {
        var config = SimulationFixtures.Small() with { Categories = 3, TrainImages = 30, TestImages = 6, TrainImagesPerCategory = null, TestImagesPerCategory = null, HeldOutTestCategories = 1, Subjects = 2, PretrainingPoolSize = 20 };
        using var folder = new TempFolder();
        string Write(string name)
        {
            string dir = Directory.CreateDirectory(folder.File(name)).FullName;
            var sessions = new VisualCortexSimulator(config).SimulateSubjects(ExperimentPool, OutsidePool);
            StimulusImageFile.Write(sessions[0].Stimuli, Path.Combine(dir, "stimuli.h5"), sessions[0].HeldOutTestCategories);
            foreach (var s in sessions)
            {
                BDataFile.Write(Path.Combine(dir, $"{s.Dataset.Subject}.h5"), s.Dataset);
                BDataFile.Write(Path.Combine(dir, $"pool-{s.Dataset.Subject}.h5"), s.PretrainingPool!.Dataset);
                s.Truth.Write(Path.Combine(dir, $"truth-{s.Truth.SubjectIndex}.h5"));
            }
            return dir;
        }
        string a = Write("a"), b = Write("b");
        foreach (var name in new[] { "sim-01.h5", "sim-02.h5", "pool-sim-01.h5", "pool-sim-02.h5" })
        {
            var (x, y) = (BDataFile.Read(Path.Combine(a, name)), BDataFile.Read(Path.Combine(b, name)));
            Assert.Equal(x.Voxels, y.Voxels);
            Assert.Equal(x.StimulusIds, y.StimulusIds);
            Assert.Equal(x.Runs, y.Runs);
            Assert.Equal(x.Splits, y.Splits);
            Assert.Equal(x.CategoryLabels, y.CategoryLabels);
            Assert.Equal(x.VoxelCoordinates, y.VoxelCoordinates);
        }
        var (sa, sb) = (StimulusImageFile.Read(Path.Combine(a, "stimuli.h5")), StimulusImageFile.Read(Path.Combine(b, "stimuli.h5")));
        Assert.Equal(sa.Pixels, sb.Pixels);
        Assert.Equal(sa.StimulusIds, sb.StimulusIds);
        Assert.Equal(StimulusImageFile.ReadHeldOutTestCategories(Path.Combine(a, "stimuli.h5")), StimulusImageFile.ReadHeldOutTestCategories(Path.Combine(b, "stimuli.h5")));
        foreach (int k in new[] { 1, 2 })
        {
            var (ta, tb) = (SimulationTruth.Read(Path.Combine(a, $"truth-{k}.h5")), SimulationTruth.Read(Path.Combine(b, $"truth-{k}.h5")));
            Assert.Equal(ta.NoiseFreeResponses, tb.NoiseFreeResponses);
            Assert.Equal(ta.RunOffsets, tb.RunOffsets);
            Assert.Equal(ta.Voxels.PrfX, tb.Voxels.PrfX);
            Assert.Equal(ta.Config.Seed, tb.Config.Seed);
        }
    }
}
