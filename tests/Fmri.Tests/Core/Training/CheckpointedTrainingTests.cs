using Fmri.Core.Checkpoints;
using Fmri.Core.IO;
using Fmri.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Training;

/// <summary>
/// The scaffold driven with a fake unit of training: a 2→1 linear layer whose weights each unit moves by one draw
/// from the run's generator, and a loss that is that draw (or a non-finite value where a test says so).
/// </summary>
public class CheckpointedTrainingTests
{
    private sealed record FakeConfig(int Width = 2);

    private const string CsvFile = "loss.csv";

    /// <summary>Raised by a test's save callback to stand for a SIGKILL at that point of a checkpoint.</summary>
    private sealed class Killed : Exception;

    /// <summary>
    /// Runs (or resumes) the fake training to <paramref name="totalUnits"/>, checkpointing every unit;
    /// <paramref name="loss"/> replaces the loss of a unit (given its 1-based step) when it returns a value;
    /// <paramref name="aroundSave"/> wraps the checkpoint save (to stop the run before or after it).
    /// </summary>
    private static CheckpointedTraining Train(string folder, long totalUnits, bool resume = false, Func<long, double?>? loss = null,
        Func<long, double?>? gradientNorm = null, Action<TrainingState, Action>? aroundSave = null)
    {
        var checkpoint = new ModelCheckpoint(folder, "fake");
        var run = new CheckpointedTraining("fake training", checkpoint, resume, new LossCurveFiles(Path.Combine(folder, CsvFile), null, "fake"), ["draw"]);
        var generator = new Generator(11);
        var generators = new Dictionary<string, Generator> { ["data"] = generator };
        using var model = nn.Linear(2, 1);
        using (no_grad())
            foreach (var p in model.parameters()) p.zero_();
        run.Restore(model, new FakeConfig(), optimizer: null, ema: null, generators, seed: 5, totalUnits);
        run.Run(totalUnits, index =>
        {
            double draw;
            using (var r = rand(1, generator: generator)) draw = r.item<float>();
            using (no_grad())
                foreach (var p in model.parameters()) p.add_(draw);   // the unit changes the weights before its loss is checked
            long step = index + 1;
            return new TrainingUnit(loss?.Invoke(step) ?? draw, Epoch: 0, [draw], gradientNorm?.Invoke(step));
        },
        checkpointDue: _ => true,
        save: state =>
        {
            void Save() => checkpoint.Save(model, new FakeConfig(), state);
            if (aroundSave is null) Save();
            else aroundSave(state, Save);
        },
        generators);
        return run;
    }

    private static float[] SavedWeights(string folder)
    {
        using var content = SafetensorsFile.Read(new ModelCheckpoint(folder, "fake").WeightsPath);
        return content.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal).SelectMany(t => t.Value.data<float>().ToArray()).ToArray();
    }

    [Theory]
    [InlineData(double.NaN, null)]
    [InlineData(double.PositiveInfinity, null)]
    [InlineData(double.NegativeInfinity, null)]
    [InlineData(0.5, double.NaN)]
    [InlineData(0.5, double.PositiveInfinity)]
    public void A_non_finite_loss_or_gradient_norm_stops_the_run_naming_the_step_and_nothing_of_that_step_is_saved(double badLoss, double? badNorm)
    {
        using var folder = new TempFolder();
        using var reference = new TempFolder();
        Train(reference.Path, totalUnits: 2);

        var error = Assert.Throws<TrainingDivergedException>(() => Train(folder.Path, totalUnits: 5,
            loss: step => step == 3 ? badLoss : null, gradientNorm: step => step == 3 ? badNorm : null));

        Assert.Equal(3, error.Step);
        Assert.Contains("fake training stopped at step 3", error.Message);
        Assert.Contains("nothing of this step was saved", error.Message);
        Assert.Contains(folder.Path, error.Message);   // the intact checkpoint to resume
        var checkpoint = new ModelCheckpoint(folder.Path, "fake");
        Assert.Equal(2, checkpoint.ReadTrainingState()!.Step);
        var curve = LossCurve.Read(Path.Combine(folder.Path, CsvFile));
        Assert.Equal(new long[] { 1, 2 }, curve.Points.Select(p => p.Step));
        // Step 3 moved the weights in memory before its loss was seen; the file holds step 2's.
        Assert.Equal(SavedWeights(reference.Path), SavedWeights(folder.Path));
        Assert.Equal(File.ReadAllLines(Path.Combine(reference.Path, CsvFile)), File.ReadAllLines(Path.Combine(folder.Path, CsvFile)));
    }

    [Fact]
    public void A_run_stopped_right_after_a_checkpoint_manifest_resumes_to_the_uninterrupted_curve()
    {
        using var uninterrupted = new TempFolder();
        using var folder = new TempFolder();
        Train(uninterrupted.Path, totalUnits: 6);

        // SIGKILL just after the manifest of step 4 was renamed into place, before anything else the checkpoint writes.
        Assert.Throws<Killed>(() => Train(folder.Path, totalUnits: 6, aroundSave: (state, save) =>
        {
            save();
            if (state.Step == 4) throw new Killed();
        }));
        Assert.Equal(4, new ModelCheckpoint(folder.Path, "fake").ReadTrainingState()!.Step);
        var resumed = Train(folder.Path, totalUnits: 6, resume: true);

        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, resumed.Curve.Points.Select(p => p.Step));
        Assert.Equal(File.ReadAllLines(Path.Combine(uninterrupted.Path, CsvFile)), File.ReadAllLines(Path.Combine(folder.Path, CsvFile)));
        Assert.Equal(SavedWeights(uninterrupted.Path), SavedWeights(folder.Path));
    }

    [Fact]
    public void A_run_stopped_just_before_a_checkpoint_manifest_resumes_from_the_previous_checkpoint()
    {
        using var uninterrupted = new TempFolder();
        using var folder = new TempFolder();
        Train(uninterrupted.Path, totalUnits: 6);

        // SIGKILL while step 4 is being checkpointed, before its manifest: step 3's checkpoint is the one on disk.
        Assert.Throws<Killed>(() => Train(folder.Path, totalUnits: 6, aroundSave: (state, save) =>
        {
            if (state.Step == 4) throw new Killed();
            save();
        }));
        Assert.Equal(3, new ModelCheckpoint(folder.Path, "fake").ReadTrainingState()!.Step);
        var resumed = Train(folder.Path, totalUnits: 6, resume: true);

        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, resumed.Curve.Points.Select(p => p.Step));
        Assert.Equal(File.ReadAllLines(Path.Combine(uninterrupted.Path, CsvFile)), File.ReadAllLines(Path.Combine(folder.Path, CsvFile)));
        Assert.Equal(SavedWeights(uninterrupted.Path), SavedWeights(folder.Path));
    }

    [Theory]
    [InlineData(0)]   // killed while staging: the weights staged, not the manifest
    [InlineData(1)]   // killed while moving: the weights moved into place, the config, manifest still staged
    [InlineData(2)]   // killed while moving: all but the manifest moved
    public void A_run_killed_inside_a_checkpoint_save_resumes_to_the_uninterrupted_weights_and_curve(int moved)
    {
        using var uninterrupted = new TempFolder();
        using var atStep4 = new TempFolder();
        using var folder = new TempFolder();
        Train(uninterrupted.Path, totalUnits: 6);
        Train(atStep4.Path, totalUnits: 4);   // the files the killed run's step-4 save was writing

        // The killed run: checkpoint of step 3 in place, its CSV already at step 4 (written before the checkpoint).
        Assert.Throws<Killed>(() => Train(folder.Path, totalUnits: 6, aroundSave: (state, save) =>
        {
            if (state.Step == 4) throw new Killed();
            save();
        }));
        var checkpoint = new ModelCheckpoint(folder.Path, "fake");
        Directory.CreateDirectory(checkpoint.StagingFolder);
        string[] order = [Path.GetFileName(checkpoint.WeightsPath), Path.GetFileName(checkpoint.ConfigPath), Path.GetFileName(checkpoint.ManifestPath)];
        for (int i = 0; i < order.Length; i++)
        {
            if (moved == 0 && i == order.Length - 1) break;   // still staging: no staged manifest yet
            File.Copy(Path.Combine(atStep4.Path, order[i]), Path.Combine(i < moved ? folder.Path : checkpoint.StagingFolder, order[i]), overwrite: true);
        }
        if (moved > 0)
        {
            using var probe = nn.Linear(2, 1);
            Assert.Throws<DataFormatException>(() => checkpoint.LoadWeights(probe, new FakeConfig()));   // half-new files are refused as they lie
        }

        var resumed = Train(folder.Path, totalUnits: 6, resume: true);

        Assert.Equal(moved == 0 ? 3 : 4, resumed.ResumedState!.Step);
        Assert.False(Directory.Exists(checkpoint.StagingFolder));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, resumed.Curve.Points.Select(p => p.Step));
        Assert.Equal(File.ReadAllLines(Path.Combine(uninterrupted.Path, CsvFile)), File.ReadAllLines(Path.Combine(folder.Path, CsvFile)));
        Assert.Equal(SavedWeights(uninterrupted.Path), SavedWeights(folder.Path));
    }
}
