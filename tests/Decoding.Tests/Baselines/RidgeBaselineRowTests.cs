using Decoding.BrainDecoding;
using Decoding.Reports;
using Decoding.Tests.BrainDecoding;
using Decoding.Tests.Reports;
using Fmri.Data.Layouts;

namespace Decoding.Tests.Baselines;

/// <summary>The ridge row of <see cref="EvaluationRun"/> from a preprocessed (canonical) file: fitted on its training
/// split only and scored with the same metrics as the pipeline.</summary>
public sealed class RidgeBaselineRowTests
{
    [Fact]
    public void TheRidgeRowBeatsChanceOnEasySyntheticFmriAndTheDataAreDescribed()
    {
        var shared = EvaluationTestData.Instance;
        string folder = Path.Combine(shared.Folder, "ridge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 10, testPerClass: 3);
        string dataFile = Path.Combine(folder, "pre.h5"), stimuliFile = Path.Combine(folder, "stimuli.h5");
        CanonicalFile.Write(dataFile, fmri);
        stimuli.Write(stimuliFile);
        // The "pipeline" here is the test stimuli themselves: this test is about the ridge row.
        var test = fmri.IndicesOf(Fmri.Data.DataSplit.Test);
        var ids = test.Select(i => fmri.StimulusIds[i].Value).ToArray();
        var samples = test.Select(i => new[] { stimuli.Image(stimuli.Find(fmri.StimulusIds[i])).ToArray() }).ToArray();
        string decoded = Path.Combine(folder, "decoded", DecodedImagesFile.FileName);
        EvaluationTestData.WriteDecoded(decoded, samples, ids, test.Select(i => fmri.CategoryLabels[i]).ToArray(), shuffled: false);

        var report = EvaluationRun.Run(new EvaluationInputs(decoded, stimuliFile, shared.ClassifierFolder, Path.Combine(folder, "out"), Data: dataFile),
            new EvaluationSettings([2, 4], TrialsPerItem: 50, Seed: 3, BootstrapResamples: 100), DateTimeOffset.UnixEpoch);

        var ridge = Assert.Single(report.Rows, r => r.Kind == "baseline");
        Assert.Equal(test.Length, ridge.Items);
        Assert.Equal(1, ridge.Samples);
        Assert.True(ridge.TwoWayPixels.Mean.Value > ridge.TwoWayPixels.ChanceInterval!.Upper,
            $"ridge 2-way pixel identification {ridge.TwoWayPixels.Mean.Value} not above chance range {ridge.TwoWayPixels.ChanceInterval.Upper}");
        Assert.Equal("synthetic", report.Data.Subject);
        Assert.Equal(["VC"], report.Data.Rois);
    }
}
