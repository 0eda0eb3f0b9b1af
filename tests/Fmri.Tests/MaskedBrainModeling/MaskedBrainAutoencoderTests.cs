using Fmri.MaskedBrainModeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.MaskedBrainModeling;

public class MaskedBrainAutoencoderTests
{
    private static readonly Device Meta = new(DeviceType.META);

    [Fact]
    public void Paper_encoder_parameter_count_matches_the_hand_count()
    {
        // Paper(4656): D = 1024, P = 16, MLP hidden = 1024 * 1.0 = 1024, depth 24.
        //   patch_embed.proj: 1024 * 1 * 16 + 1024                                  =      17,408
        //   cls_token: 1024                                                          =       1,024
        //   one block: norm1 2 * 1024 = 2,048; attn.qkv 1024 * 3072 + 3072 = 3,148,800;
        //              attn.proj 1024 * 1024 + 1024 = 1,049,600; norm2 2,048;
        //              mlp.fc1 1,049,600; mlp.fc2 1,049,600                          =   6,301,696
        //   24 blocks: 24 * 6,301,696                                                = 151,240,704
        //   norm: 2,048
        //   encoder total: 17,408 + 1,024 + 151,240,704 + 2,048                      = 151,261,184
        // Decoder: Dd = 512, hidden 512, depth 8.
        //   decoder_embed 1024 * 512 + 512 = 524,800; mask_token 512;
        //   one block: 1,024 + (512 * 1536 + 1536 = 787,968) + 262,656 + 1,024 + 262,656 + 262,656 = 1,577,984;
        //   8 blocks 12,623,872; decoder_norm 1,024; decoder_pred 512 * 16 + 16 = 8,208
        //   decoder total: 524,800 + 512 + 12,623,872 + 1,024 + 8,208                = 13,158,416
        // The positional embeddings (1 + 291) x 1024 and x 512 are buffers, not parameters.
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Paper(4656), null, Meta);
        var encoderPrefixes = new[] { "patch_embed.", "cls_token", "blocks.", "norm." };
        long encoder = model.named_parameters().Where(p => encoderPrefixes.Any(p.name.StartsWith)).Sum(p => p.parameter.numel());
        long total = model.parameters().Sum(p => p.numel());
        Assert.Equal(151_261_184L, encoder);
        Assert.Equal(151_261_184L + 13_158_416L, total);
        Assert.Equal(new long[] { 1, 292, 1024 }, model.state_dict()["pos_embed"].shape);
        Assert.Equal(new long[] { 1, 292, 512 }, model.state_dict()["decoder_pos_embed"].shape);
    }

    [Fact]
    public void State_dict_keys_follow_the_MAE_names()
    {
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(64), null, Meta);
        string[] blockKeys = ["norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
            "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias"];
        var expected = new List<string> { "cls_token", "mask_token", "pos_embed", "decoder_pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias" };
        expected.AddRange(from i in new[] { 0, 1 } from k in blockKeys select $"blocks.{i}.{k}");   // Tiny: depth 2
        expected.AddRange(["norm.weight", "norm.bias", "decoder_embed.weight", "decoder_embed.bias"]);
        expected.AddRange(blockKeys.Select(k => $"decoder_blocks.0.{k}"));                        // Tiny: decoder depth 1
        expected.AddRange(["decoder_norm.weight", "decoder_norm.bias", "decoder_pred.weight", "decoder_pred.bias"]);
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    public void Shapes_of_forward_encode_and_patchify()
    {
        var config = MaskedBrainAutoencoderConfig.Tiny(128);   // L = 8 patches of 16, D = 64
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(config, init);
        using var generator = new Generator(1);
        using var voxels = randn(new long[] { 3, 128 }, generator: generator);

        var (loss, predicted, mask) = model.Forward(voxels, generator);
        using (loss) using (predicted) using (mask)
        {
            Assert.Empty(loss.shape);
            Assert.Equal(new long[] { 3, 8, 16 }, predicted.shape);
            Assert.Equal(new long[] { 3, 8 }, mask.shape);
            Assert.Equal(3 * 6.0, mask.sum().ToDouble());   // len_keep = floor(8 * 0.25) = 2, so 6 masked per sample
        }
        var (latent, _, _) = model.ForwardEncoder(voxels, 0.5, generator);
        using (latent) Assert.Equal(new long[] { 3, 1 + 4, 64 }, latent.shape);   // CLS + floor(8 * 0.5) visible

        using (var withCls = model.Encode(voxels)) Assert.Equal(new long[] { 3, 9, 64 }, withCls.shape);
        using (var patchesOnly = model.Encode(voxels, withClsToken: false)) Assert.Equal(new long[] { 3, 8, 64 }, patchesOnly.shape);

        using var patches = model.Patchify(voxels);
        Assert.Equal(new long[] { 3, 8, 16 }, patches.shape);
        // Patch l of sample n holds voxels 16 l .. 16 l + 15 of that sample.
        Assert.Equal(voxels[1, 16 * 5 + 3].ToDouble(), patches[1, 5, 3].ToDouble());
        using var back = model.Unpatchify(patches);
        Assert.True(TensorAssert.Identical(back, voxels));
    }

    [Fact]
    public void Wrong_voxel_width_is_refused_naming_both_widths()
    {
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(MaskedBrainAutoencoderConfig.Tiny(128), init);
        using var voxels = zeros(2, 112);
        var error = Assert.Throws<ArgumentException>(() => model.Encode(voxels));
        Assert.Contains("112", error.Message);
        Assert.Contains("128", error.Message);
    }

    [Fact]
    public void Initialisation_is_a_function_of_the_generator_seed_and_follows_MAE()
    {
        var config = MaskedBrainAutoencoderConfig.Tiny(64);
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        using var g3 = new Generator(10);
        using var a = new MaskedBrainAutoencoder(config, g1);
        using var b = new MaskedBrainAutoencoder(config, g2);
        using var c = new MaskedBrainAutoencoder(config, g3);
        var sa = a.state_dict();
        Assert.All(sa, kv => Assert.True(TensorAssert.Identical(kv.Value, b.state_dict()[kv.Key]), kv.Key));
        Assert.False(TensorAssert.Identical(sa["blocks.0.attn.qkv.weight"], c.state_dict()["blocks.0.attn.qkv.weight"]));

        // Xavier-uniform bound for qkv (192 x 64): sqrt(6 / (64 + 192)) = 0.1531; biases zero; LayerNorm (1, 0).
        Assert.True(sa["blocks.0.attn.qkv.weight"].abs().max().ToDouble() <= Math.Sqrt(6.0 / 256));
        Assert.True(sa["blocks.0.attn.qkv.weight"].abs().max().ToDouble() > 0.9 * Math.Sqrt(6.0 / 256));   // 12,288 draws fill the range
        Assert.Equal(0.0, sa["blocks.0.attn.qkv.bias"].abs().max().ToDouble());
        Assert.Equal(1.0, sa["norm.weight"].min().ToDouble());
        // Patch embedding like a Linear 16 -> 64: bound sqrt(6 / (16 + 64)) = 0.2739.
        Assert.True(sa["patch_embed.proj.weight"].abs().max().ToDouble() <= Math.Sqrt(6.0 / 80));
        Assert.Equal(0.0, sa["patch_embed.proj.bias"].abs().max().ToDouble());
        // cls token ~ N(0, 0.02): 64 draws, all within 5 standard deviations (0.1), not all zero.
        double clsMax = sa["cls_token"].abs().max().ToDouble();
        Assert.InRange(clsMax, 1e-6, 0.1);
    }

    [Fact]
    public void Dropout_and_drop_path_draw_only_from_the_generator_passed_in()
    {
        var config = MaskedBrainAutoencoderConfig.Tiny(64) with { DropRate = 0.2, DropPathRate = 0.2 };
        using var init = new Generator(0);
        using var model = new MaskedBrainAutoencoder(config, init);
        using var data = new Generator(1);
        using var voxels = randn(new long[] { 4, 64 }, generator: data);
        double LossWithSeed(ulong seed)
        {
            using var generator = new Generator(seed);
            var (loss, predicted, mask) = model.Forward(voxels, generator);
            predicted.Dispose();
            mask.Dispose();
            using (loss) return loss.ToDouble();
        }

        model.train();
        double trainingLoss = LossWithSeed(7);
        Assert.Equal(trainingLoss, LossWithSeed(7));   // a global draw would make the second call differ
        // Training mode with dropout needs a generator; evaluation mode does not draw at all.
        var error = Assert.Throws<ArgumentException>(() => model.Encode(voxels));
        Assert.Contains("generator", error.Message);
        model.eval();
        Assert.NotEqual(trainingLoss, LossWithSeed(7));   // same masks, but no dropout: dropout was active in training
        using var first = model.Encode(voxels);
        using var second = model.Encode(voxels);
        Assert.True(TensorAssert.Identical(first, second));
    }
}
