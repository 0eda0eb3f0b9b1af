using Decoding.Decode.Routes;
using System.Diagnostics;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Decoding.Tests.DoubleConditioning;
using Fmri.Core.Training;
using Fmri.Data;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

public sealed class BrainDecodingEndToEndTests(ITestOutputHelper output)
{
    /// <summary>The 16x16 synthetic stimuli are shrunk to 8x8 (a 4x cheaper UNet); the four shapes stay distinct.</summary>
    private const int Size = 8;

    /// <summary>
    /// Strong-signal end to end at tiny scale, in pixel space (identity first stage, 8x8): the brain encoder, adapter
    /// and a freshly initialised UNet are trained together ("all": there is no pretrained LDM here), then each test
    /// item's fMRI is decoded. 2-way pixel identification must be clearly above chance (0.5).
    /// </summary>
    [Fact]
    public void Decoded_test_images_identify_their_own_stimulus_and_are_reproducible()
    {
        var clock = Stopwatch.StartNew();
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 6, testPerClass: 1, noise: 0.1);
        var (model, firstStage) = TinyDcLdm.PixelSpace(voxels: 64, seed: 11, imageSize: Size);
        var pairs = StimulusPairs.ForTraining(fmri, "f.h5", stimuli, "s.h5", Size, 1);
        using var folder = new TempFolder();
        LossCurve curve;
        using (var trainer = new ConditioningAdapterTrainer(model, firstStage, new AdapterTrainingOptions
        {
            Epochs = 90, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 5, Trainable = TrainableParts.All, Seed = 4,
        }))
            curve = trainer.Train(pairs, folder.Sub("dc_ldm"));
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var test = StimulusPairs.ForSplit(fmri, "f.h5", DataSplit.Test, stimuli, "s.h5", Size, 1);
        var sampling = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 20, GuidanceScale = 3.0 };
        var route = new MindVisRoute(model, firstStage, sampling);
        var ids = test.StimulusIds.Select(id => id.Value).ToArray();
        Tensor DecodeAll() => route.Decode(new DecodeBatch(test.Voxels, test.VoxelCount, ids, null, ItemGenerators.For(9, ids)), 2);
        clock.Restart();
        var first = DecodeAll();                                                                          // (N, K, 1, 16, 16)
        double decodeSeconds = clock.Elapsed.TotalSeconds;
        var second = DecodeAll();
        Assert.True(first.equal(second).all().item<bool>(), "the same seed must give the same decoded images");

        var truth = Enumerable.Range(0, test.Count).Select(i => test.Images[i].to(ScalarType.Float32).flatten().data<float>().ToArray()).ToList();
        var scores = new List<double>();
        for (int k = 0; k < 2; k++)
        {
            var decoded = Enumerable.Range(0, test.Count).Select(i => first[i, k].flatten().contiguous().data<float>().ToArray()).ToList();
            scores.Add(PixelIdentification.TwoWay(decoded, truth));
        }
        double score = scores.Average();
        output.WriteLine($"train {trainSeconds:F1} s ({curve.Points.Count} steps, loss {curve.Points[0].Loss:G3} -> {curve.Points[^1].Loss:G3}), decode {decodeSeconds:F1} s, 2-way pixel identification {score:F3} (chance 0.5)");
        Assert.True(score > 0.7, $"2-way pixel identification {score:F3} is not clearly above chance 0.5");
    }
}
