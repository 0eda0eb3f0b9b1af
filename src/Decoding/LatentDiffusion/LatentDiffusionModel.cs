using Decoding.Conditioning;
using Decoding.Models.Unet;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Fmri.Core.Torch;

namespace Decoding.LatentDiffusion;

#pragma warning disable IDE1006 // field names are the checkpoint keys

/// <summary>
/// The trainable part of a class-conditional latent diffusion model, as LDM's <c>LatentDiffusion</c> holds it: the
/// denoising UNet (<c>unet.*</c>) and the conditioning encoder (<c>conditioner.*</c>, which plays the part of Stable
/// Diffusion's text encoder). The first stage is frozen and kept outside. One optimiser, one EMA and one checkpoint
/// cover both parts.
/// </summary>
public sealed class LatentDiffusionModel : Module
{
    private readonly UNet2DConditionModel unet;
    private readonly LabelConditioner conditioner;

    /// <param name="config">UNet, conditioner and scheduler configs.</param>
    /// <param name="tokenizer">The class-name tokenizer the conditioner reads.</param>
    /// <param name="generator">Source of every initial weight (conditioner first, then the UNet).</param>
    /// <param name="device">Device of the parameters (null: CPU).</param>
    public LatentDiffusionModel(LatentDiffusionModelConfig config, WordTokenizer tokenizer, Generator generator, Device? device = null)
        : base(nameof(LatentDiffusionModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(generator);
        if (config.Unet.CrossAttentionDim != config.Conditioner.HiddenSize)
            throw new ArgumentException($"latent diffusion model: unet.cross_attention_dim ({config.Unet.CrossAttentionDim}) must equal conditioner.hidden_size ({config.Conditioner.HiddenSize})");
        Config = config;
        conditioner = new LabelConditioner(config.Conditioner, tokenizer, generator);
        unet = new UNet2DConditionModel(config.Unet);
        SeededInitialization.Apply(unet, generator);
        RegisterComponents();
        if (device is not null && !TorchDevice.IsHost(device)) this.to(device);
    }

    public LatentDiffusionModelConfig Config { get; }

    /// <summary>The denoising network ε_θ(z_t, t, c).</summary>
    public UNet2DConditionModel Unet => unet;

    /// <summary>The conditioning encoder τ_θ(y): class-name prompts → cross-attention context.</summary>
    public LabelConditioner Conditioner => conditioner;

    /// <summary>The device of the parameters.</summary>
    public Device Device => parameters().First().device;
}
