using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Simulation;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Cli;

/// <summary>
/// `simulate` writes designs like small real data sets, out-of-category tests, several subjects and a pretraining
/// pool, and `preprocess` accepts what it writes.
/// </summary>
public class SimulateDesignsTests
{
    private static void Succeeds((int Exit, string Out, string Err) run) => Assert.True(run.Exit == 0, run.Err + run.Out);

    [Fact]
    public void Two_categories_90_train_10_test_28_pixels_one_repeat_is_written_and_preprocessed()
    {
        using var folder = new TempFolder();
        string dir = folder.Sub("sim");
        Succeeds(CliTestHarness.Run("simulate", "--out", dir, "--categories", "2", "--train", "90", "--test", "10", "--image-size", "28",
            "--test-repeats", "1", "--seed", "3"));
        // One subject keeps the single-subject names.
        Assert.Equal(["run.json", "sim-01.h5", "stimuli.h5", "truth.h5"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        var stimuli = StimulusImageFile.Read(Path.Combine(dir, "stimuli.h5"));
        Assert.Equal((100, 28, 28, 1), (stimuli.Count, stimuli.Height, stimuli.Width, stimuli.Channels));
        Assert.Equal(new[] { 0, 1 }, stimuli.CategoryLabels.Distinct().Order());
        Assert.Empty(StimulusImageFile.ReadHeldOutTestCategories(Path.Combine(dir, "stimuli.h5")));

        var raw = BDataFile.Read(Path.Combine(dir, "sim-01.h5"));
        Assert.Equal(90, raw.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(10, raw.IndicesOf(DataSplit.Test).Length);
        Assert.Equal(new[] { 45, 45 }, new[] { 0, 1 }.Select(k => raw.IndicesOf(DataSplit.Train).Count(i => raw.CategoryLabels[i] == k)));

        string pre = folder.Sub("pre.h5");
        Succeeds(CliTestHarness.Run("preprocess", Path.Combine(dir, "sim-01.h5"), "-o", pre));
        var data = CanonicalFile.Read(pre);
        Assert.Equal(90, data.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(10, data.IndicesOf(DataSplit.Test).Length);
        Assert.All(data.IndicesOf(DataSplit.Test), i => Assert.Equal(1, data.RepeatCounts[i]));
    }

    [Fact]
    public void Held_out_test_categories_are_disjoint_from_training_and_recorded_in_the_stimulus_file()
    {
        using var folder = new TempFolder();
        string dir = folder.Sub("sim");
        var run = CliTestHarness.Run("simulate", "--out", dir, "--categories", "4", "--held-out-test-categories", "2", "--train", "40", "--test", "6",
            "--test-repeats", "2", "--train-runs", "4", "--image-size", "32");
        Succeeds(run);
        string stimuliFile = Path.Combine(dir, "stimuli.h5");
        var heldOut = StimulusImageFile.ReadHeldOutTestCategories(stimuliFile);
        Assert.Equal(2, heldOut.Length);
        Assert.Contains($"held-out test categories (no training image): {string.Join(", ", heldOut)}", run.Out);
        var stimuli = StimulusImageFile.Read(stimuliFile);
        Assert.Equal((32, 32), (stimuli.Height, stimuli.Width)); // --image-size resamples, never pads

        var raw = BDataFile.Read(Path.Combine(dir, "sim-01.h5"));
        var trainNames = raw.IndicesOf(DataSplit.Train).Select(i => raw.CategoryNames[raw.CategoryLabels[i]]).Distinct().ToArray();
        var testNames = raw.IndicesOf(DataSplit.Test).Select(i => raw.CategoryNames[raw.CategoryLabels[i]]).Distinct().Order().ToArray();
        Assert.Equal(heldOut.Order(), testNames);
        Assert.Equal(2, trainNames.Length);
        Assert.Empty(trainNames.Intersect(testNames));
        Assert.All(trainNames.Concat(testNames), n => Assert.Contains(n, FashionMnist.ClassNames.Take(4)));
        Assert.Equal(heldOut, SimulationTruth.Read(Path.Combine(dir, "truth.h5")).HeldOutTestCategories);
        Succeeds(CliTestHarness.Run("preprocess", Path.Combine(dir, "sim-01.h5"), "-o", folder.Sub("pre.h5")));
    }

    [Fact]
    public void Subjects_and_pretraining_pools_are_written_reproducibly_and_preprocess()
    {
        using var folder = new TempFolder();
        string[] Simulate(string dir) =>
        [
            "simulate", "--out", dir, "--categories", "2", "--train", "20", "--test", "4", "--test-repeats", "2", "--train-runs", "4",
            "--subjects", "2", "--pretraining-pool", "30", "--seed", "8",
        ];
        string a = folder.Sub("a"), b = folder.Sub("b");
        Succeeds(CliTestHarness.Run(Simulate(a)));
        Succeeds(CliTestHarness.Run(Simulate(b)));
        Assert.Equal(
            ["pretraining-pool-01.h5", "pretraining-pool-02.h5", "run.json", "sim-01.h5", "sim-02.h5", "stimuli.h5", "truth-01.h5", "truth-02.h5"],
            Directory.GetFiles(a).Select(Path.GetFileName).Order());

        // Same seed, same data sets.
        foreach (var name in new[] { "sim-01.h5", "sim-02.h5", "pretraining-pool-01.h5", "pretraining-pool-02.h5" })
        {
            var (x, y) = (BDataFile.Read(Path.Combine(a, name)), BDataFile.Read(Path.Combine(b, name)));
            Assert.Equal(x.Voxels, y.Voxels);
            Assert.Equal(x.StimulusIds, y.StimulusIds);
            Assert.Equal(x.Runs, y.Runs);
            Assert.Equal(x.Splits, y.Splits);
        }
        Assert.Equal(StimulusImageFile.Read(Path.Combine(a, "stimuli.h5")).Pixels, StimulusImageFile.Read(Path.Combine(b, "stimuli.h5")).Pixels);
        Assert.Equal(SimulationTruth.Read(Path.Combine(a, "truth-02.h5")).NoiseFreeResponses, SimulationTruth.Read(Path.Combine(b, "truth-02.h5")).NoiseFreeResponses);

        // Two subjects: the same samples of the same stimuli, different voxels.
        var (s1, s2) = (BDataFile.Read(Path.Combine(a, "sim-01.h5")), BDataFile.Read(Path.Combine(a, "sim-02.h5")));
        Assert.Equal(s1.StimulusIds, s2.StimulusIds);
        Assert.Equal(s1.Splits, s2.Splits);
        Assert.NotEqual(s1.VoxelCount, s2.VoxelCount);
        Assert.Equal(2, SimulationTruth.Read(Path.Combine(a, "truth-02.h5")).SubjectIndex);

        // The pool: training samples only, images outside the experiment pool, same voxels as its subject; it preprocesses.
        var experiment = StimulusImageFile.Read(Path.Combine(a, "stimuli.h5")).StimulusIds;
        var pool = BDataFile.Read(Path.Combine(a, "pretraining-pool-02.h5"));
        Assert.Equal(30, pool.SampleCount);
        Assert.Equal(s2.VoxelCount, pool.VoxelCount);
        Assert.All(pool.Splits, s => Assert.Equal(DataSplit.Train, s));
        Assert.Empty(pool.StimulusIds.Intersect(experiment));
        Assert.All(pool.StimulusIds, id => Assert.True(id.TryGetSynsetAndImage(out _, out int n) && n >= FashionMnist.ExperimentPoolSize, id.Value));
        string pre = folder.Sub("pool-pre.h5");
        Succeeds(CliTestHarness.Run("preprocess", Path.Combine(a, "pretraining-pool-02.h5"), "-o", pre, "--subject", "sim-02"));
        var preprocessed = CanonicalFile.Read(pre);
        Assert.Equal(30, preprocessed.IndicesOf(DataSplit.Train).Length);
        Assert.Empty(preprocessed.IndicesOf(DataSplit.Test));
    }

    [Fact]
    public void Folder_images_are_numbered_in_the_bdata_layout_and_the_truth_matches_the_data_in_both_layouts()
    {
        using var folder = new TempFolder();
        string images = folder.Sub("images");
        KillAndResumeTests.WriteImageFolder(images);   // 2 category folders of 8 PNGs each
        string[] Design(string dir, string layout) =>
            ["simulate", "--out", dir, "--images", images, "--layout", layout, "--train", "12", "--test", "4", "--test-repeats", "2", "--train-runs", "2"];

        // BData stores stimulus ids as numbers: folder images become image_1 ... in category-folder, then file-name order.
        string bdata = folder.Sub("bdata");
        Succeeds(CliTestHarness.Run(Design(bdata, "bdata")));
        var stimuli = StimulusImageFile.Read(Path.Combine(bdata, "stimuli.h5"));
        var raw = BDataFile.Read(Path.Combine(bdata, "sim-01.h5"));
        Assert.All(stimuli.StimulusIds, id => Assert.Matches("^image_([1-9]|1[0-6])$", id.Value));
        // image_N is the N-th file read: 1-8 in the first category folder, 9-16 in the second.
        Assert.All(Enumerable.Range(0, stimuli.Count), i =>
            Assert.Equal(int.Parse(stimuli.StimulusIds[i].Value["image_".Length..]) <= 8 ? 0 : 1, stimuli.CategoryLabels[i]));
        Assert.Subset(stimuli.StimulusIds.ToHashSet(), raw.StimulusIds.ToHashSet());

        // The truth is keyed by the ids the data carry in both layouts (NSD's are renamed nsd_00001, ...), so the
        // noise-free ceiling decodes from either.
        string nsd = folder.Sub("nsd");
        Succeeds(CliTestHarness.Run(Design(nsd, "nsd")));
        foreach (var (dir, data) in new[] { (bdata, "sim-01.h5"), (nsd, "betas_session01.hdf5") })
        {
            string pre = Path.Combine(folder.Path, Path.GetFileName(dir) + "-pre.h5");
            string[] extra = dir == nsd ? ["--mask", Path.Combine(nsd, "mask.h5"), "--design", Path.Combine(nsd, "design.json"), "--roi", "all"] : [];
            Succeeds(CliTestHarness.Run(["preprocess", Path.Combine(dir, data), "-o", pre, .. extra]));
            var truth = SimulationTruth.Read(Path.Combine(dir, "truth.h5"));
            Assert.Equal(StimulusImageFile.Read(Path.Combine(dir, "stimuli.h5")).StimulusIds.Order(), truth.StimulusIds.Order());
            Assert.Subset(truth.StimulusIds.ToHashSet(), CanonicalFile.Read(pre).StimulusIds.ToHashSet());
            Succeeds(CliTestHarness.Run("decode", "--route", "ceiling", "--data", pre, "--stimuli", Path.Combine(dir, "stimuli.h5"),
                "--simulation-truth", Path.Combine(dir, "truth.h5"), "--out", Path.Combine(folder.Path, Path.GetFileName(dir) + "-ceiling")));
        }
    }

    [Fact]
    public void A_rerun_replaces_the_earlier_runs_files_as_a_set_and_leaves_other_files()
    {
        using var folder = new TempFolder();
        string dir = folder.Sub("sim");
        string[] Design(int subjects) =>
            ["simulate", "--out", dir, "--categories", "2", "--train", "8", "--test", "2", "--test-repeats", "2", "--train-runs", "2", "--subjects", subjects.ToString()];
        Succeeds(CliTestHarness.Run(Design(2)));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "the user's own file");
        Succeeds(CliTestHarness.Run(Design(1)));
        // The two-subject run's sim-02.h5 and truth-0K.h5 would sit beside a one-subject run's files that name
        // neither; they go, the user's file stays, and no staging folder is left.
        Assert.Equal(["notes.txt", "run.json", "sim-01.h5", "stimuli.h5", "truth.h5"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.GetDirectories(dir));
    }

    [Fact]
    public void Help_lists_the_design_options_and_bad_combinations_are_one_line()
    {
        var (exit, help, _) = CliTestHarness.Run("simulate", "--help");
        Assert.Equal(0, exit);
        foreach (var flag in new[] { "--categories", "--train", "--test", "--image-size", "--held-out-test-categories", "--subjects", "--pretraining-pool" })
            Assert.Contains(flag, help);

        using var folder = new TempFolder();
        void OneLine(string expected, params string[] arguments)
        {
            var (e, _, err) = CliTestHarness.Run(["simulate", "--out", folder.Sub("sim"), .. arguments]);
            Assert.Equal(2, e);
            Assert.Equal($"error: {expected}", err.Trim());
        }
        OneLine("--train 90: give --train or --train-per-category, not both", "--train", "90", "--train-per-category", "9");
        OneLine("--categories 1: must be >= 2", "--categories", "1");
        OneLine("--held-out-test-categories 2: must be less than --categories (2): at least one category must contribute training images",
            "--categories", "2", "--held-out-test-categories", "2");
        OneLine("--image-size 4: must be >= 8", "--image-size", "4");
        OneLine("--subjects 2: the nsd layout holds one subject; use --layout bdata for several", "--layout", "nsd", "--subjects", "2");
        // A category with fewer images than asked for names the count the user gave. Fashion-MNIST's experiment pool
        // (t10k images 0-4,999) holds 481 Trousers and 507 T-shirts (counted from its labels).
        OneLine("--train-per-category 499: category 'Trouser' of the stimulus pool has 481 images and the design needs 504 of it (499 train + 5 test)",
            "--train-per-category", "499");
        OneLine("--test 5000: category 'T-shirt/top' of the stimulus pool has 507 images and the design needs 620 of it (120 train + 500 test)",
            "--test", "5000");
        // With both counts given, the training count is named when the test images alone fit.
        OneLine("--train-per-category 120: category 'T-shirt/top' of the stimulus pool has 507 images and the design needs 620 of it (120 train + 500 test)",
            "--test", "5000", "--train-per-category", "120");
        Assert.False(Directory.Exists(folder.Sub("sim")));
    }
}
