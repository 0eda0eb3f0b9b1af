using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Decoding.Personalization;
using Fmri.Core.IO;
using Fmri.Core.Plots;
using Fmri.Core.Runs;
using Fmri.Data.Layouts;

namespace Decoding.Cli;

/// <summary>
/// `decoding personalize`: a category decoder shared across subjects (a per-subject linear layer into a shared width,
/// then a shared trunk) trained on the old subjects; the new subject added by training only its own layer on a
/// fraction of its trials, against a model trained from scratch on the same trials. Writes personalization.json (every
/// draw, the old subjects' accuracy before and after), personalization.csv, personalization.png (accuracy against the
/// new subject's trials) and run.json.
/// </summary>
public static class PersonalizeCommand
{
    public const string ResultFile = "personalization.json";
    public const string TableFile = "personalization.csv";
    public const string PlotFile = "personalization.png";

    public static Command Create()
    {
        var defaults = new PersonalizationSettings();
        var data = CommonOptions.Files("--data", "preprocessed files of the old subjects (one subject each; the shared model is trained on them)");
        data.Required = true;
        var newSubject = new Option<string>("--new") { Description = "preprocessed file of the new subject", Required = true };
        var fractions = new Option<double[]>("--fractions")
        {
            Description = $"fractions of the new subject's training trials (default: {string.Join(' ', defaults.Fractions.Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture)))}; several: separated by spaces, or the flag repeated)",
            AllowMultipleArgumentsPerToken = true,
        };
        var repeats = new Option<int>("--repeats") { Description = "draws of the trial subset and initial weights per fraction", DefaultValueFactory = _ => defaults.Repeats };
        var width = new Option<int>("--width") { Description = "width of the shared space", DefaultValueFactory = _ => defaults.Width };
        var sharedSteps = new Option<int>("--shared-steps") { Description = "optimiser steps of the shared model", DefaultValueFactory = _ => defaults.Shared.Steps };
        var steps = new Option<int>("--steps") { Description = "optimiser steps for the new subject (its layer, or a model from scratch)", DefaultValueFactory = _ => defaults.NewSubject.Steps };
        var batch = new Option<int>("--batch-size", "--batch") { Description = "trials per step", DefaultValueFactory = _ => defaults.NewSubject.BatchSize };
        var lr = new Option<double>("--lr") { Description = "AdamW learning rate", DefaultValueFactory = _ => defaults.NewSubject.LearningRate };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => defaults.NewSubject.WeightDecay };
        var seed = CommonOptions.Seed(1);
        var output = new Option<string>("--out", "-o") { Description = "output folder", Required = true };
        var threads = CommonOptions.Threads();

        var command = new Command("personalize", "New-subject personalization: a shared multi-subject decoder, the new subject's own layer trained on 10%, 25%, 100% of its trials, against training from scratch")
        {
            data, newSubject, fractions, repeats, width, sharedSteps, steps, batch, lr, decay, seed, output, threads,
        };
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            Check.AtLeast(parse.GetValue(sharedSteps), 1, "shared_steps");
            var training = new TrainingSettings(1, parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(decay));
            var settings = new PersonalizationSettings
            {
                Width = parse.GetValue(width),
                Shared = training with { Steps = parse.GetValue(sharedSteps) },
                NewSubject = training with { Steps = parse.GetValue(steps) },
                Fractions = parse.GetValue(fractions) is { Length: > 0 } given ? given : defaults.Fractions,
                Repeats = parse.GetValue(repeats),
                Seed = parse.GetValue(seed),
            };
            settings.Validate();
            var oldFiles = CommonOptions.ExistingFiles(parse.GetValue(data), "data");
            string newFile = Check.ExistingFile(parse.GetValue(newSubject), "new");
            foreach (var f in oldFiles)
                Check.That(Path.GetFullPath(f) != Path.GetFullPath(newFile), "new", newFile, "is also one of the old subjects (--data)");
            string folder = Check.OutputFolder(parse.GetValue(output), "out", "personalize", [.. oldFiles.Select(f => ((string?)f, "data")), (newFile, "new")]);
            torchOptions.Apply(parse);

            var oldData = oldFiles.Select(f => (File: f, Data: CanonicalFile.ReadFinite(f))).ToList();
            var newData = CanonicalFile.ReadFinite(newFile);
            var categoryNames = newData.CategoryNames;
            foreach (var (file, d) in oldData)
                Check.That(d.CategoryNames.SequenceEqual(categoryNames), "data", file,
                    $"has categories ({string.Join(", ", d.CategoryNames)}) other than {newFile}'s ({string.Join(", ", categoryNames)}); the subjects must share the categories the decoder names");
            var oldSubjects = oldData.Select(o => SubjectTrials.From(o.Data, o.File, "data")).ToList();
            var target = SubjectTrials.From(newData, newFile, "new");
            int classes = Math.Max(categoryNames.Count, oldSubjects.Append(target).SelectMany(s => s.TrainLabels.Concat(s.TestLabels)).Max() + 1);
            var unseen = target.TestLabels.Except(target.TrainLabels.Concat(oldSubjects.SelectMany(o => o.TrainLabels))).Distinct().Order().ToList();
            if (unseen.Count > 0)
                Console.Error.WriteLine($"warning: {newFile}: the test trials show {unseen.Count} categor{(unseen.Count == 1 ? "y" : "ies")} that no training trial shows " +
                    $"({string.Join(", ", unseen.Select(k => k < categoryNames.Count ? categoryNames[k] : k.ToString(CultureInfo.InvariantCulture)))}); a category decoder cannot name them");

            var result = ConsoleProgress.Run("personalize", PersonalizationExperiment.RunCount(settings),
                progress => PersonalizationExperiment.Run(oldSubjects, target, classes, settings, progress));

            Directory.CreateDirectory(folder);
            string json = Path.Combine(folder, ResultFile);
            AtomicFile.WriteAllText(json, JsonSerializer.Serialize(new
            {
                old_subjects = result.OldSubjects,
                new_subject = result.NewSubject,
                new_subject_training_trials = result.NewTrainTrials,
                classes = result.Classes,
                labels_used = result.LabelsUsed,
                chance = result.Chance,
                old_accuracy_before = result.OldBefore,
                shared_final_loss = result.SharedLoss,
                points = result.Points.Select(p => new
                {
                    fraction = p.Fraction,
                    trials = p.Trials,
                    personalized_mean = p.PersonalizedMean,
                    scratch_mean = p.ScratchMean,
                    fine_tuned_mean = p.FineTunedMean,
                    random_trunk_mean = p.RandomTrunkMean,
                    fine_tuned_alone_mean = p.FineTunedAloneMean,
                    old_after_fine_tuning_alone_mean = p.OldAfterFineTuningAloneMean,
                    old_after_mean = p.OldAfterMean,
                    old_after_fine_tuning_mean = p.OldAfterFineTuningMean,
                    draws = p.Draws,
                }),
                note = "accuracy: top-1 category on the test split; personalized: only the new subject's layer trained, the shared trunk frozen; " +
                       "scratch: the same architecture trained whole on the same trials with the same steps; random_trunk: only the new layer trained, on a trunk that was never trained (frozen); " +
                       "fine_tuned_alone: the pretrained trunk and the new layer trained on the new subject alone with the same steps (MindEye2's fine-tuning), then the shared model restored; " +
                       "fine_tuned: trunk and every subject's layer trained together with the old subjects' batches mixed in (the new subject gets the same steps), then the shared model restored; " +
                       "old_after / old_after_fine_tuning_alone / old_after_fine_tuning: the old subjects' accuracy after personalizing / after fine-tuning alone / after fine-tuning with replay; " +
                       "chance: one over the categories the trials show",
            }, RunManifest.JsonOptions) + "\n");

            string csv = Path.Combine(folder, TableFile);
            var table = new StringBuilder("fraction,trials,repeat,personalized,scratch,random_trunk,fine_tuned_alone,fine_tuned,shared_unchanged,old_after_mean,old_after_fine_tuning_alone_mean,old_after_fine_tuning_mean\n");
            foreach (var p in result.Points)
                foreach (var d in p.Draws)
                    table.Append(CultureInfo.InvariantCulture, $"{p.Fraction},{p.Trials},{d.Repeat},{d.Personalized},{d.Scratch},{d.RandomTrunk},{d.FineTunedAlone},{d.FineTuned},{d.SharedUnchanged},{d.OldAfter.Average()},{d.OldAfterFineTuningAlone.Average()},{d.OldAfterFineTuning.Average()}\n");
            AtomicFile.WriteAllText(csv, table.ToString());

            string plot = Path.Combine(folder, PlotFile);
            var x = result.Points.Select(p => (double)p.Trials).ToArray();
            LinePlot.Save(plot,
                [
                    new PlotSeries("personalized (own layer)", x, result.Points.Select(p => p.PersonalizedMean).ToArray()),
                    new PlotSeries("from scratch", x, result.Points.Select(p => p.ScratchMean).ToArray()),
                    new PlotSeries("own layer, untrained trunk", x, result.Points.Select(p => p.RandomTrunkMean).ToArray()),
                    new PlotSeries("fine-tuned alone", x, result.Points.Select(p => p.FineTunedAloneMean).ToArray()),
                    new PlotSeries("fine-tuned + old batches", x, result.Points.Select(p => p.FineTunedMean).ToArray()),
                    new PlotSeries("old subjects, shared", x, x.Select(_ => result.OldBefore.Average()).ToArray()),
                    new PlotSeries("old, after fine-tuning", x, result.Points.Select(p => p.OldAfterFineTuningMean).ToArray()),
                ],
                new PlotLabels($"{result.NewSubject}: test accuracy, mean of {settings.Repeats}", "new subject's training trials", "top-1 category accuracy"),
                chance: new PlotSeries($"chance (1/{result.LabelsUsed})", x, x.Select(_ => result.Chance).ToArray()), yMin: 0, yMax: 1);

            new RunManifest
            {
                Command = "personalize",
                Arguments = CommandLineApp.Arguments,
                Config = new { data = oldFiles, @new = newFile, settings },
                Seeds = new Dictionary<string, long> { ["seed"] = settings.Seed },
                InputSha256 = RunManifest.HashInputs([.. oldFiles, newFile]),
                Outputs = [json, csv, plot],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(folder, "run.json"));

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"shared model on {string.Join(", ", result.OldSubjects)}: test accuracy {string.Join(", ", result.OldBefore.Select(a => a.ToString("P0", CultureInfo.InvariantCulture)))} (chance {result.Chance:P0})"));
            Console.WriteLine($"new subject {result.NewSubject}, mean of {settings.Repeats} draw(s):");
            Console.WriteLine("  fraction trials  personalized  from scratch  untrained trunk  fine-tuned alone  fine-tuned + replay   old subjects after: personalizing (shared bits kept)  fine-tuning alone  + replay");
            foreach (var p in result.Points)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {p.Fraction,8:P1} {p.Trials,6} {p.PersonalizedMean,13:P1} {p.ScratchMean,13:P1} {p.RandomTrunkMean,16:P1} {p.FineTunedAloneMean,17:P1} {p.FineTunedMean,20:P1}   {p.OldAfterMean,36:P1} ({p.Draws.All(d => d.SharedUnchanged)}) {p.OldAfterFineTuningAloneMean,18:P1} {p.OldAfterFineTuningMean,9:P1}"));
            Console.WriteLine($"personalization in {clock.Elapsed.TotalSeconds:F1} s; wrote {folder}");
            return 0;
        }, new Dictionary<string, string>
        {
            ["batch_size"] = "--batch-size",
            ["lr"] = "--lr",
            ["weight_decay"] = "--weight-decay",
        }));
        return command;
    }
}
