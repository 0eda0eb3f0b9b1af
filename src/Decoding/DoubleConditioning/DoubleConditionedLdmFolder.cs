using Decoding.LatentDiffusion;
using Fmri.Core.Training;
using Decoding.Models.Unet;
using Decoding.Models.Vae;
using Fmri.Core.Checkpoints;
using Fmri.MaskedBrainModeling;
using TorchSharp;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.DoubleConditioning;

/// <summary>
/// The files of a trained fMRI-to-image model, one folder (what <c>train-adapter --out</c> writes and
/// <c>decode --model</c> reads):
/// <list type="bullet">
/// <item><c>dc_ldm.*</c>: brain encoder + adapter + UNet (<see cref="ModelCheckpoint"/> with
/// <see cref="DoubleConditionedLdmConfig"/>, training state and AdamW state).</item>
/// <item><c>vae.*</c>: a copy of the frozen autoencoder (absent for a pixel-space model).</item>
/// <item><c>dc_ldm_loss.csv</c>, <c>dc_ldm_loss.png</c>, <c>run.json</c>.</item>
/// </list>
/// </summary>
public sealed class DoubleConditionedLdmFolder
{
    public const string CheckpointName = "dc_ldm";
    public const string VaeCheckpointName = "vae";
    public const string LossCsvFile = "dc_ldm_loss.csv";
    public const string LossPngFile = "dc_ldm_loss.png";

    public DoubleConditionedLdmFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = folder;
    }

    public string Folder { get; }
    public ModelCheckpoint Checkpoint => new(Folder, CheckpointName);
    public ModelCheckpoint VaeCheckpoint => new(Folder, VaeCheckpointName);
    public string LossCsvPath => Path.Combine(Folder, LossCsvFile);
    public string LossPngPath => Path.Combine(Folder, LossPngFile);

    /// <summary>Every file <see cref="Load"/> reads (the model's and its VAE's weights and configs): what a run that
    /// uses the model hashes into its run.json.</summary>
    public IReadOnlyList<string> ModelFiles => [.. Checkpoint.ModelFiles, .. VaeCheckpoint.ModelFiles];

    /// <summary>
    /// A new DC-LDM from a pretrained brain encoder (<c>pretrain-mbm</c> folder) and a trained latent diffusion model
    /// (<c>train-ldm</c> folder, its EMA weights when present). The adapter's shapes come from both: L and D_fmri from
    /// the encoder, T (the context length the UNet was trained with), D_ctx and D_time from the LDM.
    /// </summary>
    /// <param name="generator">Draws the adapter's initial weights.</param>
    /// <param name="clsTokenInEncoder">Run the brain encoder with its CLS token (stage A's layout) or on the patch tokens
    /// alone (MinD-Vis's stage B); see <see cref="FmriConditionAdapterConfig.ClsTokenInEncoder"/>.</param>
    public static (DoubleConditionedLdm Model, FirstStage FirstStage) Build(string mbmFolder, string ldmFolder, TrainableParts trainable,
        FmriAdapterKind adapterKind, Generator generator, bool clsTokenInEncoder = true)
    {
        var (encoder, encoderConfig) = MaskedBrainPretraining.Load(mbmFolder);
        var ldm = new LatentDiffusionModelFolder(ldmFolder);
        var ldmConfig = ldm.ReadConfig();
        var pipeline = ldm.LoadPipeline(useEmaWeights: true);
        var unet = pipeline.Model.Unet;
        var adapterConfig = new FmriConditionAdapterConfig
        {
            FmriSequenceLength = encoder.Config.NumPatches,
            FmriLatentDim = encoder.Config.EmbedDim,
            ContextTokens = ldmConfig.Conditioner.MaxPositionEmbeddings,
            CrossAttentionDim = unet.Config.CrossAttentionDim,
            TimeEmbedDim = unet.TimeEmbeddingDim,
            Kind = adapterKind,
            ClsTokenInEncoder = clsTokenInEncoder,
        };
        var adapter = new FmriConditionAdapter(adapterConfig, generator);
        SeedLayers(adapter, generator);
        var config = new DoubleConditionedLdmConfig
        {
            BrainEncoder = encoderConfig,
            Adapter = adapterConfig,
            Unet = unet.Config,
            Scheduler = ldmConfig.Scheduler,
            ImageSize = ldmConfig.ImageSize,
            ImageChannels = ldmConfig.ImageChannels,
            FirstStage = ldmConfig.FirstStage,
            Trainable = trainable,
        };
        return (TorchDevice.Place(new DoubleConditionedLdm(config, encoder, adapter, unet)), pipeline.Sampler.FirstStage);
    }

    /// <summary>Saves the model (and, once, the first stage it was trained with).</summary>
    public void Save(DoubleConditionedLdm model, FirstStage firstStage, TrainingState? state = null, TorchSharp.Modules.AdamW? optimizer = null,
        ExponentialMovingAverage? ema = null)
    {
        Checkpoint.Save(model, model.Config, state, ema?.ShadowParameters, ema?.StateMetadata(), optimizer);
        if (firstStage is AutoencoderFirstStage autoencoder && !VaeCheckpoint.Exists)
            VaeCheckpoint.Save(autoencoder.Vae, autoencoder.Vae.Config);
    }

    /// <summary>Loads a trained model and its first stage, in evaluation mode.</summary>
    public (DoubleConditionedLdm Model, FirstStage FirstStage) Load()
    {
        if (!Checkpoint.Exists)
            throw new InvalidSettingException("model", Folder, "holds no trained fMRI-to-image model (run train-adapter first)");
        var config = Checkpoint.ReadConfig<DoubleConditionedLdmConfig>();
        using var generator = new Generator(0);   // every weight is overwritten by the checkpoint
        var model = new DoubleConditionedLdm(config, new MaskedBrainAutoencoder(config.BrainEncoder.Model, generator),
            new FmriConditionAdapter(config.Adapter, generator), new UNet2DConditionModel(config.Unet));
        Checkpoint.LoadWeights(TorchDevice.Place(model), config);
        if (Checkpoint.HasEmaWeights)
        {
            // Decoding uses the moving average of the trained weights when training kept one.
            using var ema = Checkpoint.ReadEmaWeights();
            using var noGrad = no_grad();
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, value) in ema.Tensors)
            {
                if (!parameters.TryGetValue(name, out var parameter) || !parameter.shape.SequenceEqual(value.shape))
                    throw new DataFormatException(Checkpoint.EmaWeightsPath, name, "does not match the model's parameters");
                parameter.copy_(value);
            }
        }
        model.eval();
        return (model, LoadFirstStage(config));
    }

    /// <summary>
    /// The condition dropout the model was trained with, from the folder's run.json (<c>config.options.condition_dropout</c>);
    /// null when the folder has no such record (a model from elsewhere). With 0 the adapter's null condition was never
    /// trained, so classifier-free guidance has no meaningful unconditional direction.
    /// </summary>
    public double? TrainedConditionDropout()
    {
        string record = Path.Combine(Folder, "run.json");
        if (!File.Exists(record)) return null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(record));
            return json.RootElement.TryGetProperty("config", out var config) && config.TryGetProperty("options", out var options)
                && options.TryGetProperty("condition_dropout", out var dropout) && dropout.TryGetDouble(out double value) ? value : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;   // not a record this program wrote: nothing to say
        }
    }

    /// <summary>
    /// The alignment targets of the training pairs: for each pair, the context the LDM's conditioner makes of its
    /// stimulus's category name, (N, T, D_ctx).
    /// </summary>
    public static Tensor CategoryContexts(string ldmFolder, IReadOnlyList<string> categoryNames, IReadOnlyList<int> categories)
    {
        var pipeline = new LatentDiffusionModelFolder(ldmFolder).LoadPipeline(useEmaWeights: true);
        var names = categories.Select(c => c >= 0 && c < categoryNames.Count ? categoryNames[c] : "").ToArray();
        foreach (var name in names.Distinct())
            if (!pipeline.ClassNames.Contains(name))
                throw new InvalidSettingException("align_weight", null, $"needs category names the LDM knows; '{name}' is not one of {string.Join(", ", pipeline.ClassNames)}");
        using var noGrad = no_grad();
        var distinct = names.Distinct().ToArray();
        using var contexts = pipeline.Model.Conditioner.Encode(distinct).to(TorchDevice.Host);                       // (K, T, D)
        using var index = tensor(names.Select(n => (long)Array.IndexOf(distinct, n)).ToArray(), ScalarType.Int64);
        return contexts.index_select(0, index);                                                        // (N, T, D)
    }

    /// <summary>Name of the trainer's generator in the saved training state.</summary>
    public const string GeneratorName = "training";

    private FirstStage LoadFirstStage(DoubleConditionedLdmConfig config)
    {
        if (config.FirstStage == IdentityFirstStage.KindName) return new IdentityFirstStage(config.ImageChannels);
        if (config.FirstStage != nameof(AutoencoderKL))
            throw new DataFormatException(Checkpoint.ConfigPath, "first_stage", $"'{config.FirstStage}' is neither {nameof(AutoencoderKL)} nor {IdentityFirstStage.KindName}");
        if (!VaeCheckpoint.Exists)
            throw new FileNotFoundException($"{VaeCheckpoint.ManifestPath}: the model's autoencoder is missing", VaeCheckpoint.ManifestPath);
        var vae = new AutoencoderKL(VaeCheckpoint.ReadConfig<AutoencoderKLConfig>());
        VaeCheckpoint.LoadWeights(vae, vae.Config);
        return new AutoencoderFirstStage(vae);
    }

    /// <summary>PyTorch's default Conv/Linear initialisation, U(−1/√fan_in, 1/√fan_in), drawn from <paramref name="generator"/>.</summary>
    public static void SeedLayers(FmriConditionAdapter adapter, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (_, layer) in adapter.named_modules())
        {
            if (layer is not (TorchSharp.Modules.Conv1d or TorchSharp.Modules.Linear)) continue;
            var parameters = layer.named_parameters(recurse: false).ToList();
            var weight = parameters.First(p => p.name == "weight").parameter;
            double bound = 1.0 / Math.Sqrt(weight.numel() / weight.shape[0]);
            foreach (var (_, p) in parameters) p.uniform_(-bound, bound, generator);
        }
    }
}
