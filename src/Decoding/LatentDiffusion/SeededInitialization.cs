using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Re-draws a network's initial weights from an explicit generator, with PyTorch's default rules (the ones diffusers'
/// UNet and autoencoder start from), so that a training run is reproducible from its seed alone. The networks'
/// constructors draw from libtorch's global generator; calling this right after construction replaces every one of
/// those draws.
/// <code>
///   Conv, Linear:      W, b ~ U(−1/√fan_in, 1/√fan_in)   (kaiming_uniform with a = √5, and the bias rule)
///   GroupNorm, LayerNorm: weight = 1, bias = 0
///   Embedding:         W ~ N(0, 1)
/// </code>
/// A parameter that belongs to none of these layer kinds is an error, so a new layer type cannot silently keep
/// globally drawn weights.
/// </summary>
public static class SeededInitialization
{
    /// <summary>Re-initialises every parameter of <paramref name="module"/> from <paramref name="generator"/>.</summary>
    public static void Apply(Module module, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(generator);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (prefix, layer) in module.named_modules())
        {
            string Key(string local) => prefix.Length == 0 ? local : $"{prefix}.{local}";
            switch (layer)
            {
                case TorchSharp.Modules.Conv1d or TorchSharp.Modules.Conv2d or TorchSharp.Modules.Conv3d or TorchSharp.Modules.Linear:
                    {
                        var weight = layer.named_parameters(recurse: false).First(p => p.name == "weight").parameter;
                        double bound = 1.0 / Math.Sqrt(weight.numel() / weight.shape[0]); // fan_in = in/groups × kernel
                        foreach (var (name, p) in layer.named_parameters(recurse: false))
                        {
                            p.uniform_(-bound, bound, generator);
                            covered.Add(Key(name));
                        }
                        break;
                    }
                case TorchSharp.Modules.GroupNorm or TorchSharp.Modules.LayerNorm:
                    foreach (var (name, p) in layer.named_parameters(recurse: false))
                    {
                        if (name == "weight") p.fill_(1.0);
                        else p.zero_();
                        covered.Add(Key(name));
                    }
                    break;
                case TorchSharp.Modules.Embedding:
                    foreach (var (name, p) in layer.named_parameters(recurse: false))
                    {
                        p.normal_(0.0, 1.0, generator);
                        covered.Add(Key(name));
                    }
                    break;
            }
        }
        var uncovered = module.named_parameters().Select(p => p.name).Where(n => !covered.Contains(n)).ToList();
        if (uncovered.Count > 0)
            throw new ArgumentException(
                $"seeded initialisation: {module.GetName()} has parameters outside Conv/Linear/GroupNorm/LayerNorm/Embedding layers: {string.Join(", ", uncovered.Take(5))}");
    }
}
