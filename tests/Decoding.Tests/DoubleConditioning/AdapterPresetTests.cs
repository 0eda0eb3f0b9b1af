using Decoding.DoubleConditioning;

namespace Decoding.Tests.DoubleConditioning;

/// <summary>The stage-B presets, and what decode learns from a trained folder's record.</summary>
public sealed class AdapterPresetTests
{
    [Fact]
    public void The_paper_preset_is_MinD_Vis_s_stage_B_as_its_code_runs_it()
    {
        // By hand from zjc062/mind-vis: config.py (lr1 5.3e-5, batch_size1 5, num_epoch_1 500), stageB_ldm_finetune.py
        // (gradient_clip_val=0.5; fmri_transform draws int(x.shape[0] * 0.2) indices of a (1, voxels) array: none; a
        // random 0.8 crop with p 0.5), ddpm.py configure_optimizers (AdamW at a constant rate, torch's weight decay 0.01)
        // and no unconditional training (it decodes with the PLMS sampler and no guidance).
        var paper = AdapterTrainingOptions.ForPreset("paper");
        Assert.Equal((5.3e-5, 5, 500), (paper.LearningRate, paper.BatchSize, paper.Epochs));
        Assert.Equal((0, 0.5, 0.0, 0.0), (paper.WarmupSteps, paper.MaxGradNorm, paper.VoxelDropout, paper.ConditionDropout));
        Assert.Equal((0.5, 0.8, 0.01, 0.0), (paper.CropProbability, paper.CropScale, paper.WeightDecay, paper.EmaDecay));
        // Its fmri_encoder.forward_encoder runs the transformer on the patch tokens alone (sc_mbm/mae_for_fmri.py).
        Assert.False(paper.ClsTokenInEncoder);
        // The project's own presets keep a trained null condition for guidance.
        Assert.All(new[] { "tiny", "small" }, p => Assert.True(AdapterTrainingOptions.ForPreset(p).ConditionDropout > 0));
        Assert.All(new[] { "tiny", "small" }, p => Assert.True(AdapterTrainingOptions.ForPreset(p).ClsTokenInEncoder));
    }

    [Fact]
    public void A_folder_s_record_says_whether_its_null_condition_was_trained()
    {
        using var folder = new TempFolder();
        var model = new DoubleConditionedLdmFolder(folder.Path);
        Assert.Null(model.TrainedConditionDropout());   // no run.json: nothing known
        File.WriteAllText(Path.Combine(folder.Path, "run.json"), """{"command": "train-adapter", "config": {"options": {"condition_dropout": 0, "epochs": 1}}}""");
        Assert.Equal(0.0, model.TrainedConditionDropout());
        File.WriteAllText(Path.Combine(folder.Path, "run.json"), """{"command": "train-adapter", "config": {"options": {"condition_dropout": 0.1}}}""");
        Assert.Equal(0.1, model.TrainedConditionDropout());
        File.WriteAllText(Path.Combine(folder.Path, "run.json"), "not json");
        Assert.Null(model.TrainedConditionDropout());

        // The record as train-adapter writes it: its options under config.options, through RunManifest's naming.
        new Fmri.Core.Runs.RunManifest { Command = "train-adapter", Config = new { Options = AdapterTrainingOptions.ForPreset("paper") } }
            .Write(Path.Combine(folder.Path, "run.json"));
        Assert.Equal(0.0, model.TrainedConditionDropout());
        new Fmri.Core.Runs.RunManifest { Command = "train-adapter", Config = new { Options = AdapterTrainingOptions.ForPreset("small") } }
            .Write(Path.Combine(folder.Path, "run.json"));
        Assert.Equal(0.1, model.TrainedConditionDropout());
    }

    [Fact]
    public void Without_the_CLS_token_the_model_conditions_on_the_encoder_run_over_the_patch_tokens_alone()
    {
        var (withCls, _) = TinyDcLdm.PixelSpace(voxels: 64, seed: 5, imageSize: 8);
        var (patchesOnly, _) = TinyDcLdm.PixelSpace(voxels: 64, seed: 5, imageSize: 8, clsTokenInEncoder: false);
        withCls.eval();
        patchesOnly.eval();
        using var noGrad = TorchSharp.torch.no_grad();
        using var voxels = TorchSharp.torch.randn(3, 64, generator: new TorchSharp.torch.Generator(9));
        // Same seed, same weights: only the encoder's token layout differs.
        var expected = patchesOnly.Adapter.forward(patchesOnly.BrainEncoder.Encode(voxels, withClsToken: false)).Context;
        var context = patchesOnly.Condition(voxels).Context;
        Assert.True(context.eq(expected).all().item<bool>());
        // The CLS token takes part in attention in the other layout, so the patch tokens, and the context, differ.
        Assert.False(withCls.Condition(voxels).Context.allclose(context, rtol: 1e-4, atol: 1e-6));
    }
}
