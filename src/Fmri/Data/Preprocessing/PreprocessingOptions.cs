namespace Fmri.Data.Preprocessing;

/// <summary>
/// Settings of <see cref="Preprocessor.Run"/>. Defaults follow the Generic Object Decoding / MinD-Vis setting:
/// visual cortex, per-run z-scoring with training statistics, test repeats averaged, padding to 16-voxel patches.
/// </summary>
public sealed record PreprocessingOptions
{
    /// <summary>
    /// ROI expression: one region ("VC"), a union ("V1+V2+V3", "V1 | V2"), BData spellings ("ROI_VC",
    /// "ROI_VC = 1"), or "all" for every voxel. Default "VC" (visual cortex, the region MinD-Vis decodes from).
    /// </summary>
    public string Roi { get; init; } = "VC";

    /// <summary>Voxel-wise z-scoring mode. Default <see cref="ZScoreMode.PerRun"/>.</summary>
    public ZScoreMode ZScore { get; init; } = ZScoreMode.PerRun;

    /// <summary>
    /// Statistics that z-score the test samples. Default <see cref="Preprocessing.TestRunStatistics.TrainingPooled"/>
    /// (training statistics only); <see cref="Preprocessing.TestRunStatistics.OwnRun"/> is the transductive choice.
    /// </summary>
    public TestRunStatistics TestRunStatistics { get; init; } = TestRunStatistics.TrainingPooled;

    /// <summary>Remove a least-squares line over sample order within each run (and split). Default false.</summary>
    public bool Detrend { get; init; }

    /// <summary>
    /// When detrending, keep each run's mean (true, default: only the slope is removed) or remove it too (false).
    /// </summary>
    public bool DetrendKeepsRunMean { get; init; } = true;

    /// <summary>Average repeated presentations of the same stimulus in the test splits. Default true.</summary>
    public bool AverageTestRepeats { get; init; } = true;

    /// <summary>Average repeated presentations of the same stimulus in the training split too. Default false.</summary>
    public bool AverageTrainRepeats { get; init; }

    /// <summary>
    /// Patch size of the masked brain autoencoder; the voxel axis is zero-padded to a multiple of it. Default 16
    /// (MinD-Vis). 1 means no padding.
    /// </summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>
    /// Allow a stimulus id to appear in both the training and a test split (recorded in provenance and report).
    /// Default false: such leakage fails with <see cref="DataFormatException"/>.
    /// </summary>
    public bool AllowSharedStimuli { get; init; }

    /// <summary>
    /// When given, the test split is the perception samples showing these stimuli and every other perception sample
    /// is training (imagery samples stay imagery). Default null: the split stored in the file (BData DataType).
    /// </summary>
    public IReadOnlyList<StimulusId>? TestStimulusIds { get; init; }

    /// <summary>Keep imagery samples (split <see cref="DataSplit.TestImagery"/>). Default false: they are dropped.</summary>
    public bool IncludeImagery { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Roi))
            throw new InvalidSettingException("roi", null, "must name at least one region (e.g. \"VC\" or \"V1+V2\")");
        RoiSelection.ParseExpression(Roi); // throws ArgumentException for a malformed expression
        if (PatchSize <= 0)
            throw new InvalidSettingException("patch_size", PatchSize, "must be at least 1");
        if (!Enum.IsDefined(ZScore))
            throw new InvalidSettingException("zscore", (int)ZScore, "is not a z-scoring mode");
        if (!Enum.IsDefined(TestRunStatistics))
            throw new InvalidSettingException("test_run_statistics", (int)TestRunStatistics, "is not a rule for test-run statistics");
        if (TestStimulusIds is not null)
        {
            if (TestStimulusIds.Count == 0)
                throw new InvalidSettingException("test_stimuli", null, "names no stimulus; leave it out to use the split stored in the file");
            if (TestStimulusIds.Any(id => string.IsNullOrWhiteSpace(id.Value)))
                throw new InvalidSettingException("test_stimuli", null, "contains an empty id");
        }
    }
}
