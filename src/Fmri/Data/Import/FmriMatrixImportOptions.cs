namespace Fmri.Data.Import;

/// <summary>
/// Which variables of a MATLAB or NumPy file hold the fMRI, and how they split into training and test. Two forms:
/// separate matrices (<see cref="Train"/> and <see cref="Test"/>, each trials x voxels), or one matrix
/// (<see cref="Fmri"/>) with a <see cref="Split"/> vector (1 = train, 2 = test, 3 = test imagery, as BData's
/// DataType; or the words train / test). Labels, ids and runs follow the same form. Setting names are the command
/// line's flags with underscores (<c>train_labels</c> is <c>--train-labels</c>).
/// </summary>
public sealed record FmriMatrixImportOptions
{
    /// <summary>Training trials x voxels.</summary>
    public string? Train { get; init; }

    /// <summary>Test trials x voxels (single trials, or averages: then give <see cref="TestRepeats"/>).</summary>
    public string? Test { get; init; }

    /// <summary>All trials x voxels, with <see cref="Split"/>.</summary>
    public string? Fmri { get; init; }

    /// <summary>Split of each row of <see cref="Fmri"/>.</summary>
    public string? Split { get; init; }

    public string? TrainLabels { get; init; }
    public string? TestLabels { get; init; }
    public string? Labels { get; init; }

    public string? TrainIds { get; init; }
    public string? TestIds { get; init; }
    public string? Ids { get; init; }

    public string? TrainRuns { get; init; }
    public string? TestRuns { get; init; }
    public string? Runs { get; init; }

    /// <summary>Text variable naming the categories in label order (default: the label values as text).</summary>
    public string? CategoryNames { get; init; }

    /// <summary>The matrices are voxels x trials (MATLAB users often store them so).</summary>
    public bool VoxelsFirst { get; init; }

    /// <summary>Presentations averaged into each test row (1: single trials).</summary>
    public int TestRepeats { get; init; } = 1;

    /// <summary>Name of the ROI that holds every imported voxel (preprocess selects it with <c>--roi all</c> too).</summary>
    public string RoiName { get; init; } = "all";

    /// <summary>Subject to record (default: the file name without extension).</summary>
    public string? Subject { get; init; }

    /// <summary>Throws an <see cref="InvalidSettingException"/> naming the first option that does not fit the form chosen.</summary>
    public void Validate()
    {
        bool separate = Train is not null || Test is not null;
        bool single = Fmri is not null;
        if (separate && single) throw new InvalidSettingException("fmri", $"'{Fmri}'", "cannot be combined with {train}/{test}: give one matrix with {split}, or separate matrices");
        if (!separate && !single) throw new InvalidSettingException("train", null, "is required: name the variables holding the fMRI, e.g. --train fmriTrn --test fmriTest, or --fmri X --split S");
        if (separate)
        {
            if (Train is null) throw new InvalidSettingException("train", null, "is required with {test}: the training fMRI variable");
            foreach (var (value, name) in new[] { (Split, "split"), (Labels, "labels"), (Ids, "ids"), (Runs, "runs") })
                if (value is not null) throw new InvalidSettingException(name, $"'{value}'", "belongs to the one-matrix form (--fmri); with {train}/{test} use the train-/test- options");
            if (Test is null)
                foreach (var (value, name) in new[] { (TestLabels, "test_labels"), (TestIds, "test_ids"), (TestRuns, "test_runs") })
                    if (value is not null) throw new InvalidSettingException(name, $"'{value}'", "needs {test}");
        }
        else
        {
            if (Split is null) throw new InvalidSettingException("split", null, "is required with {fmri}: the variable saying which rows are training and which test");
            foreach (var (value, name) in new[] { (TrainLabels, "train_labels"), (TestLabels, "test_labels"), (TrainIds, "train_ids"), (TestIds, "test_ids"), (TrainRuns, "train_runs"), (TestRuns, "test_runs") })
                if (value is not null) throw new InvalidSettingException(name, $"'{value}'", "belongs to the two-matrix form (--train/--test); with {fmri} use --labels, --ids, --runs");
        }
        Check.AtLeast(TestRepeats, 1, "test_repeats");
        if (string.IsNullOrWhiteSpace(RoiName) || RoiName.Contains('/'))
            throw new InvalidSettingException("roi_name", $"'{RoiName}'", "must be a name without '/'");
    }
}
