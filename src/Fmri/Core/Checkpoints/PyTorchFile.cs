using System.Collections;
using System.IO.Compression;
using Fmri.Core.IO;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Fmri.Core.Checkpoints;

/// <summary>
/// Released PyTorch weights: a <c>torch.save</c> file (the zip format PyTorch writes since 1.6: <c>.pth</c>,
/// <c>.pt</c>, <c>.bin</c>, <c>.ckpt</c>), unpickled by TorchSharp.PyBridge, or a <c>.safetensors</c> file. Only
/// tensors, dicts, lists, numbers, text and plain objects are rebuilt (a pickled object of an unknown class becomes
/// its field map); a pickled module (<c>torch.save(model)</c>) and the pre-1.6 format are refused with what to do.
/// </summary>
public static class PyTorchFile
{
    /// <summary>The top-level object of a <c>torch.save</c> file: a dict (a state dict is a dict of tensors).</summary>
    /// <exception cref="DataFormatException">Not a torch.save zip file, a pickled module, or not a dict.</exception>
    public static IDictionary ReadObject(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        using var stream = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[4];
        int got = stream.Read(signature);
        if (got < 4 || signature[0] != 0x50 || signature[1] != 0x4B || signature[2] != 0x03 || signature[3] != 0x04)
        {
            bool legacyPickle = got >= 2 && signature[0] == 0x80;   // a bare pickle stream: PROTO opcode
            throw new DataFormatException(path, "file", legacyPickle
                ? "is in PyTorch's pre-1.6 format (or saved with _use_new_zipfile_serialization=False); re-save it in Python with torch.save(torch.load(path), path)"
                : path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                    ? "is a .safetensors file; this import reads a torch.save file (a zip archive with data.pkl: .pth, .pt, .bin)"
                    : "is not a torch.save file (a zip archive with data.pkl) nor .safetensors");
        }
        stream.Position = 0;
        object loaded;
        try
        {
            loaded = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (SystemException e) when (e.Message.Contains("entire model", StringComparison.Ordinal))
        {
            // PyBridge's refusal of a pickled nn.Module.
            throw new DataFormatException(path, "data.pkl", "holds a pickled module (torch.save(model)), not a state dict; re-save it in Python with torch.save(model.state_dict(), path)", e);
        }
        catch (PickleException e)
        {
            throw new DataFormatException(path, "data.pkl", $"cannot be read as a PyTorch checkpoint: {e.Message.Split('\n')[0]}", e);
        }
        catch (SystemException e) when (e is not (OutOfMemoryException or IOException))
        {
            // A broken archive or an object PyBridge cannot rebuild (an unsupported storage type, a missing entry).
            throw new DataFormatException(path, "data.pkl", $"cannot be read as a PyTorch checkpoint: {e.Message.Split('\n')[0]}", e);
        }
        return loaded as IDictionary ?? throw new DataFormatException(path, "data.pkl", $"holds a {loaded?.GetType().Name ?? "null"}, expected a dict");
    }

    /// <summary>
    /// The state dict of <paramref name="path"/>: a <c>.safetensors</c> file, or a <c>torch.save</c> file whose top
    /// level is the state dict itself or holds it under <paramref name="key"/> (e.g. MinD-Vis's <c>"model"</c>).
    /// CPU tensors in the file's element types; the caller disposes them.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path, string? key = null)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            using var content = SafetensorsFile.Read(path);
            return content.Tensors.ToDictionary(t => t.Key, t => t.Value.clone(), StringComparer.Ordinal);
        }
        var top = ReadObject(path);
        if (key is not null && top.Contains(key)) return TensorsOf(top[key], path, key);
        return TensorsOf(top, path, "data.pkl");
    }

    /// <summary>The tensors of a dict read from <paramref name="path"/>; anything else in it is refused, naming <paramref name="field"/>.</summary>
    public static Dictionary<string, Tensor> TensorsOf(object? value, string path, string field)
    {
        if (value is not IDictionary dict) throw new DataFormatException(path, field, $"holds a {value?.GetType().Name ?? "null"}, expected a state dict (names -> tensors)");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var others = new List<string>();
        foreach (DictionaryEntry entry in dict)
        {
            string name = entry.Key as string ?? Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            if (entry.Value is Tensor t) tensors[name] = t;
            else others.Add(name);
        }
        if (tensors.Count == 0)
            throw new DataFormatException(path, field, $"holds no tensors (keys: {ModuleWeights.ListKeys(others.Order(StringComparer.Ordinal).ToList())}); expected a state dict");
        return tensors;
    }

    /// <summary>
    /// The fields of a pickled plain object (e.g. MinD-Vis's <c>config.Config_MBM_fMRI</c>) or dict, by name;
    /// null when <paramref name="value"/> is neither.
    /// </summary>
    public static IReadOnlyDictionary<string, object?>? FieldsOf(object? value) => value switch
    {
        ClassDict classDict => classDict.Where(p => p.Key != "__class__").ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        IDictionary dict => dict.Cast<DictionaryEntry>().Where(e => e.Key is string).ToDictionary(e => (string)e.Key, e => e.Value, StringComparer.Ordinal),
        _ => null,
    };
}
