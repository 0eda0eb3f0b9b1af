using TorchSharp;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode;

/// <summary>
/// One random generator per test item, seeded from the run's seed and the item's stimulus id, so an item's images do
/// not depend on which other items are decoded with it, in which batch, or on which shard of a cluster job: a decode
/// split into shards and merged equals the decode in one process. The shuffled-fMRI control keeps each item's
/// generator (keyed by the item's stimulus, not by the fMRI it is given), so it differs from its route only in the fMRI.
/// </summary>
public static class ItemGenerators
{
    /// <summary>The seed of item <paramref name="stimulusId"/>: SplitMix64 of the run's seed mixed with the id's FNV-1a hash.</summary>
    public static ulong Seed(long seed, string stimulusId)
    {
        ArgumentNullException.ThrowIfNull(stimulusId);
        ulong hash = 14695981039346656037UL;                   // FNV-1a, 64 bit, over the UTF-16 code units
        foreach (char c in stimulusId)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (hash | 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A generator per stimulus id (dispose each).</summary>
    public static Generator[] For(long seed, IEnumerable<string> stimulusIds) =>
        stimulusIds.Select(id => new Generator(Seed(seed, id))).ToArray();

    /// <summary>
    /// Standard normal noise (B·K, ...) for a batch of items: <paramref name="samples"/> rows from each item's generator,
    /// in item order, each item's rows drawn together.
    /// </summary>
    public static Tensor Normal(IReadOnlyList<Generator> generators, int samples, long[] sampleShape, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(generators);
        var parts = new List<Tensor>(generators.Count);
        try
        {
            foreach (var generator in generators)
                parts.Add(randn([samples, .. sampleShape], generator: generator));                  // (K, ...)
            var all = cat(parts, 0);                                                                  // (B K, ...)
            return device is null || TorchDevice.IsHost(device) ? all : all.to(device);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }
}
