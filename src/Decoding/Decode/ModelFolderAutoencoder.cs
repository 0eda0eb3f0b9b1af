using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;

namespace Decoding.Decode;

/// <summary>
/// The frozen autoencoder of a trained model folder, with the image format its model works on, for the VAE-latent
/// ridge baseline (<c>evaluate --ridge-vae</c>). The folder is a <c>train-adapter</c> output
/// (<see cref="DoubleConditionedLdmFolder"/>: <c>dc_ldm.*</c> + <c>vae.*</c>) or a <c>train-ldm</c> output
/// (<see cref="LatentDiffusionModelFolder"/>: <c>ldm.*</c> + <c>vae.*</c>); the image size and channels come from the
/// model's config, as <c>train-adapter</c> and <c>decode</c> take them for the stimulus pairs.
/// </summary>
/// <param name="FirstStage">The autoencoder, frozen (no gradients) and in evaluation mode.</param>
/// <param name="ImageSize">Side of the model's square images.</param>
/// <param name="ImageChannels">The model's image channels.</param>
/// <param name="ConfigPath">The model config the format was read from.</param>
/// <param name="VaeWeightsPath">The autoencoder's weights file (hashed into the evaluation's inputs).</param>
public sealed record ModelFolderAutoencoder(AutoencoderFirstStage FirstStage, int ImageSize, int ImageChannels, string ConfigPath, string VaeWeightsPath)
    : IDisposable
{
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no trained model, or its model's autoencoder is missing.</exception>
    /// <exception cref="DataFormatException">The model is pixel-space (no autoencoder) or its config disagrees with the autoencoder's.</exception>
    public static ModelFolderAutoencoder Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Check.ExistingFolder(folder, "ridge_vae");
        var adapterFolder = new DoubleConditionedLdmFolder(folder);
        var ldmFolder = new LatentDiffusionModelFolder(folder);
        ModelCheckpoint checkpoint, vaeCheckpoint;
        int imageSize, imageChannels;
        string firstStage;
        if (adapterFolder.Checkpoint.Exists)
        {
            (checkpoint, vaeCheckpoint) = (adapterFolder.Checkpoint, adapterFolder.VaeCheckpoint);
            var config = checkpoint.ReadConfig<DoubleConditionedLdmConfig>();
            (imageSize, imageChannels, firstStage) = (config.ImageSize, config.ImageChannels, config.FirstStage);
        }
        else if (ldmFolder.Checkpoint.Exists)
        {
            (checkpoint, vaeCheckpoint) = (ldmFolder.Checkpoint, ldmFolder.VaeCheckpoint);
            var config = ldmFolder.ReadConfig();
            (imageSize, imageChannels, firstStage) = (config.ImageSize, config.ImageChannels, config.FirstStage);
        }
        else
        {
            throw new InvalidSettingException("ridge_vae", folder, $"holds neither {Path.GetFileName(adapterFolder.Checkpoint.ManifestPath)} "
                + $"(a train-adapter output) nor {Path.GetFileName(ldmFolder.Checkpoint.ManifestPath)} (a train-ldm output)");
        }
        if (firstStage != nameof(AutoencoderKL))
            throw new DataFormatException(checkpoint.ConfigPath, "first_stage", $"is '{firstStage}': the model works on pixels and has no autoencoder");
        if (!vaeCheckpoint.Exists)
            throw new FileNotFoundException($"{vaeCheckpoint.ManifestPath}: the model's autoencoder is missing", vaeCheckpoint.ManifestPath);
        var vaeConfig = vaeCheckpoint.ReadConfig<AutoencoderKLConfig>();
        if (vaeConfig.InChannels != imageChannels)
            throw new DataFormatException(vaeCheckpoint.ConfigPath, "in_channels", $"is {vaeConfig.InChannels}; the model in {checkpoint.ConfigPath} works on {imageChannels}-channel images");
        var vae = new AutoencoderKL(vaeConfig);
        try
        {
            vaeCheckpoint.LoadWeights(vae, vaeConfig);
        }
        catch
        {
            vae.Dispose();
            throw;
        }
        return new ModelFolderAutoencoder(new AutoencoderFirstStage(vae), imageSize, imageChannels, checkpoint.ConfigPath, vaeCheckpoint.WeightsPath);
    }

    public void Dispose() => FirstStage.Vae.Dispose();
}
