using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Decoding.Models;

/// <summary>
/// The state-dict view of a network: every parameter's name and shape, and the total count. Names are the
/// checkpoint keys (e.g. diffusers' <c>down_blocks.0.resnets.0.conv1.weight</c>).
/// </summary>
public static class ParameterListing
{
    /// <summary>(name, shape) of every parameter, in registration order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Shapes(nn.Module module)
        => module.named_parameters().Select(p => (p.name, p.parameter.shape)).ToList();

    /// <summary>Number of scalar parameters.</summary>
    public static long Count(nn.Module module)
        => module.parameters().Sum(p => p.shape.Aggregate(1L, (n, d) => n * d));

    /// <summary>
    /// One line per parameter, <c>name [d0, d1, ...]</c>, sorted by name (ordinal) so that the listing does
    /// not depend on declaration order and diffs cleanly.
    /// </summary>
    public static string Format(nn.Module module)
    {
        var sb = new StringBuilder();
        foreach (var (name, shape) in Shapes(module).OrderBy(p => p.Name, StringComparer.Ordinal))
            sb.Append(name).Append(" [")
              .Append(string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))))
              .Append("]\n");
        return sb.ToString();
    }
}
