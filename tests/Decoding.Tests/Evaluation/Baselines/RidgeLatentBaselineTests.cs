using Decoding.Cli;
using Decoding.Evaluation.Baselines;
using Decoding.Tests.Cli;
using Fmri.Data;
using Xunit.Abstractions;

namespace Decoding.Tests.Evaluation.Baselines;

/// <summary>The VAE-latent ridge baseline (<c>evaluate --ridge-vae</c>) on <see cref="RidgeTestData"/>'s tiny train-adapter folder.</summary>
[Collection(EvaluateCommandCollection.Name)]
public sealed class RidgeLatentBaselineTests(ITestOutputHelper output)
{
    [Fact]
    public void TheBaselineDecodesPredictedLatentsToImagesOfTheModelsFormat()
    {
        var data = RidgeTestData.Instance;
        using var autoencoder = ModelFolderAutoencoder.Load(data.VaeModelFolder);
        Assert.Equal(16, autoencoder.ImageSize);
        Assert.Equal(1, autoencoder.ImageChannels);
        Assert.All(autoencoder.FirstStage.Vae.parameters(), p => Assert.False(p.requires_grad));
        var train = StimulusPairs.ForTraining(data.Fmri, data.DataFile, data.Stimuli, data.StimuliFile, autoencoder.ImageSize, autoencoder.ImageChannels);
        var test = StimulusPairs.ForSplit(data.Fmri, data.DataFile, DataSplit.Test, data.Stimuli, data.StimuliFile, autoencoder.ImageSize, autoencoder.ImageChannels);
        try
        {
            var baseline = RidgeLatentBaseline.Fit(train.Voxels, train.VoxelCount, train.Images, autoencoder.FirstStage, new Random(1));
            var images = baseline.Predict(test.Voxels, test.Count);
            Assert.Equal([4, 4, 4], baseline.LatentShape);
            Assert.Equal(test.Count, images.Count);
            Assert.All(images, i => Assert.True(i.Height == 16 && i.Width == 16 && i.Channels == 1, i.ToString()));
            Assert.All(images, i => Assert.All(i.Pixels, p => Assert.InRange(p, 0f, 1f)));
            Assert.True(baseline.Lambda > 0);
        }
        finally
        {
            train.Images.Dispose();
            test.Images.Dispose();
        }
    }

    [Fact]
    public void TheVaeRowIsAddedWithTheOption()
    {
        var data = RidgeTestData.Instance;
        var report = data.Evaluate(ridgeVae: data.VaeModelFolder);
        Assert.Equal(["pipeline", RidgeBaselineRowTests.PixelRow, RidgeBaselineRowTests.VaeRow, RidgeBaselineRowTests.FeatureRow], report.Rows.Select(r => r.Name));
        var row = report.Rows[2];
        output.WriteLine($"VAE ridge: 2-way pixels {row.TwoWayPixels!.Mean.Value:F4}, 2-way features {row.TwoWayFeatures.Mean.Value:F4}, "
            + $"PixCorr {row.PixCorr!.Mean.Value:F4}, SSIM {row.Ssim!.Mean.Value:F4}; "
            + string.Join("; ", row.NWay.Select(s => $"{s.N}-way {s.MeanOverSamples.Value:F4}")) + $"; {row.Note}");
        Assert.Equal("baseline", row.Kind);
        Assert.Equal((data.TestIndices.Length, 1), (row.Items, row.Samples));
        Assert.Contains("(4x4x4)", row.Note);
        Assert.Contains("lambda", row.Note);
        Assert.Contains($"{data.Fmri.IndicesOf(DataSplit.Train).Length} training samples", row.Note);
        Assert.EndsWith(Path.GetFullPath(data.VaeModelFolder), report.Inputs["ridge_vae"]);
        Assert.Contains(report.InputSha256.Keys, k => k.EndsWith("vae.safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public void RidgeVaeWithoutRidgeExitsTwoWithOneLine()
    {
        var data = RidgeTestData.Instance;
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", data.DecodedFile, "--stimuli", data.StimuliFile,
            "--classifier", EvaluationTestData.Instance.ClassifierFolder, "--out", Path.Combine(data.Folder, "no-ridge"), "--ridge-vae", data.VaeModelFolder,
            "--trials", "10", "--threads", "1");
        Assert.Equal(CliErrors.BadInput, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("needs --ridge <preprocessed.h5>", line);
    }

    [Fact]
    public void AFolderWithoutAModelExitsTwoNamingTheExpectedFiles()
    {
        var data = RidgeTestData.Instance;
        string empty = Path.Combine(data.Folder, "empty-model");
        Directory.CreateDirectory(empty);
        var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", data.DecodedFile, "--stimuli", data.StimuliFile,
            "--classifier", EvaluationTestData.Instance.ClassifierFolder, "--out", Path.Combine(data.Folder, "no-model"), "--ridge", data.DataFile,
            "--ridge-vae", empty, "--ways", "2..4", "--trials", "10", "--threads", "1");
        Assert.Equal(CliErrors.BadInput, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("dc_ldm.checkpoint.json", line);
    }
}
