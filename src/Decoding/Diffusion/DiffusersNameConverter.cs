using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>
/// Reads and writes a scheduler option enum by its diffusers name (the <see cref="JsonStringEnumMemberNameAttribute"/>
/// on each member), and rejects anything else with a message that names the bad value and the allowed ones.
/// </summary>
internal sealed class DiffusersNameConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> NameOfValue = typeof(TEnum)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(
            field => (TEnum)field.GetValue(null)!,
            field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                     ?? throw new InvalidOperationException($"{typeof(TEnum).Name}.{field.Name} has no diffusers name."));

    private static readonly Dictionary<string, TEnum> ValueOfName =
        NameOfValue.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>The allowed names, comma separated, for error messages.</summary>
    internal static string AllowedNames => string.Join(", ", NameOfValue.Values);

    /// <summary>The diffusers name of <paramref name="value"/>, or its number if it is not a defined member.</summary>
    internal static string NameOf(TEnum value) =>
        NameOfValue.TryGetValue(value, out var name) ? name : Convert.ToInt64(value).ToString();

    internal static bool IsDefined(TEnum value) => NameOfValue.ContainsKey(value);

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"expected a string, one of {AllowedNames}; got a JSON {reader.TokenType}.");
        var name = reader.GetString()!;
        return ValueOfName.TryGetValue(name, out var value)
            ? value
            : throw new JsonException($"'{name}' is not one of {AllowedNames}.");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        if (!NameOfValue.TryGetValue(value, out var name))
            throw new JsonException($"{typeof(TEnum).Name} value {Convert.ToInt64(value)} has no diffusers name.");
        writer.WriteStringValue(name);
    }
}
