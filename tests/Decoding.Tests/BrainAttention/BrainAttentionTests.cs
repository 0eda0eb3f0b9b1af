using Decoding.BrainAttention;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Decoding.Tests.DoubleConditioning;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Tests.BrainAttention;

/// <summary>Attention maps from brain tokens to image regions, grouped by ROI.</summary>
public class BrainAttentionTests
{
    [Fact]
    public void A_tokens_map_sums_to_one_over_image_positions_before_averaging()
    {
        using var probabilities = rand([6, 16, 5], generator: new Generator(1)).softmax(-1);   // (N, Lq, Lk), rows sum to 1 over tokens
        using var maps = TokenAttentionMaps.OverPositions(probabilities);                      // (N, Lk, Lq)
        TensorAssert.AllClose(1.0, maps.sum(-1), 1e-6);
        // Entry by entry: m_k(i) = P[i, k] / Σ_i' P[i', k].
        var p = probabilities.data<float>().ToArray();
        var m = maps.data<float>().ToArray();
        for (int n = 0; n < 6; n++)
            for (int k = 0; k < 5; k++)
            {
                double total = Enumerable.Range(0, 16).Sum(i => (double)p[(n * 16 + i) * 5 + k]);
                for (int i = 0; i < 16; i++) Assert.Equal(p[(n * 16 + i) * 5 + k] / total, m[(n * 5 + k) * 16 + i], 6);
            }
        // Bringing a 4x4 map to 8x8 spreads each value over 4 cells and keeps the sum.
        using var grid = TokenAttentionMaps.ToGrid(maps, 8);
        Assert.Equal(new long[] { 6, 5, 8, 8 }, grid.shape);
        TensorAssert.AllClose(1.0, grid.sum([-2, -1]), 1e-6);
        Assert.Equal(m[0] / 4, grid[0, 0, 1, 1].item<float>(), 7);
        Assert.Equal(m[1] / 4, grid[0, 0, 0, 2].item<float>(), 7);
    }

    [Fact]
    public void The_recorder_sees_every_layer_at_every_step_and_its_mean_maps_sum_to_one()
    {
        var (model, firstStage) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
        var run = new BrainAttentionRun(model, firstStage);
        var sampler = run.Sampler;
        using var recorder = new CrossAttentionRecorder(guided: true, side: sampler.LatentSize);
        model.Unet.AttentionControl = recorder;
        try
        {
            using var noGrad = no_grad();
            var condition = model.Condition(randn([2, 64], generator: new Generator(4)));
            var nullCondition = model.Adapter.NullCondition(2);
            var contexts = new GuidanceContexts(condition.Context, nullCondition.Context, condition.TimeEmbedding, nullCondition.TimeEmbedding);
            using var _ = sampler.Sample(contexts, new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 3, GuidanceScale = 3 }, new Generator(5));
        }
        finally
        {
            model.Unet.AttentionControl = null;
        }
        Assert.Equal(3 * model.Unet.CrossAttentionLayerNames.Count, recorder.Calls);
        using var maps = recorder.MeanMaps();
        Assert.Equal(new long[] { 2, 8, sampler.LatentSize, sampler.LatentSize }, maps.shape);
        TensorAssert.AllClose(1.0, maps.sum([-2, -1]), 1e-5);
        using var mass = recorder.MeanMass();
        TensorAssert.AllClose(1.0, mass.sum(-1), 1e-5);
    }

    [Fact]
    public void With_guidance_the_recorder_keeps_the_conditional_rows_and_not_the_unconditional_ones()
    {
        // One item, 2 heads, 4 positions (a 2x2 grid), 3 tokens. The unconditional rows put every query's attention on
        // token 0; the conditional rows on token 2 for head 0 and evenly on tokens 1 and 2 for head 1. By hand: the
        // conditional mass is [0, 0.25, 0.75] (the mean over heads of [0, 0, 1] and [0, 0.5, 0.5]).
        var unconditional = new float[2 * 4 * 3];
        var conditional = new float[2 * 4 * 3];
        for (int h = 0; h < 2; h++)
            for (int q = 0; q < 4; q++)
            {
                unconditional[(h * 4 + q) * 3 + 0] = 1f;
                if (h == 0) conditional[(h * 4 + q) * 3 + 2] = 1f;
                else { conditional[(h * 4 + q) * 3 + 1] = 0.5f; conditional[(h * 4 + q) * 3 + 2] = 0.5f; }
            }
        using var probabilities = tensor(unconditional.Concat(conditional).ToArray(), [4, 4, 3]);   // [unconditional; conditional] x heads
        using var recorder = new CrossAttentionRecorder(guided: true, side: 2);
        using var returned = recorder.OnCrossAttention("layer", 2, probabilities);
        Assert.True(returned.eq(probabilities).all().item<bool>());
        using var mass = recorder.MeanMass();
        Assert.Equal(new[] { 0f, 0.25f, 0.75f }, mass.data<float>().ToArray());
    }

    [Fact]
    public void Patch_shares_equal_each_patchs_own_contribution_to_the_tokens_computed_through_the_adapter()
    {
        var (model, _) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
        var adapter = model.Adapter;
        using var noGrad = no_grad();
        using var tokens = model.BrainEncoder.Encode(randn([1, 64], generator: new Generator(6)), withClsToken: true);  // (1, 1 + L, D)
        using var shares = AdapterTokenComposition.PatchShares(adapter, tokens);                                       // (1, T, L)
        long l = tokens.shape[1] - 1, t = adapter.Config.ContextTokens;
        Assert.Equal(new long[] { 1, t, l }, shares.shape);
        // Independently: run the adapter on the tokens with all patches but p zeroed, minus the all-zero run: what patch p
        // adds to each context token. Its norm, normalised over the patches, is the share.
        using var zero = zeros_like(tokens);
        using var baseline = adapter.forward(zero).Context;                                                           // (1, T, D_ctx)
        var norms = new double[t, l];
        for (int p = 0; p < l; p++)
        {
            using var only = zeros_like(tokens);
            only[.., 1 + p, ..] = tokens[.., 1 + p, ..];
            using var context = adapter.forward(only).Context;
            using var added = (context - baseline)[0].norm(-1);                                                       // (T)
            for (int k = 0; k < t; k++) norms[k, p] = added[k].item<float>();
        }
        for (int k = 0; k < t; k++)
        {
            double total = Enumerable.Range(0, (int)l).Sum(p => norms[k, p]);
            for (int p = 0; p < l; p++) Assert.Equal(norms[k, p] / total, shares[0, k, p].item<float>(), 4);
        }
    }

    [Fact]
    public void Patch_rois_count_the_real_voxels_of_each_patch_and_roi_maps_sum_to_one()
    {
        // 40 real voxels + 8 padding in patches of 16: patch 0 = voxels 0-15, patch 1 = 16-31, patch 2 = 32-39 (+ padding).
        var data = new FmriDataset
        {
            Voxels = new float[48], SampleCount = 1, VoxelCount = 48, StimulusIds = [new("a")], CategoryLabels = [0], Runs = [1],
            Splits = [DataSplit.Test], RepeatCounts = [1], PaddingVoxels = 8,
            Rois = new Dictionary<string, int[]> { ["V1"] = [.. Enumerable.Range(0, 20)], ["LOC"] = [.. Enumerable.Range(20, 20)], ["VC"] = [.. Enumerable.Range(0, 40)] },
        };
        var rois = PatchRois.For(data, "d.h5", null, 48, 16);
        Assert.Equal(new[] { "V1", "LOC" }, rois.Names);                                   // the default list, in its order; VC left out
        Assert.Equal(new[] { 1f, 4 / 16f, 0f, 0f, 12 / 16f, 1f }, rois.Shares);
        Assert.Equal(3, rois.RealPatches);
        Assert.Equal(new[] { 1.25 / 3, 1.75 / 3 }, rois.SizeShares());
        Assert.Equal("rois", Assert.Throws<InvalidSettingException>(() => PatchRois.For(data, "d.h5", ["V5"], 48, 16)).Setting);

        // Two tokens: token 0 made of patch 0 (all V1), token 1 of patches 1 and 2 equally.
        using var shares = tensor(new float[] { 1, 0, 0, 0, 0.5f, 0.5f }, [2, 3]);
        using var maps = rand([2, 4, 4], generator: new Generator(2));
        using var normalised = maps / maps.sum([-2, -1], keepdim: true);
        using var mass = tensor(new float[] { 0.25f, 0.75f });
        var roi = RoiAttention.Combine(normalised, mass, shares, rois);
        // w(V1) = (1, 0.125), w(LOC) = (0, 0.875): V1's map mixes both tokens 1 : 0.125, LOC's is token 1's.
        Assert.Equal(new[] { 1f, 0.125f, 0f, 0.875f }, roi.TokenRoiWeights);
        var m = normalised.data<float>().ToArray();
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal((m[i] + 0.125 * m[16 + i]) / 1.125, roi.Map(0)[i], 5);
            Assert.Equal(m[16 + i], roi.Map(1)[i], 5);
        }
        Assert.Equal(1.0, roi.Map(0).Sum(), 5);
        // V1's map is LOC's (token 1) mixed with token 0's: their distance is ½ Σ |(m0 - m1) / 1.125|.
        double distance = Enumerable.Range(0, 16).Sum(i => Math.Abs(m[i] - m[16 + i]) / 1.125) / 2;
        Assert.Equal(distance, roi.LargestMapDistance(), 5);
        Assert.Equal(0.25 + 0.125 * 0.75, roi.AttentionShares[0], 5);
        Assert.Equal(0.875 * 0.75 / (1.75 / 3), roi.SizeRatios[1], 5);
    }

    [Fact]
    public void The_cls_pooled_adapter_has_no_patch_composition_and_is_refused()
    {
        var adapter = new FmriConditionAdapter(new FmriConditionAdapterConfig
        {
            FmriSequenceLength = 4, FmriLatentDim = 8, ContextTokens = 2, CrossAttentionDim = 8, TimeEmbedDim = 0, Kind = FmriAdapterKind.PooledCls,
        }, new Generator(1));
        Assert.Equal("model", Assert.Throws<InvalidSettingException>(() => AdapterTokenComposition.PatchShares(adapter, zeros(1, 5, 8))).Setting);
    }
}
