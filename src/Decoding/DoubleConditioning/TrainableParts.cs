using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Decoding.DoubleConditioning;

/// <summary>Which parameters stage-B training updates. The first-stage autoencoder is frozen in every mode.</summary>
[JsonConverter(typeof(TrainablePartsJsonConverter))]
public enum TrainableParts
{
    /// <summary>
    /// MinD-Vis: the brain encoder, the adapter (with its fMRI-to-time-embedding path) and in the UNet only the
    /// cross-attention layers (<c>attn2</c>) and their norms (the transformer blocks' <c>norm2</c>); the UNet's own
    /// timestep MLP (<c>time_embedding</c>) stays frozen.
    /// </summary>
    MindVis,

    /// <summary>Brain encoder, adapter and the whole UNet.</summary>
    All,

    /// <summary>The adapter alone; brain encoder and UNet frozen.</summary>
    AdapterOnly,
}

/// <summary>Command-line names and the parameter-name rules of <see cref="TrainableParts"/>.</summary>
public static partial class TrainablePartsRules
{
    public static IReadOnlyList<string> Names { get; } = ["mindvis", "all", "adapter-only"];

    public static TrainableParts Parse(string name) => name switch
    {
        "mindvis" => TrainableParts.MindVis,
        "all" => TrainableParts.All,
        "adapter-only" => TrainableParts.AdapterOnly,
        _ => throw new InvalidSettingException("train", $"'{name}'", $"is unknown; choose one of {string.Join(", ", Names)}"),
    };

    public static string Name(TrainableParts parts) => parts switch
    {
        TrainableParts.MindVis => "mindvis",
        TrainableParts.All => "all",
        _ => "adapter-only",
    };

    /// <summary>
    /// True when a UNet parameter (its name inside the UNet, diffusers' keys) is trained in MinD-Vis mode. The
    /// reference code's rule is <c>'attn2' in n or 'time_embed_condtion' in n or 'norm2' in n</c> on LDM names:
    /// <c>time_embed_condtion</c> (sic) is the layers that map the fMRI to the added time embedding, which here live in
    /// the adapter (always trained), not the UNet's timestep MLP <c>time_embed</c>, which stays frozen. <c>norm2</c>
    /// only occurs in transformer blocks there; in diffusers' names ResNet blocks have a <c>norm2</c> too, so the rule is
    /// restricted to <c>transformer_blocks.N.norm2</c> (otherwise every ResNet norm would train).
    /// </summary>
    public static bool IsMindVisUnetParameter(string name)
        => name.Contains(".attn2.", StringComparison.Ordinal)
           || TransformerNorm2().IsMatch(name);

    [GeneratedRegex(@"(^|\.)transformer_blocks\.\d+\.norm2\.")]
    private static partial Regex TransformerNorm2();
}

internal sealed class TrainablePartsJsonConverter : JsonConverter<TrainableParts>
{
    public override TrainableParts Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => TrainablePartsRules.Parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, TrainableParts value, JsonSerializerOptions options)
        => writer.WriteStringValue(TrainablePartsRules.Name(value));
}
