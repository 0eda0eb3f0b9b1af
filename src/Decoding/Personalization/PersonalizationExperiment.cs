using static TorchSharp.torch;

namespace Decoding.Personalization;

/// <summary>The experiment's settings.</summary>
public sealed record PersonalizationSettings
{
    /// <summary>Width H of the shared space.</summary>
    public int Width { get; init; } = 64;

    /// <summary>Training of the shared model on the old subjects (trunk and their layers together).</summary>
    public TrainingSettings Shared { get; init; } = new(Steps: 1500);

    /// <summary>Training of the new subject in every arm (its layer alone, a whole model, the fine-tunings), with the same budget.</summary>
    public TrainingSettings NewSubject { get; init; } = new(Steps: 600);

    /// <summary>Fractions of the new subject's training trials, each in (0, 1].</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.1, 0.25, 1.0];

    /// <summary>Draws of the trial subset and initial weights per fraction.</summary>
    public int Repeats { get; init; } = 3;

    public long Seed { get; init; } = 1;

    public void Validate()
    {
        if (Width < 1) throw new InvalidSettingException("width", Width, "must be >= 1");
        Shared.Validate();
        NewSubject.Validate();
        if (Fractions.Count == 0) throw new InvalidSettingException("fractions", null, "is required (one or more fractions)");
        foreach (var f in Fractions)
            if (!(f > 0 && f <= 1)) throw new InvalidSettingException("fractions", f, "each fraction must be in (0, 1]");
        if (Repeats < 1) throw new InvalidSettingException("repeats", Repeats, "must be >= 1");
    }
}

/// <summary>One draw at one fraction: the new subject's test accuracy in each of the five arms, and the old subjects' after each arm that touches the shared model.</summary>
/// <param name="SharedUnchanged">The trunk's and the old subjects' layers' values were bit for bit the same after personalizing.</param>
/// <param name="OldAfter">Each old subject's test accuracy after personalizing (with the new layer in place).</param>
/// <param name="FineTuned">Fine-tuned with replay: the new subject's accuracy when the trunk and every subject's layer train together, the old subjects' batches mixed in.</param>
/// <param name="OldAfterFineTuning">Each old subject's test accuracy after that joint fine-tuning.</param>
/// <param name="RandomTrunk">The control for the shared trunk: the new subject's layer trained the same way on a trunk
/// that was never trained (seeded initial weights, frozen). The gain of <paramref name="Personalized"/> over it is what
/// the old subjects' training put into the trunk.</param>
/// <param name="FineTunedAlone">The whole pretrained model (trunk and the new layer) fine-tuned on the new subject alone,
/// as MindEye2 fine-tunes its multi-subject model on a new subject; the same steps as personalizing.</param>
/// <param name="OldAfterFineTuningAlone">Each old subject's test accuracy after that fine-tuning (its layer untouched).</param>
/// <param name="TrainRows">The new subject's training trials this draw used (rows of its training split, in the order drawn).</param>
public sealed record PersonalizationDraw(int Repeat, double Personalized, double Scratch, double FineTuned, bool SharedUnchanged, double[] OldAfter,
    double[] OldAfterFineTuning, ulong SubsetSeed, ulong PersonalizedSeed, ulong ScratchSeed, ulong FineTuningSeed,
    double PersonalizedLoss, double ScratchLoss, double FineTuningLoss,
    double RandomTrunk, double FineTunedAlone, double[] OldAfterFineTuningAlone, ulong RandomTrunkSeed, ulong FineTuningAloneSeed,
    double RandomTrunkLoss, double FineTuningAloneLoss, int[] TrainRows);

/// <summary>The draws of one fraction of the new subject's trials.</summary>
public sealed record PersonalizationPoint(double Fraction, int Trials, IReadOnlyList<PersonalizationDraw> Draws)
{
    public double PersonalizedMean => Draws.Average(d => d.Personalized);

    public double ScratchMean => Draws.Average(d => d.Scratch);

    public double FineTunedMean => Draws.Average(d => d.FineTuned);

    public double RandomTrunkMean => Draws.Average(d => d.RandomTrunk);

    public double FineTunedAloneMean => Draws.Average(d => d.FineTunedAlone);

    /// <summary>The old subjects' mean test accuracy after the new subject's fine-tuning alone, over draws.</summary>
    public double OldAfterFineTuningAloneMean => Draws.Average(d => d.OldAfterFineTuningAlone.Average());

    /// <summary>The old subjects' mean test accuracy after personalizing (trunk frozen), over draws.</summary>
    public double OldAfterMean => Draws.Average(d => d.OldAfter.Average());

    /// <summary>The old subjects' mean test accuracy after joint fine-tuning, over draws.</summary>
    public double OldAfterFineTuningMean => Draws.Average(d => d.OldAfterFineTuning.Average());
}

/// <param name="OldBefore">Each old subject's test accuracy with the shared model before the new subject was added.</param>
/// <param name="SharedLoss">The shared model's final training loss (mean of the last tenth of its steps).</param>
/// <param name="Classes">The decoder's output classes (the files' category names).</param>
/// <param name="LabelsUsed">The categories that occur in the subjects' trials: chance is one over them.</param>
public sealed record PersonalizationResult(IReadOnlyList<string> OldSubjects, string NewSubject, int NewTrainTrials, int Classes, int LabelsUsed,
    double[] OldBefore, double SharedLoss, ulong SharedSeed, IReadOnlyList<PersonalizationPoint> Points)
{
    public double Chance => 1.0 / LabelsUsed;
}

/// <summary>
/// New-subject personalization: a shared <see cref="MultiSubjectDecoder"/> (MindEye2's layout: one linear layer per
/// subject into a shared space, then a shared trunk) is trained on subjects 1..N-1; subject N is then added by training
/// only its own input layer on a fraction of its training trials, the trunk frozen, which preserves the old subjects
/// exactly (their accuracy is measured before and after). DreamBooth's idea carried over: adapt a pretrained model to
/// a new "subject" from few examples without losing what it knew. The comparisons, each on the same trials with the
/// same step budget for the new subject:
/// <list type="bullet">
/// <item>a whole model of the same architecture trained from scratch;</item>
/// <item>the new layer trained on a trunk that was never trained (the control for what the old subjects put into it);</item>
/// <item>the whole pretrained model fine-tuned on the new subject alone, as MindEye2 does (its old subjects' layers
/// untouched; their accuracy after it measures what the fine-tuning cost them);</item>
/// <item>joint fine-tuning of the trunk with the new layer, every step's minibatch from the next subject in turn, old
/// ones included (replay of the old subjects' real trials, in the spirit of DreamBooth's prior preservation, whose
/// class samples are generated by the frozen model instead; the old subjects' layers train too).</item>
/// </list>
/// After each fine-tuning the shared model is restored bit for bit. Each fraction's trials are the first ones of a
/// seeded permutation (per draw), so the smaller subsets are nested in the larger.
/// <para>
/// Seeds: the shared model's generator, and per draw r and fraction i the subset's, the personalized layer's, the
/// scratch model's, the fine-tunings' and the random trunk's, are SplitMix64 mixes of <see cref="PersonalizationSettings.Seed"/> with a stream number, r and i
/// (<see cref="DerivedSeed"/>); every one is recorded in the result.
/// </para>
/// </summary>
public static class PersonalizationExperiment
{
    /// <summary>Runs the experiment; <paramref name="oldSubjects"/> and <paramref name="newSubject"/> must share the categories.</summary>
    /// <param name="progress">Receives the completed training runs (1 shared + 5 per draw and fraction).</param>
    public static PersonalizationResult Run(IReadOnlyList<SubjectTrials> oldSubjects, SubjectTrials newSubject, int classes,
        PersonalizationSettings settings, IProgress<ProgressUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(oldSubjects);
        ArgumentNullException.ThrowIfNull(newSubject);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (oldSubjects.Count == 0) throw new InvalidSettingException("data", null, "needs at least one old subject");
        var names = oldSubjects.Select(s => s.Name).Append(newSubject.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new InvalidSettingException("data", string.Join(", ", names), "the subjects' names must differ (each file one subject)");

        int done = 0;
        ulong sharedSeed = DerivedSeed(settings.Seed, 0, 0, 0);
        using var sharedGenerator = new Generator(sharedSeed);
        using var shared = new MultiSubjectDecoder(new SharedTrunk(settings.Width, classes, sharedGenerator));
        foreach (var s in oldSubjects) shared.AddSubject(s.Name, s.VoxelCount, sharedGenerator);
        double sharedLoss = SubjectTraining.TrainAll(shared, oldSubjects, settings.Shared, sharedGenerator);
        progress?.Report(new ProgressUpdate(++done, "shared model"));
        var oldBefore = oldSubjects.Select(shared.TestAccuracy).ToArray();

        var draws = settings.Fractions.Select(_ => new List<PersonalizationDraw>()).ToList();
        var trialCounts = settings.Fractions.Select(f => Math.Max(1, (int)Math.Round(f * newSubject.TrainCount))).ToArray();
        for (int r = 0; r < settings.Repeats; r++)
        {
            ulong subsetSeed = DerivedSeed(settings.Seed, 1, r, 0);
            using var subsetGenerator = new Generator(subsetSeed);
            using var permutation = randperm(newSubject.TrainCount, generator: subsetGenerator);
            var order = permutation.data<long>().Select(v => (int)v).ToArray();
            for (int i = 0; i < settings.Fractions.Count; i++)
            {
                var subset = newSubject.WithTrainRows(order[..trialCounts[i]]);

                ulong personalSeed = DerivedSeed(settings.Seed, 2, r, i);
                using var personalGenerator = new Generator(personalSeed);
                var before = shared.Snapshot();
                shared.AddSubject(subset.Name, subset.VoxelCount, personalGenerator);
                double personalLoss = SubjectTraining.TrainSubjectOnly(shared, subset, settings.NewSubject, personalGenerator);
                double personalized = shared.TestAccuracy(subset);
                bool unchanged = MultiSubjectDecoder.SameBits(before, shared.Snapshot(except: subset.Name));
                var oldAfter = oldSubjects.Select(shared.TestAccuracy).ToArray();
                shared.RemoveSubject(subset.Name);
                progress?.Report(new ProgressUpdate(++done, $"personalized, {trialCounts[i]} trials"));

                ulong scratchSeed = DerivedSeed(settings.Seed, 3, r, i);
                using var scratchGenerator = new Generator(scratchSeed);
                using var scratch = new MultiSubjectDecoder(new SharedTrunk(settings.Width, classes, scratchGenerator));
                scratch.AddSubject(subset.Name, subset.VoxelCount, scratchGenerator);
                double scratchLoss = SubjectTraining.TrainAll(scratch, [subset], settings.NewSubject, scratchGenerator);
                double fromScratch = scratch.TestAccuracy(subset);
                progress?.Report(new ProgressUpdate(++done, $"from scratch, {trialCounts[i]} trials"));

                // Trains the shared model with the new subject's layer added on `subjects`' batches, measures, then restores it.
                (double Loss, double NewAccuracy, double[] OldAccuracy) FineTune(ulong seed, IReadOnlyList<SubjectTrials> subjects, TrainingSettings training, string what)
                {
                    using var generator = new Generator(seed);
                    var saved = shared.CloneState();
                    shared.AddSubject(subset.Name, subset.VoxelCount, generator);
                    double loss = SubjectTraining.TrainAll(shared, subjects, training, generator);
                    double accuracy = shared.TestAccuracy(subset);
                    var old = oldSubjects.Select(shared.TestAccuracy).ToArray();
                    shared.RemoveSubject(subset.Name);
                    shared.Restore(saved);
                    if (!MultiSubjectDecoder.SameBits(before, shared.Snapshot()))
                        throw new InvalidOperationException($"personalization: the shared model was not restored after fine-tuning {what}");
                    return (loss, accuracy, old);
                }

                ulong fineSeed = DerivedSeed(settings.Seed, 4, r, i);
                var replay = settings.NewSubject with { Steps = settings.NewSubject.Steps * (oldSubjects.Count + 1) };
                var (fineLoss, fineTuned, oldAfterFineTuning) = FineTune(fineSeed, [.. oldSubjects, subset], replay, "with replay");
                progress?.Report(new ProgressUpdate(++done, $"fine-tuned with replay, {trialCounts[i]} trials"));

                ulong randomSeed = DerivedSeed(settings.Seed, 5, r, i);
                using var randomGenerator = new Generator(randomSeed);
                using var untrained = new MultiSubjectDecoder(new SharedTrunk(settings.Width, classes, randomGenerator));
                untrained.AddSubject(subset.Name, subset.VoxelCount, randomGenerator);
                double randomLoss = SubjectTraining.TrainSubjectOnly(untrained, subset, settings.NewSubject, randomGenerator);
                double randomTrunk = untrained.TestAccuracy(subset);
                progress?.Report(new ProgressUpdate(++done, $"own layer on an untrained trunk, {trialCounts[i]} trials"));

                ulong aloneSeed = DerivedSeed(settings.Seed, 6, r, i);
                var (aloneLoss, fineTunedAlone, oldAfterAlone) = FineTune(aloneSeed, [subset], settings.NewSubject, "on the new subject alone");
                progress?.Report(new ProgressUpdate(++done, $"fine-tuned on the new subject alone, {trialCounts[i]} trials"));

                draws[i].Add(new PersonalizationDraw(r, personalized, fromScratch, fineTuned, unchanged, oldAfter, oldAfterFineTuning,
                    subsetSeed, personalSeed, scratchSeed, fineSeed, personalLoss, scratchLoss, fineLoss,
                    randomTrunk, fineTunedAlone, oldAfterAlone, randomSeed, aloneSeed, randomLoss, aloneLoss, order[..trialCounts[i]]));
            }
        }
        var points = settings.Fractions.Select((f, i) => new PersonalizationPoint(f, trialCounts[i], draws[i])).ToList();
        int labelsUsed = oldSubjects.Append(newSubject).SelectMany(s => s.TrainLabels.Concat(s.TestLabels)).Distinct().Count();
        return new PersonalizationResult(oldSubjects.Select(s => s.Name).ToList(), newSubject.Name, newSubject.TrainCount, classes, labelsUsed,
            oldBefore, sharedLoss, sharedSeed, points);
    }

    /// <summary>Training runs <see cref="Run"/> reports: the shared model, then five per draw and fraction.</summary>
    public static int RunCount(PersonalizationSettings settings) => 1 + 5 * settings.Repeats * settings.Fractions.Count;

    /// <summary>
    /// The seed of stream <paramref name="stream"/> (0 shared, 1 subset, 2 personalized, 3 scratch, 4 fine-tuning with
    /// replay, 5 untrained trunk, 6 fine-tuning alone) for draw r and fraction i: SplitMix64 of the mixed inputs.
    /// </summary>
    public static ulong DerivedSeed(long seed, int stream, int repeat, int fraction)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream * 0xD1B54A32D192ED03UL
                            + (ulong)repeat * 0x8CB92BA72F3D8DD7UL + (ulong)fraction * 0xABC98388FB8FAC03UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
