using Fmri.Core.IO;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Core.Checkpoints;

/// <summary>
/// Saves a module's state dict (parameters and buffers) as safetensors and loads it back strictly: every key the
/// module has must be in the file, every key in the file must be in the module, and every shape must match.
/// Non-strict loading hides missing keys, and MinD-Vis's loader reports its missing and unexpected lists swapped;
/// here both lists are labelled by which side lacks the key.
/// </summary>
public static class ModuleWeights
{
    /// <summary>How many keys an error message lists before it gives a count of the rest.</summary>
    public const int KeysListed = 10;

    /// <summary>Writes the module's state dict to <paramref name="path"/> (atomically) with optional string metadata.</summary>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var stateDict = module.state_dict();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null)
            foreach (var (key, value) in metadata) meta[key] = value;
        SafetensorsFile.Write(path, stateDict, meta);
    }

    /// <summary>
    /// Loads a safetensors file into the module strictly (see <see cref="LoadStrict(Module, IReadOnlyDictionary{string, Tensor}, string, string?)"/>).
    /// Returns the file's metadata.
    /// </summary>
    /// <param name="prefix">When set, only the file's keys that start with it are used, with the prefix removed
    /// (e.g. <c>"encoder."</c> to load one part of a larger model).</param>
    public static IReadOnlyDictionary<string, string> LoadStrict(Module module, string path, string? prefix = null)
    {
        using var content = SafetensorsFile.Read(path);
        LoadStrict(module, content.Tensors, path, prefix);
        return content.Metadata;
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into the module's state dict under <c>no_grad</c>, after checking that the
    /// key sets are equal and every shape matches (missing, unexpected and mismatched keys are listed in one message). Element types are converted only when no value can change
    /// (F16 or BF16 into F32, F32 into F64, narrower into wider integers); otherwise the load is refused.
    /// Nothing is copied unless every check passes.
    /// </summary>
    /// <param name="source">The file (or other source) named in error messages.</param>
    /// <exception cref="DataFormatException">Missing or unexpected keys, a shape mismatch or an unsafe dtype.</exception>
    public static void LoadStrict(Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(tensors);
        var target = module.state_dict();

        var available = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in tensors)
        {
            if (prefix is null) available[key] = tensor;
            else if (key.StartsWith(prefix, StringComparison.Ordinal)) available[key[prefix.Length..]] = tensor;
        }

        var missing = target.Keys.Where(k => !available.ContainsKey(k)).ToList();
        var unexpected = available.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0)
                parts.Add($"{missing.Count} missing key(s) (in the module, not in the file): {ListKeys(missing)}");
            if (unexpected.Count > 0)
                parts.Add($"{unexpected.Count} unexpected key(s) (in the file, not in the module): {ListKeys(unexpected)}");
            // The keys both sides have are checked too, so that one message lists everything that does not fit.
            var mismatched = target.Where(t => available.TryGetValue(t.Key, out var a) && !a.shape.SequenceEqual(t.Value.shape))
                .Select(t => $"{t.Key}: file {SafetensorsHeader.ShapeText(available[t.Key].shape)}, module {SafetensorsHeader.ShapeText(t.Value.shape)}").ToList();
            if (mismatched.Count > 0)
                parts.Add($"{mismatched.Count} shape mismatch(es): {ListKeys(mismatched)}");
            string what = prefix is null ? "" : $" under prefix '{prefix}'";
            throw new DataFormatException(source, "state dict", $"does not match {module.GetName()}{what}: {string.Join("; ", parts)}");
        }

        var shapeKeys = new List<string>();
        var shapeProblems = new List<string>();
        var dtypeProblems = new List<string>();
        foreach (var (key, destination) in target)
        {
            var tensor = available[key];
            if (!tensor.shape.SequenceEqual(destination.shape))
            {
                shapeKeys.Add(key);
                shapeProblems.Add($"{key}: file {SafetensorsHeader.ShapeText(tensor.shape)}, module {SafetensorsHeader.ShapeText(destination.shape)}");
            }
            else if (!IsSafeConversion(tensor.dtype, destination.dtype))
            {
                dtypeProblems.Add($"{key}: file {tensor.dtype}, module {destination.dtype}");
            }
        }
        if (shapeProblems.Count > 0)
            throw new DataFormatException(source, shapeKeys.Count == 1 ? $"tensor '{shapeKeys[0]}'" : "tensor shapes",
                $"{shapeProblems.Count} shape mismatch(es) with {module.GetName()}: {ListKeys(shapeProblems)}");
        if (dtypeProblems.Count > 0)
            throw new DataFormatException(source, "tensor dtypes",
                $"{dtypeProblems.Count} element type(s) cannot be converted without loss into {module.GetName()}: {ListKeys(dtypeProblems)}");

        using var _ = no_grad();
        foreach (var (key, destination) in target)
            destination.copy_(available[key]);
    }

    /// <summary>True when every value of <paramref name="from"/> is exactly representable in <paramref name="to"/>.</summary>
    public static bool IsSafeConversion(ScalarType from, ScalarType to)
    {
        if (from == to) return true;
        return (from, to) switch
        {
            (ScalarType.Float16 or ScalarType.BFloat16, ScalarType.Float32 or ScalarType.Float64) => true,
            (ScalarType.Float32, ScalarType.Float64) => true,
            (ScalarType.Int8 or ScalarType.Byte, ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64) => true,
            (ScalarType.Int16, ScalarType.Int32 or ScalarType.Int64) => true,
            (ScalarType.Int32, ScalarType.Int64) => true,
            _ => false,
        };
    }

    /// <summary>Lists the first <see cref="KeysListed"/> items and counts the rest: "a, b, c, ... and 5 more".</summary>
    public static string ListKeys(IReadOnlyList<string> keys)
    {
        if (keys.Count <= KeysListed) return string.Join(", ", keys);
        return string.Join(", ", keys.Take(KeysListed)) + $", ... and {keys.Count - KeysListed} more";
    }
}
