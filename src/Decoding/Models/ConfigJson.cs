using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Decoding.Models;

/// <summary>
/// A diffusers config field this implementation does not build, and the values it accepts for it: the value that
/// leaves diffusers' network as this implementation builds it (SD-1.x's), or any value when the field changes nothing
/// here (e.g. <c>upcast_attention</c>, which only matters in half precision).
/// </summary>
/// <param name="Name">The field's name in diffusers' config.json.</param>
/// <param name="Value">The one accepted value as JSON (<c>false</c>, <c>1</c>, <c>"default"</c>, <c>null</c>); null: any value.</param>
internal sealed record DiffusersField(string Name, string? Value)
{
    /// <summary>The accepted value, parsed once (null: any value).</summary>
    private readonly JsonElement? expected = Value is null ? null : JsonDocument.Parse(Value).RootElement.Clone();

    public static DiffusersField Fixed(string name, string json) => new(name, json);

    public static DiffusersField WithoutEffect(string name) => new(name, null);

    /// <summary>True when <paramref name="value"/> is the accepted one (numbers compared by value: 1 and 1.0 agree); a list
    /// is accepted when every entry is (diffusers takes per-block lists for some flags: <c>only_cross_attention:
    /// [false, false, false, false]</c> builds what <c>false</c> does).</summary>
    public bool Accepts(JsonElement value)
    {
        if (expected is not { } e) return true;
        if (value.ValueKind == JsonValueKind.Array) return value.EnumerateArray().All(Accepts);
        return (e.ValueKind, value.ValueKind) switch
        {
            (JsonValueKind.Number, JsonValueKind.Number) => e.GetDouble() == value.GetDouble(),
            (JsonValueKind.String, JsonValueKind.String) => e.GetString() == value.GetString(),
            _ => e.ValueKind == value.ValueKind && e.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null,
        };
    }
}

/// <summary>Reading and writing model configs in diffusers' config.json field names.</summary>
internal static class ConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Parses <paramref name="json"/> (fields absent from the file keep the record's defaults; diffusers'
    /// bookkeeping fields, whose names start with <c>_</c> such as <c>_class_name</c>, are ignored). A field the
    /// record does not model is accepted only when <paramref name="otherFields"/> lists it and its value is the one
    /// listed: a config asking for a network this implementation does not build (say <c>downsample_padding: 0</c>,
    /// which changes no weight's shape) is refused rather than silently built the SD-1.x way. Bad JSON and refused
    /// fields become a <see cref="Fmri.Core.DataFormatException"/> naming <paramref name="source"/> and the field.
    /// </summary>
    public static T Read<T>(string json, string source, IReadOnlyList<DiffusersField> otherFields) where T : class
    {
        ArgumentNullException.ThrowIfNull(otherFields);
        try
        {
            CheckFields<T>(json, source, otherFields);
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new Fmri.Core.DataFormatException(source, "$", "config is null");
        }
        catch (JsonException e)
        {
            throw new Fmri.Core.DataFormatException(source, e.Path ?? "$", e.Message.Split('\n')[0], e);
        }
    }

    public static string Write<T>(T config) => JsonSerializer.Serialize(config, Options);

    private static void CheckFields<T>(string json, string source, IReadOnlyList<DiffusersField> otherFields)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Object) return;   // the deserializer names the problem
        var modelled = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        foreach (var field in document.RootElement.EnumerateObject())
        {
            if (field.Name.StartsWith('_') || modelled.Contains(field.Name)) continue;
            var known = otherFields.FirstOrDefault(f => f.Name == field.Name);
            if (known is null)
                throw new Fmri.Core.DataFormatException(source, field.Name,
                    $"is not a {typeof(T).Name} setting this implementation knows (value {Shown(field.Value)}); it builds the SD-1.x network, so remove the field only if it leaves the network unchanged");
            if (!known.Accepts(field.Value))
                throw new Fmri.Core.DataFormatException(source, field.Name,
                    $"is {Shown(field.Value)}; this implementation builds only {known.Value} (the SD-1.x network)");
        }
    }

    private static string Shown(JsonElement value) => value.GetRawText() is var raw && raw.Length <= 40 ? raw : raw[..40] + "...";
}
