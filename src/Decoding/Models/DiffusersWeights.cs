using Decoding.Models.Unet;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using static TorchSharp.torch;

namespace Decoding.Models;

/// <summary>
/// Released diffusers weights (Stable Diffusion 1.x <c>unet/</c> and <c>vae/</c> folders:
/// <c>config.json</c> with <c>diffusion_pytorch_model.bin</c> or <c>.safetensors</c>) into this project's
/// <see cref="UNet2DConditionModel"/> and <see cref="AutoencoderKL"/>, whose parameter names are diffusers' own.
/// <para>
/// Name mapping: the identity, except the VAE attention of diffusers releases before 0.14 (as in the SD 1.x
/// repositories' <c>vae/diffusion_pytorch_model.bin</c>): <c>attentions.N.query</c> -&gt; <c>to_q</c>,
/// <c>key</c> -&gt; <c>to_k</c>, <c>value</c> -&gt; <c>to_v</c>, <c>proj_attn</c> -&gt; <c>to_out.0</c>, the renaming
/// diffusers itself applies when it loads such files. Loading is strict: missing, unexpected and mismatched-shape keys
/// are listed in one error; float16 and bfloat16 weights are widened to float32.
/// </para>
/// </summary>
public static class DiffusersWeights
{
    private static readonly (string Old, string New)[] DeprecatedVaeAttention =
        [(".query.", ".to_q."), (".key.", ".to_k."), (".value.", ".to_v."), (".proj_attn.", ".to_out.0.")];

    /// <summary>The project's name of a diffusers VAE key (the deprecated attention names renamed; others unchanged).</summary>
    public static string VaeKey(string key)
    {
        if (!key.Contains(".attentions.", StringComparison.Ordinal)) return key;
        foreach (var (old, @new) in DeprecatedVaeAttention)
            if (key.Contains(old, StringComparison.Ordinal)) return key.Replace(old, @new, StringComparison.Ordinal);
        return key;
    }

    /// <summary>A UNet built from <paramref name="configPath"/> (diffusers <c>config.json</c>) with the weights of <paramref name="weightsPath"/>.</summary>
    public static UNet2DConditionModel LoadUNet(string weightsPath, string configPath)
    {
        var config = UNet2DConditionConfig.Load(configPath);
        var model = new UNet2DConditionModel(config);
        Load(model, weightsPath, k => k);
        return model;
    }

    /// <summary>A VAE built from <paramref name="configPath"/> with the weights of <paramref name="weightsPath"/> (old attention names accepted).</summary>
    public static AutoencoderKL LoadVae(string weightsPath, string configPath)
    {
        var config = AutoencoderKLConfig.Load(configPath);
        var model = new AutoencoderKL(config);
        Load(model, weightsPath, VaeKey);
        return model;
    }

    private static void Load(nn.Module model, string weightsPath, Func<string, string> rename)
    {
        var read = PyTorchFile.ReadStateDict(weightsPath);
        try
        {
            var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, tensor) in read)
            {
                string name = rename(key);
                if (!renamed.TryAdd(name, tensor))
                    throw new Fmri.Core.DataFormatException(weightsPath, key, $"and another key both name '{name}' (old and new attention names mixed)");
            }
            ModuleWeights.LoadStrict(model, renamed, weightsPath);
        }
        finally
        {
            foreach (var t in read.Values) t.Dispose();
        }
    }
}
