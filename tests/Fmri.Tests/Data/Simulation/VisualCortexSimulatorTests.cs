using Fmri.Data;
using Fmri.Data.Simulation;
using Fmri.Tests.Data.Stimuli;

namespace Fmri.Tests.Data.Simulation;

public class VisualCortexSimulatorTests
{
    private static SimulatedSession Simulate(VisualCortexConfig config, IProgress<double>? progress = null)
        => new VisualCortexSimulator(config).Simulate(SimulationFixtures.Pool, progress);

    [Fact]
    public void Same_seed_gives_identical_data_and_another_seed_differs()
    {
        var a = Simulate(SimulationFixtures.Small(seed: 3));
        var b = Simulate(SimulationFixtures.Small(seed: 3));
        var c = Simulate(SimulationFixtures.Small(seed: 4));
        Assert.Equal(a.Dataset.Voxels, b.Dataset.Voxels);
        Assert.Equal(a.Dataset.StimulusIds, b.Dataset.StimulusIds);
        Assert.Equal(a.Truth.NoiseFreeResponses, b.Truth.NoiseFreeResponses);
        Assert.Equal(a.Truth.Voxels.PrfX, b.Truth.Voxels.PrfX);
        Assert.Equal(a.Dataset.VoxelCoordinates, b.Dataset.VoxelCoordinates);
        Assert.Equal(a.Dataset.Voxels.Length, c.Dataset.Voxels.Length);
        Assert.NotEqual(a.Dataset.Voxels, c.Dataset.Voxels);
        Assert.NotEqual(a.Dataset.StimulusIds, c.Dataset.StimulusIds);
    }

    [Fact]
    public void Data_set_has_the_configured_shape_splits_and_rois()
    {
        var config = SimulationFixtures.Small();
        var session = Simulate(config);
        var data = session.Dataset;
        data.Validate("simulation");
        // 10 categories x 12 training images once + 10 x 2 test images x 4 repeats.
        Assert.Equal(120 + 20 * 4, data.SampleCount);
        Assert.Equal(300, data.VoxelCount);
        Assert.Equal(120, data.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(80, data.IndicesOf(DataSplit.Test).Length);
        Assert.All(data.RepeatCounts, r => Assert.Equal(1, r));
        Assert.Equal("sim-01", data.Subject);
        Assert.Equal(140, session.Stimuli.Count);
        Assert.Equal(session.Stimuli.Count, session.Truth.StimulusCount);
        Assert.Equal(new[] { 80, 70, 60, 40, 50 }, new[] { "V1", "V2", "V3", "V4", "LOC" }.Select(n => data.Rois[n].Length));
        Assert.Equal(data.Rois["V1"].Concat(data.Rois["V2"]).Concat(data.Rois["V3"]).Order(), data.Rois["LVC"]);
        Assert.Equal(data.Rois["LOC"], data.Rois["HVC"]);
        Assert.Equal(Enumerable.Range(0, 300), data.Rois["VC"]);
        // Voxel coordinates sit on the 3 mm grid and no two voxels share a place.
        var xyz = Enumerable.Range(0, 300).Select(v => (data.VoxelCoordinates![3 * v], data.VoxelCoordinates[3 * v + 1], data.VoxelCoordinates[3 * v + 2])).ToArray();
        Assert.Equal(300, xyz.Distinct().Count());
        Assert.All(data.VoxelCoordinates!, c => Assert.Equal(0, c % 3));
        // Left-hemisphere retinotopic voxels (x < 0) see the right visual field.
        var truth = session.Truth.Voxels;
        Assert.All(data.Rois["LVC"], v => Assert.True(Math.Sign(data.VoxelCoordinates![3 * v]) == -Math.Sign(truth.PrfX[v]) || truth.PrfX[v] == 0));
    }

    [Fact]
    public void Default_design_matches_generic_object_decoding()
    {
        var config = new VisualCortexConfig();
        var design = ExperimentDesign.Create(SimulationFixtures.Pool, config, new Random(1));
        // GOD: 1,200 training images in 24 runs (50 each), 50 test images x 35 runs.
        Assert.Equal(1_200 + 50 * 35, design.SampleCount);
        Assert.Equal(1_200, design.TrainStimulusCount);
        Assert.Equal(1_250, design.StimulusCount);
        Assert.Equal(24 + 35, design.RunNumbers.Length);
        Assert.All(Enumerable.Range(1, 24), r => Assert.Equal(50, design.SampleRun.Count(x => x == r)));
        Assert.Equal(4_500, config.VoxelCount);
    }

    [Fact]
    public void Test_images_are_repeated_in_every_test_run_balanced_and_disjoint_from_training()
    {
        var config = SimulationFixtures.Small();
        var data = Simulate(config).Dataset;
        var train = data.IndicesOf(DataSplit.Train).Select(i => data.StimulusIds[i]).ToArray();
        var test = data.IndicesOf(DataSplit.Test).Select(i => data.StimulusIds[i]).ToArray();
        Assert.Equal(train.Length, train.Distinct().Count()); // each training image once
        Assert.Empty(train.Intersect(test));
        Assert.All(test.GroupBy(id => id), g => Assert.Equal(config.TestRepeats, g.Count()));
        var testRuns = data.IndicesOf(DataSplit.Test).GroupBy(i => data.Runs[i]).ToArray();
        Assert.Equal(config.TestRuns, testRuns.Length);
        Assert.All(testRuns, run => Assert.Equal(20, run.Select(i => data.StimulusIds[i]).Distinct().Count()));
        Assert.Empty(data.IndicesOf(DataSplit.Train).Select(i => data.Runs[i]).Intersect(data.IndicesOf(DataSplit.Test).Select(i => data.Runs[i])));
        // Balanced: 2 test and 12 training images per category.
        var testStimuli = data.IndicesOf(DataSplit.Test).DistinctBy(i => data.StimulusIds[i]).ToArray();
        Assert.All(Enumerable.Range(0, 10), k => Assert.Equal(2, testStimuli.Count(i => data.CategoryLabels[i] == k)));
        Assert.All(Enumerable.Range(0, 10), k => Assert.Equal(12, data.IndicesOf(DataSplit.Train).Count(i => data.CategoryLabels[i] == k)));
    }

    [Fact]
    public void Run_offsets_make_run_means_differ_far_beyond_noise()
    {
        static double RunMeanSpreadPercent(FmriDataset data)
        {
            // Per voxel: standard deviation across training runs of the run mean, as percent of the voxel's overall mean.
            var runs = data.IndicesOf(DataSplit.Train).GroupBy(i => data.Runs[i]).ToArray();
            return Enumerable.Range(0, data.VoxelCount).Average(v =>
            {
                double overall = data.IndicesOf(DataSplit.Train).Average(i => data.Voxels[i * data.VoxelCount + v]);
                var means = runs.Select(r => r.Average(i => (double)data.Voxels[i * data.VoxelCount + v]) / overall * 100).ToArray();
                double m = means.Average();
                return Math.Sqrt(means.Sum(x => (x - m) * (x - m)) / (means.Length - 1));
            });
        }
        var config = SimulationFixtures.Small() with { RunOffsetSdPercent = 2.0 };
        double withOffsets = RunMeanSpreadPercent(Simulate(config).Dataset);
        double without = RunMeanSpreadPercent(Simulate(config with { RunOffsetSdPercent = 0, RunDriftSdPercent = 0 }).Dataset);
        // Offsets of sd 2% dominate; without them the spread is the noise and stimulus sampling of a 30-sample mean.
        Assert.InRange(withOffsets, 1.4, 2.8);
        Assert.True(without < 0.6 * withOffsets, $"run-mean spread {without:F3}% without offsets vs {withOffsets:F3}% with");
    }

    [Fact]
    public void Without_noise_and_run_effects_samples_are_the_noise_free_responses_on_the_baseline()
    {
        var config = SimulationFixtures.Small() with { SignalToNoise = 1e9, VoxelSnrLogSd = 0, RunOffsetSdPercent = 0, RunDriftSdPercent = 0 };
        var session = Simulate(config);
        var data = session.Dataset;
        var truth = session.Truth;
        for (int t = 0; t < data.SampleCount; t += 17)
        {
            int s = session.Stimuli.Find(data.StimulusIds[t]);
            for (int v = 0; v < data.VoxelCount; v += 7)
            {
                double expected = truth.Voxels.Baseline[v] * (1 + truth.NoiseFreeResponses[s * data.VoxelCount + v] / 100.0);
                Assert.Equal(expected, data.Voxels[t * data.VoxelCount + v], expected * 1e-5);
            }
        }
        // A typical voxel's response varies across stimuli by its gain (median scaled to 1% signal change).
        var sds = Enumerable.Range(0, data.VoxelCount).Select(v =>
        {
            var r = Enumerable.Range(0, truth.StimulusCount).Select(s => (double)truth.NoiseFreeResponses[s * data.VoxelCount + v]).ToArray();
            double m = r.Average();
            return Math.Sqrt(r.Average(x => (x - m) * (x - m))) / truth.Voxels.Gain[v];
        }).Order().ToArray();
        Assert.InRange(sds[sds.Length / 2], 0.8, 1.2);
    }

    /// <summary>
    /// The documented model, measured on what the simulator wrote rather than read back from its settings: receptive
    /// fields grow with eccentricity by each area's slope and intercept, compression follows each area's exponent, the
    /// noise in the samples has the recorded standard deviation, the realised single-trial SNR is the configured one,
    /// and LOC follows the category far more than V1 does.
    /// </summary>
    [Fact]
    public void Receptive_fields_noise_and_category_signal_are_those_documented()
    {
        var config = SimulationFixtures.Small() with { SignalToNoise = 0.5 };
        var session = Simulate(config);
        var data = session.Dataset;
        var truth = session.Truth;
        var voxels = truth.Voxels;
        int v = data.VoxelCount, stimuli = truth.StimulusCount;

        // Size = slope x eccentricity + intercept (with 10% log-normal scatter), fitted by least squares per area.
        for (int a = 0; a < config.RetinotopicAreas.Count; a++)
        {
            var spec = config.RetinotopicAreas[a];
            int[] members = Enumerable.Range(0, v).Where(i => voxels.Area[i] == a).ToArray();
            double[] ecc = members.Select(i => Math.Sqrt((double)voxels.PrfX[i] * voxels.PrfX[i] + (double)voxels.PrfY[i] * voxels.PrfY[i])).ToArray();
            double[] size = members.Select(i => (double)voxels.PrfSize[i]).ToArray();
            var (intercept, slope) = MathNet.Numerics.Fit.Line(ecc, size);
            Assert.InRange(slope, spec.SizeSlope * 0.85, spec.SizeSlope * 1.15);
            Assert.InRange(intercept, spec.SizeInterceptDegrees * 0.85, spec.SizeInterceptDegrees * 1.15);
            Assert.InRange(members.Average(i => (double)voxels.CssExponent[i]), spec.CssExponent - 0.03, spec.CssExponent + 0.03);
        }

        // Noise: raw = baseline x (1 + (offset + drift x tau + response + noise) / 100), tau from -0.5 to 0.5 in each run.
        var runIndex = truth.RunNumbers.Select((run, i) => (run, i)).ToDictionary(p => p.run, p => p.i);
        var residualSq = new double[v];
        int n = data.SampleCount;
        foreach (int run in data.Runs.Distinct())
        {
            int[] rows = Enumerable.Range(0, n).Where(t => data.Runs[t] == run).ToArray();
            int r = runIndex[run];
            for (int k = 0; k < rows.Length; k++)
            {
                int t = rows[k], s = session.Stimuli.Find(data.StimulusIds[t]);
                double tau = rows.Length > 1 ? (double)k / (rows.Length - 1) - 0.5 : 0;
                for (int j = 0; j < v; j++)
                {
                    double percent = (data.Voxels[(long)t * v + j] / voxels.Baseline[j] - 1) * 100;
                    double noise = percent - truth.RunOffsets[r * v + j] - truth.RunDrifts[r * v + j] * tau - truth.NoiseFreeResponses[(long)s * v + j];
                    residualSq[j] += noise * noise;
                }
            }
        }
        var noiseSd = voxels.NoiseSd;
        double ratio = Math.Sqrt(Enumerable.Range(0, v).Sum(j => residualSq[j] / n / (noiseSd[j] * noiseSd[j])) / v);
        Assert.InRange(ratio, 0.97, 1.03);

        // Realised SNR: each voxel's noise-free SD over the stimuli against its noise SD; the median is the configured 0.5.
        double ResponseSd(int j)
        {
            double mean = Enumerable.Range(0, stimuli).Average(s => (double)truth.NoiseFreeResponses[(long)s * v + j]);
            return Math.Sqrt(Enumerable.Range(0, stimuli).Average(s => Math.Pow(truth.NoiseFreeResponses[(long)s * v + j] - mean, 2)));
        }
        var snr = Enumerable.Range(0, v).Select(j => ResponseSd(j) / noiseSd[j]).Order().ToArray();
        Assert.InRange(snr[v / 2], 0.4, 0.6);

        // The share of each voxel's noise-free variance over the stimuli that the category explains.
        int[] labels = truth.StimulusIds.Select(id => session.Stimuli.CategoryLabels[session.Stimuli.Find(id)]).ToArray();
        double CategoryShare(int j)
        {
            double[] r = Enumerable.Range(0, stimuli).Select(s => (double)truth.NoiseFreeResponses[(long)s * v + j]).ToArray();
            double mean = r.Average(), total = r.Sum(x => (x - mean) * (x - mean));
            double between = labels.Distinct().Sum(k =>
            {
                var m = Enumerable.Range(0, stimuli).Where(s => labels[s] == k).Select(s => r[s]).ToArray();
                return m.Length * Math.Pow(m.Average() - mean, 2);
            });
            return between / total;
        }
        int loc = config.RetinotopicAreas.Count;
        double locShare = Enumerable.Range(0, v).Where(j => voxels.Area[j] == loc).Average(CategoryShare);
        double v1Share = Enumerable.Range(0, v).Where(j => voxels.Area[j] == 0).Average(CategoryShare);
        // LOC's category term alone carries LocCategoryShare (0.6) of its variance by construction; its coarse-shape
        // term follows the category too, so the whole share is larger.
        Assert.InRange(locShare, config.LocCategoryShare, 0.95);
        Assert.True(locShare > v1Share + 0.15, $"LOC's category share {locShare:F3} should exceed V1's {v1Share:F3} clearly");
    }

    [Fact]
    public void Truth_round_trips_through_its_hdf5_file()
    {
        var session = Simulate(SimulationFixtures.Small());
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "truth.h5");
        session.Truth.Write(path);
        var back = SimulationTruth.Read(path);
        var a = session.Truth;
        Assert.Equal(a.Config.Seed, back.Config.Seed);
        Assert.Equal(a.Config.RetinotopicAreas, back.Config.RetinotopicAreas);
        Assert.Equal(a.Config.CyclesPerField, back.Config.CyclesPerField);
        Assert.Equal(a.Config with { RetinotopicAreas = [], CyclesPerField = [] }, back.Config with { RetinotopicAreas = [], CyclesPerField = [] });
        Assert.Equal(a.NoiseFreeResponses, back.NoiseFreeResponses);
        Assert.Equal(a.StimulusIds, back.StimulusIds);
        Assert.Equal(a.RunNumbers, back.RunNumbers);
        Assert.Equal(a.RunOffsets, back.RunOffsets);
        Assert.Equal(a.RunDrifts, back.RunDrifts);
        Assert.Equal(a.ChannelOrientationsDegrees, back.ChannelOrientationsDegrees);
        Assert.Equal(a.ChannelPeriodsPixels, back.ChannelPeriodsPixels);
        var (va, vb) = (a.Voxels, back.Voxels);
        Assert.Equal(va.AreaNames, vb.AreaNames);
        Assert.Equal(va.Area, vb.Area);
        Assert.Equal(va.Coordinates, vb.Coordinates);
        Assert.Equal(va.PrfX, vb.PrfX);
        Assert.Equal(va.PrfSize, vb.PrfSize);
        Assert.Equal(va.CssExponent, vb.CssExponent);
        Assert.Equal(va.ChannelWeights, vb.ChannelWeights);
        Assert.Equal(va.CategoryWeights, vb.CategoryWeights);
        Assert.Equal(va.ShapeWeights, vb.ShapeWeights);
        Assert.Equal(va.CategoryShare, vb.CategoryShare);
        Assert.Equal(va.Gain, vb.Gain);
        Assert.Equal(va.SignalToNoise, vb.SignalToNoise);
        Assert.Equal(va.Baseline, vb.Baseline);
        Assert.Equal(va.NoiseSd, vb.NoiseSd);
    }

    [Fact]
    public void Reports_progress_up_to_completion()
    {
        var reports = new List<double>();
        var progress = new SynchronousProgress(v => { lock (reports) reports.Add(v); });
        Simulate(SimulationFixtures.Small(), progress);
        Assert.NotEmpty(reports);
        Assert.All(reports, v => Assert.InRange(v, 0, 1));
        Assert.Equal(reports.Order(), reports); // never goes backwards
        Assert.Equal(1.0, reports[^1]);
    }

    [Fact]
    public void Bad_configuration_and_too_small_pools_are_rejected_naming_the_field()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new VisualCortexSimulator(new VisualCortexConfig { SignalToNoise = 0 }));
        Assert.StartsWith("signal_to_noise 0:", e.Message);
        var tooMany = SimulationFixtures.Small() with { TrainImagesPerCategory = 2_000 };
        var e2 = Assert.ThrowsAny<ArgumentException>(() => Simulate(tooMany));
        Assert.Contains("T-shirt/top", e2.Message);
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
