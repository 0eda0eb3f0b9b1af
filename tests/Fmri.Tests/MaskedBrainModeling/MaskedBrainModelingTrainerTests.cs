using Fmri.MaskedBrainModeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

public class MaskedBrainModelingTrainerTests
{
    private const int Voxels = 128;   // 8 patches of 16

    private static (float[] Train, float[] HeldOut) LowRankData(int trainSamples, int heldOutSamples)
    {
        var all = SyntheticLowRankFmri.Generate(trainSamples + heldOutSamples, Voxels, rank: 2, noise: 0.1, seed: 123);
        return (all[..(trainSamples * Voxels)], all[(trainSamples * Voxels)..]);
    }

    private static MaskedBrainModelingOptions FastOptions(int epochs) => new()
    {
        Epochs = epochs,
        WarmupEpochs = epochs > 1 ? 1 : 0,
        BatchSize = 32,
        ReferenceBatchSize = 32,      // peak learning rate = BaseLearningRate
        BaseLearningRate = 3e-3,      // a tiny model on synthetic data tolerates a larger rate than the paper's 2.5e-4
        Seed = 5,
    };

    [Fact]
    public void Tiny_model_learns_to_fill_in_masked_patches_of_held_out_low_rank_data()
    {
        var (train, heldOut) = LowRankData(512, 128);
        var options = FastOptions(16);
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(Voxels), init);
        using var heldOutMatrix = tensor(heldOut, new long[] { 128, Voxels });

        // Start: the untrained model under the same fixed held-out mask the trainer uses.
        var start = MaskedReconstructionEvaluation.Evaluate(model, heldOutMatrix, 0.75, options.HeldOutMaskSeed, 32);
        // Baseline: predicting 0 for every masked voxel (the data have mean ~0), under the same mask.
        double zeroPredictionLoss = ZeroPredictionLoss(model, heldOutMatrix, options.HeldOutMaskSeed);

        using var trainer = new MaskedBrainModelingTrainer(model, options);
        var history = trainer.Train(train, heldOut, Voxels);
        var end = history.Epochs[^1];

        // Measured (seeds as above): start 1.79, zero-prediction 1.05, end 0.41; correlation -0.004 -> 0.74.
        Assert.Equal(16, history.Epochs.Count);
        Assert.True(end.HeldOutLoss < 0.6 * start.MaskedLoss, $"held-out loss {end.HeldOutLoss:F3} vs start {start.MaskedLoss:F3}");
        Assert.True(end.HeldOutLoss < 0.6 * zeroPredictionLoss, $"held-out loss {end.HeldOutLoss:F3} vs predicting zero {zeroPredictionLoss:F3}");
        Assert.True(Math.Abs(start.Correlation) < 0.1, $"untrained correlation {start.Correlation:F3}");
        Assert.True(end.HeldOutCorrelation > 0.6, $"held-out correlation {end.HeldOutCorrelation:F3}");
        Assert.True(end.TrainLoss < history.Epochs[0].TrainLoss);
        Assert.True(end.LearningRate < 1e-5);   // the cosine reaches ~0 at the last step
    }

    private static double ZeroPredictionLoss(MaskedBrainAutoencoder model, Tensor voxels, long maskSeed)
    {
        using var _ = no_grad();
        using var generator = new Generator((ulong)maskSeed);
        double weighted = 0, masked = 0;
        for (long start = 0; start < voxels.shape[0]; start += 32)
        {
            using var scope = NewDisposeScope();
            var batch = voxels.narrow(0, start, Math.Min(32, voxels.shape[0] - start));
            var (_, predicted, mask) = model.Forward(batch, generator, 0.75);   // draws the same masks as the evaluation
            var loss = MaskedPatchLoss.Compute(zeros_like(predicted), model.Patchify(batch), mask, normalize: false);
            weighted += loss.ToDouble() * mask.sum().ToDouble();
            masked += mask.sum().ToDouble();
        }
        return weighted / masked;
    }

    [Fact]
    public void Same_seed_gives_the_same_history_and_another_seed_does_not()
    {
        var (train, heldOut) = LowRankData(64, 16);
        MaskedBrainModelingHistory Run(long seed)
        {
            using var init = new Generator(0);
            using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(Voxels), init);
            using var trainer = new MaskedBrainModelingTrainer(model, FastOptions(2) with { Seed = seed });
            return trainer.Train(train, heldOut, Voxels);
        }

        var a = Run(5);
        var b = Run(5);
        var c = Run(6);
        Assert.Equal(Values(a), Values(b));
        Assert.NotEqual(Values(a).Select(v => v.TrainLoss), Values(c).Select(v => v.TrainLoss));
    }

    // Everything but the wall-clock seconds.
    private static List<(int Epoch, double TrainLoss, double HeldOutLoss, double HeldOutCorrelation, double LearningRate)> Values(
        MaskedBrainModelingHistory history) =>
        history.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.HeldOutLoss, e.HeldOutCorrelation, e.LearningRate)).ToList();

    [Fact]
    public void Resuming_from_model_and_optimizer_state_repeats_the_uninterrupted_run()
    {
        var (train, heldOut) = LowRankData(64, 16);
        var options = FastOptions(4);
        Dictionary<string, Tensor>? savedWeights = null;
        byte[]? savedOptimizer = null;

        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(Voxels), init);
        using var trainer = new MaskedBrainModelingTrainer(model, options);
        var checkpointed = new List<int>();
        var reported = new List<int>();
        var uninterrupted = trainer.Train(train, heldOut, Voxels,
            progress: new SynchronousProgress(e => reported.Add(e.Epoch)),
            checkpoint: epoch =>
            {
                checkpointed.Add(epoch);
                if (epoch != 1) return;
                savedWeights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                using var stream = new MemoryStream();
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) trainer.Optimizer.save_state_dict(writer);
                savedOptimizer = stream.ToArray();
            });
        Assert.Equal([0, 1, 2, 3], checkpointed);
        Assert.Equal([0, 1, 2, 3], reported);

        // A fresh model (other initial weights) and trainer, restored to the end of epoch 1.
        using var otherInit = new Generator(99);
        using var resumedModel = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(Voxels), otherInit);
        resumedModel.load_state_dict(savedWeights!);
        using var resumedTrainer = new MaskedBrainModelingTrainer(resumedModel, options);
        using (var reader = new BinaryReader(new MemoryStream(savedOptimizer!))) resumedTrainer.Optimizer.load_state_dict(reader);
        var resumed = resumedTrainer.Train(train, heldOut, Voxels, startEpoch: 2);

        Assert.Equal([2, 3], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(Values(uninterrupted).Skip(2), Values(resumed));
        foreach (var t in savedWeights!.Values) t.Dispose();
    }

    [Fact]
    public void Data_of_another_width_is_refused_naming_both_widths_unless_pad_or_crop_is_chosen()
    {
        var (train, heldOut) = LowRankData(8, 4);
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(144), init);   // expects 144 = 9 x 16 voxels
        using (var trainer = new MaskedBrainModelingTrainer(model, FastOptions(1)))
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => trainer.Train(train, heldOut, Voxels));
            Assert.Contains("128", error.Message);
            Assert.Contains("144", error.Message);
            Assert.StartsWith("trainVoxels: ", error.Message);   // one line naming the data, no "(Parameter ...)" suffix
            Assert.DoesNotContain("(Parameter", error.Message);
        }
        using (var trainer = new MaskedBrainModelingTrainer(model, FastOptions(1) with { WidthPolicy = WidthPolicy.PadOrCrop }))
        {
            var history = trainer.Train(train, heldOut, Voxels);
            Assert.True(history.WidthAdjusted);
            Assert.Equal((128, 144, WidthPolicy.PadOrCrop), (history.DataVoxels, history.ModelVoxels, history.WidthPolicy));
            Assert.Single(history.Epochs);
            Assert.True(double.IsFinite(history.Epochs[0].HeldOutLoss));
        }
    }

    [Fact]
    public void Options_scale_the_learning_rate_with_the_batch_and_validate_fields()
    {
        // Paper: 2.5e-4 at batch 100; linear scaling gives 2.5e-4 * 50 / 100 = 1.25e-4 at batch 50.
        Assert.Equal(2.5e-4, new MaskedBrainModelingOptions().PeakLearningRate, 15);
        Assert.Equal(1.25e-4, new MaskedBrainModelingOptions { BatchSize = 50 }.PeakLearningRate, 15);
        // 40 of 500 warm-up epochs is 8%: 50 epochs -> 4, 10 -> 0.8 -> 1.
        Assert.Equal(4, MaskedBrainModelingOptions.ForEpochs(50).WarmupEpochs);
        Assert.Equal(1, MaskedBrainModelingOptions.ForEpochs(10).WarmupEpochs);
        var error = Assert.ThrowsAny<ArgumentException>(() => new MaskedBrainModelingOptions { Epochs = 10, WarmupEpochs = 10 }.Validate());
        Assert.StartsWith("warmup_epochs 10:", error.Message);
    }

    [Fact]
    public void Weight_decay_skips_biases_and_norms()
    {
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(Voxels), init);
        using var trainer = new MaskedBrainModelingTrainer(model, FastOptions(1));
        var groups = trainer.Optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        var decayed = groups[0].Parameters.ToList();
        var undecayed = groups[1].Parameters.ToList();
        Assert.All(decayed, p => Assert.True(p.dim() >= 2));
        Assert.All(undecayed, p => Assert.Equal(1, p.dim()));
        Assert.Equal(model.parameters().Count(), decayed.Count + undecayed.Count);
        Assert.Equal(0.05, ((TorchSharp.Modules.AdamW.Options)groups[0].Options).weight_decay);
        Assert.Equal(0.0, ((TorchSharp.Modules.AdamW.Options)groups[1].Options).weight_decay);
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<MaskedBrainModelingEpoch> report) : IProgress<MaskedBrainModelingEpoch>
    {
        public void Report(MaskedBrainModelingEpoch value) => report(value);
    }
}
