using static TorchSharp.torch;

namespace Fmri.Core.IO;

/// <summary>
/// Named tensors and string metadata read from a safetensors file. The tensors are CPU tensors of the file's
/// element types; disposing the content disposes them (take ownership of one by removing it from use after
/// <see cref="Tensor.clone"/> or by not disposing the content).
/// </summary>
public sealed class SafetensorsContent : IDisposable
{
    public SafetensorsContent(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file the content was read from (for error messages).</summary>
    public string Path { get; }

    /// <summary>Tensors by name, in the order of their data in the file.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The file's <c>__metadata__</c> map (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}
