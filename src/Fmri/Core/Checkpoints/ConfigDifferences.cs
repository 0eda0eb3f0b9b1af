using System.Text.Json;

namespace Fmri.Core.Checkpoints;

/// <summary>
/// Compares two JSON configuration documents field by field and describes every difference as
/// <c>path: checkpoint X, requested Y</c>, using the field names as serialised (e.g. diffusers' names).
/// Numbers compare by value (1 equals 1.0); objects compare by their field names regardless of order.
/// </summary>
public static class ConfigDifferences
{
    private const int MaxValueLength = 60;

    /// <summary>Every field whose value differs, or that only one side has.</summary>
    public static IReadOnlyList<string> Find(JsonElement checkpoint, JsonElement requested)
    {
        var differences = new List<string>();
        Compare(checkpoint, requested, "", differences);
        return differences;
    }

    private static void Compare(JsonElement a, JsonElement b, string path, List<string> differences)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var aFields = a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            var bFields = b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            foreach (var (name, aValue) in aFields)
            {
                string child = path.Length == 0 ? name : $"{path}.{name}";
                if (bFields.TryGetValue(name, out var bValue)) Compare(aValue, bValue, child, differences);
                else differences.Add($"{child}: checkpoint {Show(aValue)}, requested (absent)");
            }
            foreach (var (name, bValue) in bFields)
            {
                if (aFields.ContainsKey(name)) continue;
                string child = path.Length == 0 ? name : $"{path}.{name}";
                differences.Add($"{child}: checkpoint (absent), requested {Show(bValue)}");
            }
            return;
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array && a.GetArrayLength() == b.GetArrayLength())
        {
            for (int i = 0; i < a.GetArrayLength(); i++)
                Compare(a[i], b[i], $"{path}[{i}]", differences);
            return;
        }
        if (!ScalarEquals(a, b))
            differences.Add($"{(path.Length == 0 ? "(config)" : path)}: checkpoint {Show(a)}, requested {Show(b)}");
    }

    private static bool ScalarEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind) return false;
        return a.ValueKind switch
        {
            JsonValueKind.Number => a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y)
                ? x == y
                : a.GetDouble().Equals(b.GetDouble()),
            JsonValueKind.String => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            // Arrays of different lengths.
            _ => false,
        };
    }

    private static string Show(JsonElement value)
    {
        string text = value.GetRawText();
        return text.Length <= MaxValueLength ? text : text[..MaxValueLength] + "...";
    }
}
