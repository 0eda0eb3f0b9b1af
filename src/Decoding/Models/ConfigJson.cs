using System.Text.Json;

namespace Decoding.Models;

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
    /// bookkeeping fields such as <c>_class_name</c> are ignored). Bad JSON becomes a
    /// <see cref="Fmri.Core.DataFormatException"/> naming <paramref name="source"/> and the JSON path.
    /// </summary>
    public static T Read<T>(string json, string source) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new Fmri.Core.DataFormatException(source, "$", "config is null");
        }
        catch (JsonException e)
        {
            throw new Fmri.Core.DataFormatException(source, e.Path ?? "$", e.Message.Split('\n')[0], e);
        }
    }

    public static string Write<T>(T config) => JsonSerializer.Serialize(config, Options);
}
