using System.Globalization;
using System.Text.Json;
using Decoding.Conditioning;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using Fmri.Core.IO;
using TorchSharp;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// The files of a trained class-conditional latent diffusion model, one folder (what <c>train-ldm --out</c> writes and
/// <c>generate --model</c> reads), laid out like a diffusers pipeline folder but flat:
/// <list type="bullet">
/// <item><c>ldm.*</c>: UNet + conditioner checkpoint (<see cref="ModelCheckpoint"/>: weights, EMA weights, AdamW state,
/// training state, config <see cref="LatentDiffusionModelConfig"/>).</item>
/// <item><c>vae.*</c>: the frozen autoencoder, weights only, config with its scaling factor (absent in pixel space).</item>
/// <item><c>tokenizer.json</c>: the class-name vocabulary.</item>
/// <item><c>class_means.safetensors</c>: the mean training image of each class, (K, C, S, S) in [0, 1].</item>
/// <item><c>ldm_loss.csv</c>, <c>ldm_loss.png</c>: the training loss.</item>
/// </list>
/// </summary>
public sealed class LatentDiffusionModelFolder
{
    public const string CheckpointName = "ldm";
    public const string VaeCheckpointName = "vae";
    public const string TokenizerFile = "tokenizer.json";
    public const string ClassMeansFile = "class_means.safetensors";
    public const string ClassMeansKey = "class_means";
    public const string TrainingImagesOverallKey = "training_images_class_consistency";
    public const string TrainingImagesPerClassKey = "training_images_class_consistency_per_class";
    public const string LossCsvFile = "ldm_loss.csv";
    public const string LossPngFile = "ldm_loss.png";

    public LatentDiffusionModelFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = folder;
    }

    public string Folder { get; }
    public ModelCheckpoint Checkpoint => new(Folder, CheckpointName);
    public ModelCheckpoint VaeCheckpoint => new(Folder, VaeCheckpointName);
    public string TokenizerPath => Path.Combine(Folder, TokenizerFile);
    public string ClassMeansPath => Path.Combine(Folder, ClassMeansFile);
    public string LossCsvPath => Path.Combine(Folder, LossCsvFile);
    public string LossPngPath => Path.Combine(Folder, LossPngFile);

    /// <summary>Every file a pipeline loaded from this folder may read (UNet and VAE weights, EMA weights, configs,
    /// tokenizer, class means): what a run that uses the model hashes into its run.json.</summary>
    public IReadOnlyList<string> ModelFiles => [.. Checkpoint.ModelFiles, .. VaeCheckpoint.ModelFiles, TokenizerPath, ClassMeansPath];

    /// <summary>
    /// Writes the parts that do not change during training: tokenizer, class means (with the class consistency of the
    /// training images themselves as metadata, the reference for generated samples) and the first stage.
    /// </summary>
    public void SaveStaticParts(WordTokenizer tokenizer, Tensor classMeans, ClassConsistencyResult trainingImages, FirstStage firstStage)
    {
        Directory.CreateDirectory(Folder);
        tokenizer.Save(TokenizerPath);
        var metadata = new Dictionary<string, string>
        {
            [TrainingImagesOverallKey] = trainingImages.Overall.ToString("R", CultureInfo.InvariantCulture),
            [TrainingImagesPerClassKey] = JsonSerializer.Serialize(trainingImages.PerClass),
        };
        SafetensorsFile.Write(ClassMeansPath, new Dictionary<string, Tensor> { [ClassMeansKey] = classMeans }, metadata);
        if (firstStage is AutoencoderFirstStage autoencoder)
            VaeCheckpoint.Save(autoencoder.Vae, autoencoder.Vae.Config);
    }

    /// <summary>On resume: the first stage given must be the one the folder was trained with (same config and scale).</summary>
    public void CheckFirstStage(FirstStage firstStage)
    {
        if (firstStage is AutoencoderFirstStage autoencoder && VaeCheckpoint.Exists)
            VaeCheckpoint.CheckConfig(autoencoder.Vae.Config);
    }

    /// <summary>The model's config (checked against the manifest's hash).</summary>
    public LatentDiffusionModelConfig ReadConfig()
    {
        RequireModel();
        return Checkpoint.ReadConfig<LatentDiffusionModelConfig>();
    }

    /// <summary>The mean training image of each class, (K, C, S, S) float32 in [0, 1].</summary>
    public Tensor ReadClassMeans()
    {
        if (!File.Exists(ClassMeansPath))
            throw new FileNotFoundException($"{ClassMeansPath}: class means not found (the folder was not written by train-ldm)", ClassMeansPath);
        using var content = SafetensorsFile.Read(ClassMeansPath);
        if (!content.Tensors.TryGetValue(ClassMeansKey, out var means) || means.dim() != 4)
            throw new DataFormatException(ClassMeansPath, ClassMeansKey, "missing or not a (K, C, S, S) tensor");
        return means.clone();
    }

    /// <summary>
    /// The class consistency of the real training images (overall, per class), stored with the class means; null when the
    /// file holds none.
    /// </summary>
    public (double Overall, double[] PerClass)? ReadTrainingImagesConsistency()
    {
        if (!File.Exists(ClassMeansPath)) return null;
        var header = SafetensorsFile.ReadHeader(ClassMeansPath);
        if (!header.Metadata.TryGetValue(TrainingImagesOverallKey, out var overall)
            || !header.Metadata.TryGetValue(TrainingImagesPerClassKey, out var perClass)) return null;
        try
        {
            return (double.Parse(overall, CultureInfo.InvariantCulture), JsonSerializer.Deserialize<double[]>(perClass) ?? []);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new DataFormatException(ClassMeansPath, "__metadata__", $"the training images' class consistency is not readable: {e.Message}");
        }
    }

    /// <summary>
    /// Builds the text-to-image pipeline of this folder: the model with its EMA weights (or the live ones when
    /// <paramref name="useEmaWeights"/> is false or the checkpoint has none), the tokenizer and the first stage.
    /// </summary>
    public TextToImagePipeline LoadPipeline(Device? device = null, bool useEmaWeights = true)
    {
        device ??= TorchDevice.Current;
        var config = ReadConfig();
        if (!File.Exists(TokenizerPath))
            throw new FileNotFoundException($"{TokenizerPath}: tokenizer not found (the folder was not written by train-ldm)", TokenizerPath);
        var tokenizer = WordTokenizer.Load(TokenizerPath);
        if (tokenizer.VocabularySize != config.Conditioner.VocabSize)
            throw new DataFormatException(TokenizerPath, "vocabulary", $"has {tokenizer.VocabularySize} tokens; the conditioner was trained with {config.Conditioner.VocabSize}");

        // The weights are overwritten by the checkpoint; the generator only satisfies the constructor.
        var model = new LatentDiffusionModel(config, tokenizer, new Generator(0), device);
        var checkpoint = Checkpoint;
        if (!useEmaWeights && !checkpoint.HasEmaWeights && SafetensorsFile.ReadHeader(checkpoint.WeightsPath).Metadata.ContainsKey(ModelCheckpoint.FoldedEmaKey))
            throw new InvalidSettingException("no_ema", null,
                $"cannot be honoured: {checkpoint.WeightsPath} holds the EMA weights folded in by export-model, and the live weights were not exported");
        checkpoint.LoadWeights(model, config);
        if (useEmaWeights && checkpoint.HasEmaWeights)
        {
            using var ema = checkpoint.ReadEmaWeights();
            CopyParameters(model, ema.Tensors, checkpoint.EmaWeightsPath);
        }
        model.eval();
        return new TextToImagePipeline(model, LoadFirstStage(config, device));
    }

    private FirstStage LoadFirstStage(LatentDiffusionModelConfig config, Device? device)
    {
        switch (config.FirstStage)
        {
            case IdentityFirstStage.KindName:
                return new IdentityFirstStage(config.ImageChannels);
            case nameof(AutoencoderKL):
                var checkpoint = VaeCheckpoint;
                if (!checkpoint.Exists)
                    throw new FileNotFoundException($"{checkpoint.ManifestPath}: the model's autoencoder is missing", checkpoint.ManifestPath);
                var vae = new AutoencoderKL(checkpoint.ReadConfig<AutoencoderKLConfig>());
                checkpoint.LoadWeights(vae, vae.Config);
                if (device is not null && !TorchDevice.IsHost(device)) vae.to(device);
                return new AutoencoderFirstStage(vae);
            default:
                throw new DataFormatException(Checkpoint.ConfigPath, "first_stage", $"'{config.FirstStage}' is neither {nameof(AutoencoderKL)} nor {IdentityFirstStage.KindName}");
        }
    }

    private void RequireModel()
    {
        if (!Directory.Exists(Folder))
            throw new DirectoryNotFoundException($"{Folder}: model folder not found");
        if (!Checkpoint.Exists)
            throw new FileNotFoundException($"{Checkpoint.ManifestPath}: no trained latent diffusion model in {Folder} (train one with train-ldm)", Checkpoint.ManifestPath);
    }

    /// <summary>Copies EMA shadow parameters into the model; names and shapes must match exactly.</summary>
    private static void CopyParameters(LatentDiffusionModel model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var missing = parameters.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !parameters.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new DataFormatException(source, "EMA weights",
                $"do not match the model: {missing.Count} missing ({ModuleWeights.ListKeys(missing)}), {unexpected.Count} unexpected ({ModuleWeights.ListKeys(unexpected)})");
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (!weights[name].shape.SequenceEqual(parameter.shape))
                throw new DataFormatException(source, $"tensor '{name}'", $"shape [{string.Join(", ", weights[name].shape)}] differs from the model's [{string.Join(", ", parameter.shape)}]");
            parameter.copy_(weights[name]);
        }
    }
}
