using System.Globalization;
using System.Text;
using Fmri.Data.Layouts;

namespace Fmri.Data.Preprocessing;

/// <summary>The numbers of one <see cref="Preprocessor.Run"/>, and <see cref="Summary"/>, a short text for people.</summary>
public sealed record PreprocessingReport
{
    public required string SourceFile { get; init; }

    public string Subject { get; init; } = "";

    // 1. ROI selection
    public required string RoiExpression { get; init; }

    /// <summary>The data set's ROI names the expression selected (empty for "all").</summary>
    public required IReadOnlyList<string> Regions { get; init; }

    /// <summary>Voxels in each selected region of the source (regions may overlap).</summary>
    public required IReadOnlyDictionary<string, int> VoxelsPerRegion { get; init; }

    public required int VoxelsInSource { get; init; }

    /// <summary>Voxels in the union of the selected regions.</summary>
    public required int VoxelsSelectedByRoi { get; init; }

    // 2. Split and leakage check
    public required string SplitSource { get; init; }

    public required int ImagerySamplesExcluded { get; init; }

    /// <summary>Stimulus ids in both training and test; non-empty only when <see cref="PreprocessingOptions.AllowSharedStimuli"/>.</summary>
    public required IReadOnlyList<StimulusId> SharedStimuli { get; init; }

    // 3. Non-finite voxels
    /// <summary>Voxels dropped because they are NaN/Inf in at least one training sample.</summary>
    public required int DroppedNonFiniteInTraining { get; init; }

    /// <summary>Voxels dropped because they are NaN/Inf in a test sample only.</summary>
    public required int DroppedNonFiniteOnlyInTest { get; init; }

    /// <summary>Voxels left after ROI selection and non-finite filtering (before padding).</summary>
    public required int VoxelsKept { get; init; }

    /// <summary>Voxel count of each ROI mask in the output (re-indexed to the kept voxels; masks left empty are gone).</summary>
    public required IReadOnlyDictionary<string, int> RoiMasksKept { get; init; }

    // 4-5. Detrending and normalisation
    public required bool Detrend { get; init; }

    public required bool DetrendKeepsRunMean { get; init; }

    public required ZScoreMode ZScore { get; init; }

    public required TestRunStatistics TestRunStatistics { get; init; }

    /// <summary>Voxels with zero variance in some statistics used, divided by 1 instead of their standard deviation.</summary>
    public required int ZeroVarianceVoxels { get; init; }

    // 6. Repeat averaging
    public required bool AverageTestRepeats { get; init; }

    public required bool AverageTrainRepeats { get; init; }

    public required IReadOnlyDictionary<DataSplit, int> SamplesBeforeAveraging { get; init; }

    public required IReadOnlyDictionary<DataSplit, int> SamplesAfterAveraging { get; init; }

    /// <summary>Repeat count of each test-split sample after averaging (presentations per test stimulus when averaged).</summary>
    public required IReadOnlyList<int> TestRepeatCounts { get; init; }

    // 7. Padding
    public required int PatchSize { get; init; }

    public required int PaddingVoxels { get; init; }

    /// <summary>Voxel count of the output, padding included.</summary>
    public required int FinalVoxelCount { get; init; }

    /// <summary>The leakage check's outcome in words.</summary>
    public string LeakageCheck => SharedStimuli.Count == 0
        ? "passed (no stimulus id in both training and test)"
        : $"ALLOWED by option: {SharedStimuli.Count} stimulus id(s) in both training and test ({StimulusLeakageCheck.Describe(SharedStimuli)})";

    /// <summary>A few lines with the key numbers of every step.</summary>
    public string Summary
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.AppendLine(c, $"Preprocessed {SourceFile}{(Subject.Length > 0 ? $" (subject {Subject})" : "")}");
            string regions = Regions.Count == 0 ? "all voxels" : string.Join(", ", Regions.Select(r => $"{r} {VoxelsPerRegion[r]}"));
            text.AppendLine(c, $"ROI {RoiExpression}: {VoxelsSelectedByRoi} of {VoxelsInSource} voxels kept ({regions})");
            text.AppendLine(c, $"Non-finite voxels dropped: {DroppedNonFiniteInTraining} NaN/Inf in a training sample, {DroppedNonFiniteOnlyInTest} NaN/Inf only in a test sample; {VoxelsKept} voxels remain");
            text.AppendLine(c, $"ROI masks kept: {(RoiMasksKept.Count == 0 ? "none" : string.Join(", ", RoiMasksKept.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}")))}");
            text.AppendLine(c, $"Split: {SplitSource}; imagery samples excluded: {ImagerySamplesExcluded}");
            text.AppendLine(c, $"Leakage check: {LeakageCheck}");
            text.AppendLine(c, $"Detrending: {(Detrend ? $"linear per run, run mean {(DetrendKeepsRunMean ? "kept" : "removed")}" : "off")}");
            text.AppendLine(c, $"Normalisation: {DescribeNormalisation()}; zero-variance voxels divided by 1: {ZeroVarianceVoxels}");
            text.AppendLine(c, $"Samples before averaging: {RepeatAveraging.Describe(SamplesBeforeAveraging)}; after: {RepeatAveraging.Describe(SamplesAfterAveraging)} " +
                               $"(averaged: {(AverageTestRepeats ? "test" : "")}{(AverageTestRepeats && AverageTrainRepeats ? " and " : "")}{(AverageTrainRepeats ? "train" : "")}{(AverageTestRepeats || AverageTrainRepeats ? "" : "none")})");
            text.AppendLine(c, $"Repeats per test stimulus: {DescribeTestRepeats()}");
            text.Append(c, $"Padding: {VoxelsKept} -> {FinalVoxelCount} voxels ({PaddingVoxels} zero voxels added, patch size {PatchSize})");
            return text.ToString();
        }
    }

    private string DescribeNormalisation() => ZScore switch
    {
        ZScoreMode.None => "none",
        ZScoreMode.PerRun => $"voxel-wise z-score per training run (training statistics only); test: {VoxelZScoring.Describe(TestRunStatistics)}",
        ZScoreMode.PerSession => $"voxel-wise z-score with statistics pooled over all training samples; test: {VoxelZScoring.Describe(TestRunStatistics)}",
        _ => ZScore.ToString(),
    };

    private string DescribeTestRepeats()
    {
        if (TestRepeatCounts.Count == 0) return "no test samples";
        int min = TestRepeatCounts.Min(), max = TestRepeatCounts.Max();
        string perStimulus = min == max ? $"{min} each" : $"{min} to {max} (mean {TestRepeatCounts.Average().ToString("0.##", CultureInfo.InvariantCulture)})";
        return $"{perStimulus} over {TestRepeatCounts.Count} test samples";
    }
}
