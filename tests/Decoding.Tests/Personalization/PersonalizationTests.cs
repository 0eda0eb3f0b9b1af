using System.Text.Json;
using Decoding.Cli;
using Decoding.Personalization;
using Decoding.Tests.Cli;
using Fmri.Data;
using Fmri.Data.Layouts;
using static TorchSharp.torch;

namespace Decoding.Tests.Personalization;

/// <summary>New-subject personalization: a shared trunk, per-subject input layers, training only the new subject's.</summary>
public class PersonalizationTests
{
    /// <summary>A synthetic subject: its own voxel count and random projection of the same four shape categories.</summary>
    internal static SubjectTrials Subject(string name, int voxels, int seed, int trainPerClass = 8)
    {
        var (fmri, _) = SyntheticBrainData.Create(voxels: voxels, trainPerClass: trainPerClass, testPerClass: 2, noise: 0.3, seed: seed);
        return SubjectTrials.From(fmri with { Subject = name }, $"{name}.h5", "data");
    }

    private static readonly TrainingSettings Short = new(Steps: 40, BatchSize: 8, LearningRate: 1e-2, WeightDecay: 0.01);

    private static MultiSubjectDecoder SharedModel(IReadOnlyList<SubjectTrials> old, Generator generator)
    {
        var model = new MultiSubjectDecoder(new SharedTrunk(16, 4, generator));
        foreach (var s in old) model.AddSubject(s.Name, s.VoxelCount, generator);
        SubjectTraining.TrainAll(model, old, Short, generator);
        return model;
    }

    [Fact]
    public void Personalization_changes_only_the_new_subjects_layer_and_the_shared_weights_stay_bit_identical()
    {
        var old = new[] { Subject("s1", 40, 1), Subject("s2", 52, 2) };
        var newcomer = Subject("s3", 47, 3);
        using var generator = new Generator(11);
        using var model = SharedModel(old, generator);
        var trunkBefore = model.SharedSnapshot();
        var allBefore = model.Snapshot();
        var oldBefore = old.Select(model.TestAccuracy).ToArray();

        var layer = model.AddSubject(newcomer.Name, newcomer.VoxelCount, generator);
        var layerBefore = MultiSubjectDecoder.Snapshot(layer);
        SubjectTraining.TrainSubjectOnly(model, newcomer, Short, generator);

        Assert.True(MultiSubjectDecoder.SameBits(trunkBefore, model.SharedSnapshot()), "the shared trunk changed");
        Assert.True(MultiSubjectDecoder.SameBits(allBefore, model.Snapshot(except: newcomer.Name)), "the trunk or an old subject's layer changed");
        Assert.Equal(oldBefore, old.Select(model.TestAccuracy).ToArray());
        // The subject part did train: every one of its tensors moved.
        var layerAfter = MultiSubjectDecoder.Snapshot(layer);
        Assert.All(layerBefore, p => Assert.False(p.Value.AsSpan().SequenceEqual(layerAfter[p.Key]), $"{p.Key} did not change"));
        // The trunk trains again afterwards (its gradients were switched back on) ...
        Assert.All(model.Trunk.parameters(), p => Assert.True(p.requires_grad));
        // ... and joint training does change it: the comparison above can fail.
        SubjectTraining.TrainAll(model, [.. old, newcomer], Short, generator);
        Assert.False(MultiSubjectDecoder.SameBits(trunkBefore, model.SharedSnapshot()));
    }

    [Fact]
    public void A_saved_state_restores_the_model_bit_for_bit_after_joint_training()
    {
        var old = new[] { Subject("s1", 40, 1), Subject("s2", 52, 2) };
        using var generator = new Generator(12);
        using var model = SharedModel(old, generator);
        var before = model.Snapshot();
        var saved = model.CloneState();
        SubjectTraining.TrainAll(model, old, Short, generator);
        Assert.False(MultiSubjectDecoder.SameBits(before, model.Snapshot()));
        model.Restore(saved);
        Assert.True(MultiSubjectDecoder.SameBits(before, model.Snapshot()));
    }

    [Fact]
    public void The_experiment_nests_the_subsets_keeps_old_subjects_exactly_and_repeats_from_its_seed()
    {
        var old = new[] { Subject("s1", 40, 1, trainPerClass: 10), Subject("s2", 52, 2, trainPerClass: 10) };
        var newcomer = Subject("s3", 47, 3, trainPerClass: 10);
        var settings = new PersonalizationSettings
        {
            Width = 16, Shared = Short, NewSubject = Short with { Steps = 30 }, Fractions = [0.1, 0.5, 1.0], Repeats = 2, Seed = 5,
        };
        var result = PersonalizationExperiment.Run(old, newcomer, 4, settings);
        Assert.Equal(new[] { 4, 20, 40 }, result.Points.Select(p => p.Trials));
        Assert.Equal(0.25, result.Chance);
        foreach (var draw in result.Points.SelectMany(p => p.Draws))
        {
            Assert.True(draw.SharedUnchanged);
            Assert.Equal(result.OldBefore, draw.OldAfter);
            Assert.All(new[] { draw.Personalized, draw.Scratch, draw.FineTuned, draw.RandomTrunk, draw.FineTunedAlone }, a => Assert.InRange(a, 0, 1));
            // Fine-tuning on the new subject alone moves the trunk under the old subjects' untouched layers.
            Assert.Equal(old.Length, draw.OldAfterFineTuningAlone.Length);
        }
        // Within a draw the smaller subsets are the first trials of the larger ones; each draw orders the trials anew.
        for (int r = 0; r < settings.Repeats; r++)
        {
            var rows = result.Points.Select(p => p.Draws[r].TrainRows).ToList();
            Assert.Equal(new[] { 4, 20, 40 }, rows.Select(x => x.Length));
            for (int i = 1; i < rows.Count; i++) Assert.Equal(rows[i - 1], rows[i][..rows[i - 1].Length]);
            Assert.Equal(Enumerable.Range(0, 40), rows[^1].Order());
        }
        Assert.NotEqual(result.Points[^1].Draws[0].TrainRows, result.Points[^1].Draws[1].TrainRows);
        // Each draw has its own subset, initial weights and batches; the seeds are distinct.
        var seeds = result.Points.SelectMany(p => p.Draws)
            .SelectMany(d => new[] { d.PersonalizedSeed, d.ScratchSeed, d.FineTuningSeed, d.RandomTrunkSeed, d.FineTuningAloneSeed }).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        // With all trials the personalized layer learns the new subject well above chance (4 classes, noise 0.3).
        Assert.True(result.Points[^1].PersonalizedMean > 0.5, $"personalized accuracy {result.Points[^1].PersonalizedMean}");

        // Chance is one over the categories the trials show, not over the decoder's outputs (a file may name more).
        var wide = PersonalizationExperiment.Run(old, newcomer, 10, settings with { Fractions = [1.0], Repeats = 1 });
        Assert.Equal((10, 4, 0.25), (wide.Classes, wide.LabelsUsed, wide.Chance));

        var again = PersonalizationExperiment.Run(old, newcomer, 4, settings);
        Assert.Equal(JsonSerializer.Serialize(result), JsonSerializer.Serialize(again));
    }

    [Fact]
    public void Subject_trials_split_by_the_file_and_a_subset_keeps_the_rows_asked_for()
    {
        var (fmri, _) = SyntheticBrainData.Create(voxels: 10, trainPerClass: 3, testPerClass: 1, seed: 4);
        var trials = SubjectTrials.From(fmri, "x.h5", "data");
        var train = fmri.IndicesOf(DataSplit.Train);
        Assert.Equal(12, trials.TrainCount);
        Assert.Equal(4, trials.TestCount);
        Assert.Equal("synthetic", trials.Name);
        Assert.Equal(fmri.Sample(train[5]).ToArray(), trials.TrainVoxels.AsSpan(5 * 10, 10).ToArray());
        var subset = trials.WithTrainRows([7, 2]);
        Assert.Equal(new[] { fmri.CategoryLabels[train[7]], fmri.CategoryLabels[train[2]] }, subset.TrainLabels);
        Assert.Equal(fmri.Sample(train[2]).ToArray(), subset.TrainVoxels.AsSpan(10, 10).ToArray());
        Assert.Equal(trials.TestVoxels, subset.TestVoxels);

        var unlabelled = fmri with { CategoryLabels = [.. fmri.CategoryLabels.Select((l, i) => i == 0 ? -1 : l)] };
        Assert.Equal("data", Assert.Throws<InvalidSettingException>(() => SubjectTrials.From(unlabelled, "x.h5", "data")).Setting);
    }
}

/// <summary>`decoding personalize` on three tiny synthetic subjects.</summary>
public sealed class PersonalizeCommandTests : IDisposable
{
    private readonly TempFolder folder = new();

    public PersonalizeCommandTests()
    {
        for (int k = 1; k <= 3; k++)
        {
            var (fmri, _) = SyntheticBrainData.Create(voxels: 30 + 7 * k, trainPerClass: 10, testPerClass: 2, noise: 0.3, seed: k);
            CanonicalFile.Write(File(k), fmri with { Subject = $"s{k}" });
        }
    }

    private string File(int k) => Path.Combine(folder.Path, $"s{k}.h5");

    /// <summary>The command's arguments; <paramref name="replace"/> ("--flag value ...") replaces that flag's default here.</summary>
    private string[] Arguments(string output, string? replace = null)
    {
        var options = new List<(string Flag, string[] Values)>
        {
            ("--data", [File(1), File(2)]), ("--new", [File(3)]), ("--fractions", ["0.25", "1"]), ("--repeats", ["1"]), ("--width", ["8"]),
            ("--shared-steps", ["20"]), ("--steps", ["10"]), ("--batch-size", ["8"]), ("--threads", ["1"]), ("--out", [output]),
        };
        if (replace is not null)
        {
            var parts = replace.Split(' ');
            int at = options.FindIndex(o => o.Flag == parts[0]);
            options[at] = (parts[0], parts[1..]);
        }
        return ["personalize", .. options.SelectMany(o => o.Values.Prepend(o.Flag))];
    }

    [Fact]
    public void Personalize_writes_the_curve_the_table_and_run_json()
    {
        string output = folder.Sub("out");
        var run = CliTestHarness.Run(Arguments(output));
        Assert.True(run.Exit == 0, run.Err);
        foreach (var file in new[] { PersonalizeCommand.ResultFile, PersonalizeCommand.TableFile, PersonalizeCommand.PlotFile, "run.json" })
            Assert.True(System.IO.File.Exists(Path.Combine(output, file)), file);
        using var result = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(output, PersonalizeCommand.ResultFile)));
        Assert.Equal("s3", result.RootElement.GetProperty("new_subject").GetString());
        Assert.Equal(new[] { 10, 40 }, result.RootElement.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("trials").GetInt32()));
        Assert.Equal(3, System.IO.File.ReadAllLines(Path.Combine(output, PersonalizeCommand.TableFile)).Length);
        using var manifest = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(output, "run.json")));
        Assert.Equal("personalize", manifest.RootElement.GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("--fractions 0", "--fractions 0: each fraction must be in (0, 1]")]
    [InlineData("--repeats 0", "--repeats 0")]
    [InlineData("--shared-steps 0", "--shared-steps 0")]
    [InlineData("--new DATA1", "is also one of the old subjects")]
    [InlineData("--new MISSING", "--new")]
    [InlineData("--new TEXT", "not-hdf5.h5")]
    [InlineData("--out TEXT", "is an existing file; name a folder")]
    public void Bad_arguments_are_one_line_errors_and_write_nothing(string arguments, string expected)
    {
        string output = folder.Sub("bad");
        string text = Path.Combine(folder.Path, "not-hdf5.h5");
        System.IO.File.WriteAllText(text, "not an HDF5 file");
        var run = CliTestHarness.Run(Arguments(output, arguments.Replace("DATA1", File(1)).Replace("MISSING", Path.Combine(folder.Path, "none.h5")).Replace("TEXT", text)));
        Assert.Equal(CliErrors.BadInput, run.Exit);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on standard error, got:\n{run.Err}");
        Assert.Contains(expected, lines[0]);
        Assert.False(Directory.Exists(output));
    }

    public void Dispose() => folder.Dispose();
}
