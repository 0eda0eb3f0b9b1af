using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Fmri.Core;
using Fmri.Core.Training;
using Fmri.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Decoding.Tests.DoubleConditioning;

public sealed class DoubleConditionedLdmTests
{
    [Fact]
    public void Adapter_outputs_fit_the_unet_and_the_time_path_changes_its_prediction()
    {
        var (model, _) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 1);
        model.eval();
        using var noGrad = no_grad();
        using var generator = new Generator(5);
        var voxels = randn(new long[] { 3, 64 }, generator: generator);
        var condition = model.Condition(voxels);
        Assert.Equal(new long[] { 3, 8, model.Unet.Config.CrossAttentionDim }, condition.Context.shape);
        Assert.Equal(new long[] { 3, model.Unet.TimeEmbeddingDim }, condition.TimeEmbedding!.shape);

        var latents = randn(new long[] { 3, model.Unet.Config.InChannels, 4, 4 }, generator: generator);
        var t = tensor(new long[] { 10, 500, 900 });
        var withTime = model.PredictNoise(latents, t, condition);
        var withoutTime = model.PredictNoise(latents, t, condition with { TimeEmbedding = null });
        Assert.Equal(latents.shape, withTime.shape);
        Assert.True((withTime - withoutTime).abs().max().item<float>() > 1e-4f, "the added time embedding must change the UNet's output");
    }

    [Fact]
    public void Mindvis_training_changes_only_cross_attention_norms_encoder_and_adapter()
    {
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 2);
        var (model, firstStage) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 2);
        var vae = ((AutoencoderFirstStage)firstStage).Vae;
        var pairs = StimulusPairs.ForTraining(fmri, "f.h5", stimuli, "s.h5", SyntheticBrainData.Size, 1);
        string attn = model.named_parameters().Select(p => p.name).First(n => n.Contains(".attn2.to_q."));
        string resnetConv = model.named_parameters().Select(p => p.name).First(n => n.Contains(".resnets.") && n.EndsWith("conv1.weight"));
        string resnetNorm = model.named_parameters().Select(p => p.name).First(n => n.Contains(".resnets.") && n.EndsWith("norm2.weight"));
        string blockNorm = model.named_parameters().Select(p => p.name).First(n => n.Contains("transformer_blocks.0.norm2.weight"));
        string timeEmbedding = model.named_parameters().Select(p => p.name).First(n => n.StartsWith("unet.time_embedding."));
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var vaeBefore = vae.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        using var trainer = new ConditioningAdapterTrainer(model, firstStage, new AdapterTrainingOptions { Epochs = 1, BatchSize = 8, LearningRate = 1e-3, WarmupSteps = 0, Seed = 3 });
        Assert.DoesNotContain(trainer.TrainableParameters, p => p.Name == resnetConv);
        using var folder = new TempFolder();
        trainer.Train(pairs, folder.Path);

        bool Changed(string name) => !before[name].equal(model.named_parameters().First(p => p.name == name).parameter).all().item<bool>();
        Assert.True(Changed(attn), attn);
        Assert.True(Changed(blockNorm), blockNorm);
        Assert.False(Changed(timeEmbedding), timeEmbedding);                       // MinD-Vis trains its fMRI time path, not the UNet's
        Assert.True(Changed("adapter.time_dim_mapper.weight"), "adapter.time_dim_mapper.weight");
        Assert.True(Changed("brain_encoder.patch_embed.proj.weight"));
        Assert.True(Changed("adapter.dim_mapper.weight"));
        Assert.False(Changed(resnetConv), resnetConv);
        Assert.False(Changed(resnetNorm), resnetNorm);
        Assert.False(Changed("unet.conv_in.weight"));
        foreach (var (name, value) in vae.named_parameters())
            Assert.True(vaeBefore[name].equal(value).all().item<bool>(), $"VAE parameter {name} changed");
        foreach (var (name, parameter) in model.named_parameters())
            if (!DoubleConditionedLdm.IsTrainable(name, TrainableParts.MindVis))
                Assert.True(before[name].equal(parameter).all().item<bool>(), $"frozen parameter {name} changed");
    }

    [Fact]
    public void A_training_stimulus_that_is_also_a_test_stimulus_stops_training()
    {
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 2);
        int test = fmri.IndicesOf(DataSplit.Test)[0];
        int train = fmri.IndicesOf(DataSplit.Train)[0];
        var ids = fmri.StimulusIds.ToArray();
        ids[train] = ids[test];
        var leaky = fmri with { StimulusIds = ids };
        var error = Assert.Throws<DataFormatException>(() => StimulusPairs.ForTraining(leaky, "leaky.h5", stimuli, "s.h5", 16, 1));
        Assert.Contains("also a test stimulus", error.Message);
        Assert.Contains(ids[test].Value, error.Message);

        var pairs = StimulusPairs.ForTraining(fmri, "f.h5", stimuli, "s.h5", 16, 1);
        var testIds = fmri.IndicesOf(DataSplit.Test).Select(i => fmri.StimulusIds[i]).ToHashSet();
        Assert.DoesNotContain(pairs.StimulusIds, testIds.Contains);
        Assert.Equal(fmri.IndicesOf(DataSplit.Train).Length, pairs.Count);
    }

    [Fact]
    public void The_alignment_term_pulls_the_brain_context_toward_the_category_context_and_the_ema_is_what_decoding_loads()
    {
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 4);
        var pairs = StimulusPairs.ForTraining(fmri, "f.h5", stimuli, "s.h5", SyntheticBrainData.Size, 1);
        // A fixed target context per category (what the LDM's conditioner would give for its name).
        using var generator = new Generator(11);
        var (probe, _) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
        long width = probe.Unet.Config.CrossAttentionDim;
        using var perCategory = randn(new long[] { 4, 8, width }, generator: generator);
        using var categoryIndex = tensor(pairs.Categories.Select(c => (long)c).ToArray(), ScalarType.Int64);
        using var targets = perCategory.index_select(0, categoryIndex);                                     // (N, 8, D)
        double Distance(DoubleConditionedLdm model)
        {
            using var noGrad = no_grad();
            model.eval();
            using var voxels = tensor(pairs.Voxels, new long[] { pairs.Count, pairs.VoxelCount });
            return nn.functional.mse_loss(model.Condition(voxels).Context, targets).item<float>();
        }
        double Train(double weight, string folder)
        {
            var (model, firstStage) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
            using var trainer = new ConditioningAdapterTrainer(model, firstStage, new AdapterTrainingOptions
            {
                Epochs = 3, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 0, Seed = 3, AlignmentWeight = weight, EmaDecay = 0.9,
            });
            trainer.Train(pairs, folder, alignmentContexts: weight > 0 ? targets : null);
            return Distance(model);
        }
        using var temp = new TempFolder();
        double without = Train(0, temp.Sub("plain")), with = Train(1.0, temp.Sub("aligned"));
        Assert.True(with < without * 0.8, $"distance to the category contexts: {with} with the term, {without} without");

        // The checkpoint keeps the moving average, and the folder loads it for decoding: not the live weights.
        var folder = new DoubleConditionedLdmFolder(temp.Sub("aligned"));
        Assert.True(folder.Checkpoint.HasEmaWeights);
        var (loaded, _) = folder.Load();
        using var ema = folder.Checkpoint.ReadEmaWeights();
        var name = ema.Tensors.Keys.First(k => k.StartsWith("adapter.", StringComparison.Ordinal));
        Assert.True(loaded.named_parameters().First(p => p.name == name).parameter.equal(ema.Tensors[name]).all().item<bool>());
        pairs.Images.Dispose();
    }
}
