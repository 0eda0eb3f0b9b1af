namespace Decoding.Tests.Models;

/// <summary>
/// The network tests build models after seeding torch's global generator (weight initialisation in TorchSharp
/// draws from it). Running them in one collection keeps those draws from interleaving with each other; no
/// test depends on exact initial weights, only on properties (shapes, finiteness, sums, differences).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ModelsCollection
{
    public const string Name = "Decoding.Models networks";
}
