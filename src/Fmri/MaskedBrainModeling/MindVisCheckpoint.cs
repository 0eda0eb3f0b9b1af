using System.Collections;
using System.Globalization;
using Fmri.Core.Checkpoints;
using static TorchSharp.torch;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// A MinD-Vis stage-A checkpoint as its training scripts write it: <c>torch.save</c> of a dict with <c>model</c>
/// (the state dict of <c>MAEforFMRI</c>), <c>config</c> (a <c>Config_MBM_fMRI</c> object) and training state
/// (<c>optimizer</c>, <c>epoch</c>, ... ignored). The state-dict names are this project's names
/// (<see cref="MaskedBrainAutoencoder"/> follows MAE/MinD-Vis): the mapping is the identity, every key is checked.
/// <para>
/// The architecture is read from the tensors' shapes (patch size and width from <c>patch_embed.proj.weight</c>,
/// voxels from <c>pos_embed</c>, depths from the block indices, MLP ratio from <c>blocks.0.mlp.fc1.weight</c>, decoder
/// width from <c>decoder_embed.weight</c>); only the head counts (<c>num_heads</c>, <c>decoder_num_heads</c>) and
/// <c>mask_ratio</c> come from <c>config</c>, where shapes cannot tell them. LayerNorm epsilon is PyTorch's default
/// 1e-5, as MinD-Vis builds its blocks with <c>nn.LayerNorm</c>.
/// </para>
/// </summary>
public static class MindVisCheckpoint
{
    /// <summary>The loaded autoencoder, the config it was built with, and what was inferred or assumed (one line each).</summary>
    public sealed record Imported(MaskedBrainAutoencoder Model, MaskedBrainAutoencoderConfig Config, IReadOnlyList<string> Notes, int? Epoch);

    /// <exception cref="Core.DataFormatException">Not a MinD-Vis checkpoint, or keys or shapes that do not fit (all listed in one message).</exception>
    public static Imported Read(string path)
    {
        var top = PyTorchFile.ReadObject(path);
        if (!top.Contains("model"))
            throw new DataFormatException(path, "model", $"is missing: a MinD-Vis stage-A checkpoint holds 'model' (the state dict) and 'config'; this file holds {KeysOf(top)}");
        var weights = PyTorchFile.TensorsOf(top["model"], path, "model");
        try
        {
            var fields = top.Contains("config") ? PyTorchFile.FieldsOf(top["config"]) : null;
            var notes = new List<string>();
            var config = Infer(weights, fields, path, notes);
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                // Name what was assumed, since an assumed default is often what does not fit.
                string assumed = notes.Where(n => n.StartsWith("config has no", StringComparison.Ordinal)).ToList() is { Count: > 0 } defaults
                    ? "; " + string.Join("; ", defaults) : "";
                string message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
                throw new DataFormatException(path, "config", $"describes no model this project can build: {message}{assumed}", e);
            }
            using var generator = new Generator(0);   // every weight is overwritten from the file
            var model = new MaskedBrainAutoencoder(config, generator);
            ModuleWeights.LoadStrict(model, weights, path);
            int? epoch = top.Contains("epoch") && top["epoch"] is int e2 ? e2 : null;
            return new Imported(model, config, notes, epoch);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static MaskedBrainAutoencoderConfig Infer(Dictionary<string, Tensor> w, IReadOnlyDictionary<string, object?>? fields, string path, List<string> notes)
    {
        long[] Shape(string key, int rank) => w.TryGetValue(key, out var t) && t.dim() == rank ? t.shape
            : throw new DataFormatException(path, $"model/{key}", w.ContainsKey(key)
                ? $"has shape {SafetensorsShape(w[key].shape)}, expected {rank} axes"
                : $"is missing: not a MinD-Vis MAEforFMRI state dict (its keys: {ModuleWeights.ListKeys(w.Keys.Order(StringComparer.Ordinal).ToList())})");
        var patch = Shape("patch_embed.proj.weight", 3);      // (D, 1, P)
        var pos = Shape("pos_embed", 3);                      // (1, 1 + L, D)
        var decoderEmbed = Shape("decoder_embed.weight", 2);  // (Dd, D)
        var fc1 = Shape("blocks.0.mlp.fc1.weight", 2);        // (hidden, D)
        int embed = (int)patch[0], patchSize = (int)patch[2], patches = (int)pos[1] - 1, decoderDim = (int)decoderEmbed[0];
        int depth = CountBlocks(w, "blocks."), decoderDepth = CountBlocks(w, "decoder_blocks.");
        double mlpRatio = (double)fc1[0] / embed;
        // One MLP ratio for every block (MinD-Vis builds them alike): a block whose hidden width differs is named here,
        // rather than reported as every other block not fitting the first one's width.
        foreach (string prefix in new[] { "blocks.", "decoder_blocks." })
        {
            long? first = null;
            string? firstKey = null;
            for (int b = 0; b < (prefix == "blocks." ? depth : decoderDepth); b++)
            {
                string key = $"{prefix}{b}.mlp.fc1.weight";
                if (!w.TryGetValue(key, out var t) || t.dim() != 2) continue;
                if (first is null) (first, firstKey) = (t.shape[0], key);
                else if (t.shape[0] != first)
                    throw new DataFormatException(path, $"model/{key}", Invariant($"has {t.shape[0]} hidden units but {firstKey} has {first}: the blocks' MLP widths differ"));
            }
        }
        notes.Add(Invariant($"from the shapes: {patches} patches of {patchSize} voxels ({patches * patchSize} voxels), width {embed}, depth {depth}, decoder width {decoderDim}, decoder depth {decoderDepth}, MLP ratio {mlpRatio:G4}"));

        int Field(string name, int fallback)
        {
            if (fields is not null && fields.TryGetValue(name, out var v) && v is not null)
            {
                return WholeNumber(v, name);
            }
            notes.Add(Invariant($"config has no {name}: MinD-Vis's default {fallback} used"));
            return fallback;
        }
        // A whole number: 4 and 4.0 are, 4.5 and "4x" are not (Convert.ToInt32 would round 4.5 to 4).
        int WholeNumber(object value, string name)
        {
            try
            {
                double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (number == Math.Round(number) && number is >= int.MinValue and <= int.MaxValue) return (int)number;
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                throw new DataFormatException(path, $"config/{name}", $"is {value}, expected a whole number", e);
            }
            throw new DataFormatException(path, $"config/{name}", $"is {Convert.ToString(value, CultureInfo.InvariantCulture)}, expected a whole number");
        }
        int heads = Field("num_heads", 16), decoderHeads = Field("decoder_num_heads", 16);
        double maskRatio = 0.75;
        if (fields is not null && fields.TryGetValue("mask_ratio", out var m) && m is not null)
        {
            try
            {
                maskRatio = Convert.ToDouble(m, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                throw new DataFormatException(path, "config/mask_ratio", $"is {m}, expected a number", e);
            }
        }
        if (fields is not null && fields.TryGetValue("patch_size", out var p) && p is not null && WholeNumber(p, "patch_size") != patchSize)
            throw new DataFormatException(path, "config/patch_size", Invariant($"is {p} but patch_embed.proj.weight is {SafetensorsShape(patch)} (patch size {patchSize})"));
        notes.Add(Invariant($"from config: {heads} heads, decoder {decoderHeads} heads, mask ratio {maskRatio:G4}"));
        return new MaskedBrainAutoencoderConfig
        {
            NumVoxels = patches * patchSize,
            PatchSize = patchSize,
            EmbedDim = embed,
            Depth = depth,
            NumHeads = heads,
            MlpRatio = mlpRatio,
            DecoderEmbedDim = decoderDim,
            DecoderDepth = decoderDepth,
            DecoderNumHeads = decoderHeads,
            MaskRatio = maskRatio,
        };
    }

    /// <summary>Number of blocks: one more than the highest index N of keys <c>prefix N.</c>.</summary>
    private static int CountBlocks(Dictionary<string, Tensor> w, string prefix)
    {
        int count = 0;
        foreach (var key in w.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dot = key.IndexOf('.', prefix.Length);
            if (dot > prefix.Length && int.TryParse(key.AsSpan(prefix.Length, dot - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                count = Math.Max(count, i + 1);
        }
        return count;
    }

    private static string KeysOf(IDictionary dict)
        => "[" + string.Join(", ", dict.Keys.Cast<object>().Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)) + "]";

    private static string SafetensorsShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
