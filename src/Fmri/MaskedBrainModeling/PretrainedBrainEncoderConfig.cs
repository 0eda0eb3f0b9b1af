using System.Text.Json.Serialization;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The config stored with a masked-brain-modeling checkpoint (<c>mbm.config.json</c>): the autoencoder's architecture
/// and how its pretraining data were chosen, so that every later stage can see whether test-set fMRI was used.
/// Resuming with a different one is refused field by field.
/// </summary>
public sealed record PretrainedBrainEncoderConfig
{
    /// <summary>Name of the checkpoint files in a pretraining folder (<c>mbm.safetensors</c>, <c>mbm.config.json</c>, ...).</summary>
    public const string CheckpointName = "mbm";

    /// <summary>Preset the architecture came from: tiny, small or paper.</summary>
    [JsonPropertyName("preset")] public string Preset { get; init; } = "";

    /// <summary>The autoencoder's architecture (its NumVoxels fixes the data width).</summary>
    [JsonPropertyName("model")] public required MaskedBrainAutoencoderConfig Model { get; init; }

    /// <summary>True when test-split fMRI was part of the pretraining (MinD-Vis fine-tunes its encoder on the GOD test fMRI
    /// in a stage A2; here it is an explicit choice that joins the one pretraining run).</summary>
    [JsonPropertyName("include_test_fmri")] public bool IncludeTestFmri { get; init; }

    /// <summary>Voxels per sample in the pretraining data (before any explicit padding or cropping to the model's width).</summary>
    [JsonPropertyName("data_voxels")] public int DataVoxels { get; init; }

    /// <summary>"error" (widths had to agree) or "pad-or-crop" (data were padded with zeros or cropped at the end).</summary>
    [JsonPropertyName("width_policy")] public string WidthPolicy { get; init; } = WidthPolicyNames.Error;

    /// <summary>Samples per step the run trains with (null in checkpoints written before it was recorded); a resumed run must keep it.</summary>
    [JsonPropertyName("batch_size"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? BatchSize { get; init; }

    /// <summary>Learning rate at batch 100 the run trains with (null in older checkpoints); a resumed run must keep it.</summary>
    [JsonPropertyName("base_learning_rate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? BaseLearningRate { get; init; }
}

/// <summary>Command-line names of <see cref="Fmri.MaskedBrainModeling.WidthPolicy"/>.</summary>
public static class WidthPolicyNames
{
    public const string Error = "error";
    public const string PadOrCrop = "pad-or-crop";

    public static WidthPolicy Parse(string name) => name switch
    {
        Error => Fmri.MaskedBrainModeling.WidthPolicy.Error,
        PadOrCrop => Fmri.MaskedBrainModeling.WidthPolicy.PadOrCrop,
        _ => throw new InvalidSettingException("width_policy", $"'{name}'", $"is unknown; choose {Error} or {PadOrCrop}"),
    };

    public static string Name(WidthPolicy policy) => policy == Fmri.MaskedBrainModeling.WidthPolicy.PadOrCrop ? PadOrCrop : Error;
}
