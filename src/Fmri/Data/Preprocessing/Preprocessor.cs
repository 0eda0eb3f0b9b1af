using Fmri.Data.Layouts;

namespace Fmri.Data.Preprocessing;

/// <summary>
/// Turns a raw data set (as read from a file) into decoder input, in this order:
/// 1 <see cref="RoiSelection"/>, 2 <see cref="TrainTestSplit"/> with <see cref="StimulusLeakageCheck"/>,
/// 3 <see cref="NonFiniteVoxelFilter"/>, 4 <see cref="LinearDetrending"/> (optional), 5 <see cref="VoxelZScoring"/>,
/// 6 <see cref="RepeatAveraging"/>, 7 <see cref="PatchPadding"/>. Normalisation statistics come from training
/// samples only, and the split precedes every step that computes statistics. Each step is appended to the data
/// set's provenance as a <see cref="ProcessingStep"/> with its parameters.
/// </summary>
public static class Preprocessor
{
    private const int StepCount = 7;

    /// <param name="raw">The data set as read; not modified.</param>
    /// <param name="options">Validated first (<see cref="ArgumentException"/> for bad options).</param>
    /// <param name="sourceFile">The file <paramref name="raw"/> came from, named in errors.</param>
    /// <param name="progress">Receives the fraction done (0..1) after each step.</param>
    /// <exception cref="DataFormatException">The data set is inconsistent, an ROI is unknown, training and test share a stimulus, or no usable voxel is left.</exception>
    public static PreprocessingResult Run(FmriDataset raw, PreprocessingOptions options, string sourceFile, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sourceFile);
        options.Validate();
        raw.Validate(sourceFile);
        if (raw.PaddingVoxels != 0)
            throw new DataFormatException(sourceFile, "padding", $"the data set already has {raw.PaddingVoxels} padding voxels (it was preprocessed); preprocess the unpadded data");
        progress?.Report(0.0);

        var provenance = raw.Provenance.SourceFile.Length > 0 ? raw.Provenance : raw.Provenance with { SourceFile = sourceFile };
        int done = 0;
        FmriDataset Record(FmriDataset dataset, ProcessingStep step)
        {
            provenance = provenance.WithStep(step);
            progress?.Report(++done / (double)StepCount);
            return dataset;
        }

        var roi = RoiSelection.Apply(raw, options.Roi, sourceFile);
        var data = Record(roi.Dataset, roi.Step);

        var split = TrainTestSplit.Apply(data, options, sourceFile);
        data = Record(split.Dataset, split.Step);

        var finite = NonFiniteVoxelFilter.Apply(data, sourceFile);
        data = Record(finite.Dataset, finite.Step);
        int voxelsKept = data.VoxelCount;

        if (options.Detrend)
        {
            var detrended = LinearDetrending.Apply(data, options.DetrendKeepsRunMean);
            data = Record(detrended.Dataset, detrended.Step);
        }
        else
        {
            progress?.Report(++done / (double)StepCount);
        }

        var zscored = VoxelZScoring.Apply(data, options.ZScore, options.TestRunStatistics, sourceFile);
        data = Record(zscored.Dataset, zscored.Step);

        var averaged = RepeatAveraging.Apply(data, options.AverageTestRepeats, options.AverageTrainRepeats, sourceFile);
        data = Record(averaged.Dataset, averaged.Step);
        if (options.AverageTestRepeats)
        {
            RepeatAveraging.RequireUniqueStimuli(data, DataSplit.Test, sourceFile);
            RepeatAveraging.RequireUniqueStimuli(data, DataSplit.TestImagery, sourceFile);
        }

        var padded = PatchPadding.Apply(data, options.PatchSize);
        data = Record(padded.Dataset, padded.Step);

        data = data with { Provenance = provenance };
        data.Validate(sourceFile);

        var report = new PreprocessingReport
        {
            SourceFile = sourceFile,
            Subject = raw.Subject,
            RoiExpression = options.Roi,
            Regions = roi.Regions,
            VoxelsPerRegion = roi.VoxelsPerRegion,
            VoxelsInSource = roi.VoxelsBefore,
            VoxelsSelectedByRoi = roi.VoxelsSelected,
            SplitSource = split.Source,
            ImagerySamplesExcluded = split.ImagerySamplesExcluded,
            SharedStimuli = split.SharedStimuli,
            DroppedNonFiniteInTraining = finite.DroppedNonFiniteInTraining,
            DroppedNonFiniteOnlyInTest = finite.DroppedNonFiniteOnlyInTest,
            VoxelsKept = voxelsKept,
            RoiMasksKept = data.Rois.ToDictionary(r => r.Key, r => r.Value.Length),
            Detrend = options.Detrend,
            DetrendKeepsRunMean = options.DetrendKeepsRunMean,
            ZScore = options.ZScore,
            TestRunStatistics = options.TestRunStatistics,
            ZeroVarianceVoxels = zscored.ZeroVarianceVoxels,
            AverageTestRepeats = options.AverageTestRepeats,
            AverageTrainRepeats = options.AverageTrainRepeats,
            SamplesBeforeAveraging = averaged.SamplesBefore,
            SamplesAfterAveraging = averaged.SamplesAfter,
            TestRepeatCounts = data.IndicesOf(DataSplit.Test).Select(i => data.RepeatCounts[i]).ToArray(),
            PatchSize = options.PatchSize,
            PaddingVoxels = data.PaddingVoxels,
            FinalVoxelCount = data.VoxelCount,
        };
        return new PreprocessingResult(data, report);
    }
}
