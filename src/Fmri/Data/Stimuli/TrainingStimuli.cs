using Fmri.Data.Layouts;

namespace Fmri.Data.Stimuli;

/// <summary>
/// Which images of a stimulus file the image networks (scoring classifier, VAE, LDM) may train on: the training
/// stimuli only, never an image the decoders are tested on. Chosen by exactly one of: the fMRI file whose training
/// trials name them (<see cref="FmriFile"/>: stimuli of samples in the train split; test and imagery stimuli left
/// out), a text file of ids (<see cref="IdsFile"/>, one per line, <c>#</c> comments), or every image
/// (<see cref="AllImages"/>, an explicit choice for image sets that are not an experiment's stimuli).
/// </summary>
public sealed record TrainingStimuli
{
    public string? FmriFile { get; init; }
    public string? IdsFile { get; init; }
    public bool AllImages { get; init; }

    /// <summary>The chosen images of <paramref name="set"/> (read from <paramref name="stimuliPath"/>), a sentence saying which, and the files read.</summary>
    public (StimulusImageSet Set, string Description, IReadOnlyList<string> Files) Select(StimulusImageSet set, string stimuliPath)
    {
        ArgumentNullException.ThrowIfNull(set);
        int chosen = (FmriFile is null ? 0 : 1) + (IdsFile is null ? 0 : 1) + (AllImages ? 1 : 0);
        if (chosen == 0)
            throw new InvalidSettingException("data", null, $"is required with the stimulus file {stimuliPath}: the fMRI file whose training trials select the images (or --train-ids FILE, or --all-images to train on every image, test stimuli included)");
        if (chosen > 1) throw new InvalidSettingException("data", FmriFile, "choose one of {data}, {train_ids} and {all_images}");
        if (AllImages) return (set, $"all {set.Count} images of {stimuliPath} (test stimuli included, by --all-images)", [stimuliPath]);

        HashSet<StimulusId> wanted;
        HashSet<StimulusId> testIds = [];
        string from;
        if (FmriFile is not null)
        {
            Check.ExistingFile(FmriFile, "data");
            var data = FmriFileReader.Read(FmriFile, new FmriReadOptions { HashSource = false });
            wanted = data.IndicesOf(DataSplit.Train).Select(i => data.StimulusIds[i]).ToHashSet();
            testIds = Enumerable.Range(0, data.SampleCount).Where(i => data.Splits[i] != DataSplit.Train).Select(i => data.StimulusIds[i]).ToHashSet();
            from = $"the training trials of {FmriFile}";
            if (wanted.Count == 0) throw new InvalidSettingException("data", FmriFile, "has no training trials");
        }
        else
        {
            Check.ExistingFile(IdsFile, "train_ids");
            wanted = File.ReadAllLines(IdsFile!).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => new StimulusId(l)).ToHashSet();
            from = $"the ids listed in {IdsFile}";
            if (wanted.Count == 0) throw new InvalidSettingException("train_ids", IdsFile, "lists no stimulus id");
        }
        var missing = wanted.Where(id => set.Find(id) < 0).Order().ToList();
        if (missing.Count > 0)
            throw new DataFormatException(stimuliPath, "stimulus_id", $"has no image for {missing.Count} of the {wanted.Count} training stimuli of {from} (e.g. '{missing[0]}'; the file's ids run {set.StimulusIds[0]} ... {set.StimulusIds[^1]}); import the images and the fMRI from the same file so their ids agree");
        var shared = wanted.Intersect(testIds).Order().ToList();
        var indices = Enumerable.Range(0, set.Count).Where(i => wanted.Contains(set.StimulusIds[i]) && !testIds.Contains(set.StimulusIds[i])).ToArray();
        string sharedNote = shared.Count > 0 ? $"; {shared.Count} stimuli in both splits left out (e.g. '{shared[0]}')" : "";
        return (set.Subset(indices), $"{indices.Length} training stimuli of {stimuliPath}, chosen by {from} ({set.Count - indices.Length} others left out{sharedNote})",
            FmriFile is null ? [stimuliPath, IdsFile!] : [stimuliPath, FmriFile]);
    }
}
