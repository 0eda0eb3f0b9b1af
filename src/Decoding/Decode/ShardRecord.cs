using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fmri.Core.IO;
using Fmri.Core.Runs;

namespace Decoding.Decode;

/// <summary>
/// <c>shard.json</c>, what a <c>decode --shard i/N</c> run writes next to its decoded.h5 (which holds only its items): which
/// shard it is, which items of the split it decoded, a fingerprint of the whole split and of the inputs, so that
/// <see cref="DecodedShards"/> can refuse shards that are missing, repeated, or decoded from different data, models or
/// settings. A shard with no items (more shards than chunks of items) writes this record alone.
/// </summary>
/// <param name="Index">i of i/N.</param>
/// <param name="Count">N of i/N.</param>
/// <param name="FirstItem">The split's index of the shard's first item.</param>
/// <param name="Items">How many items the shard decoded (0: none).</param>
/// <param name="TotalItems">Items of the whole split.</param>
/// <param name="StimulusIds">The shard's items, in order.</param>
/// <param name="SplitFingerprint">SHA-256 of the whole split's stimulus ids in order.</param>
/// <param name="Method">The method's name in reports.</param>
/// <param name="InputSha256">SHA-256 of every input (data, stimuli, model checkpoints), by path.</param>
/// <param name="SelectionSha256">SHA-256 of the selection.json the settings were taken from (<c>--selection</c>), else null.</param>
public sealed record ShardRecord(int Index, int Count, int FirstItem, int Items, int TotalItems, IReadOnlyList<string> StimulusIds,
    string SplitFingerprint, string Method, IReadOnlyDictionary<string, string> InputSha256, string? SelectionSha256)
{
    public const string FileName = "shard.json";

    public DecodeShard Shard => new(Index, Count);

    /// <summary>SHA-256 (hex) of stimulus ids in order, one per line.</summary>
    public static string Fingerprint(IEnumerable<string> stimulusIds)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", stimulusIds))));

    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, RunManifest.JsonOptions) + "\n");

    /// <summary>Reads the record of the shard folder <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidSettingException">No shard.json, or one that cannot be read.</exception>
    public static ShardRecord Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new InvalidSettingException("shards", folder, $"is not a decode shard: it has no {FileName} (decode --shard i/N writes one when it finishes)");
        try
        {
            var record = JsonSerializer.Deserialize<ShardRecord>(File.ReadAllText(path), RunManifest.JsonOptions)
                         ?? throw new JsonException("empty");
            Check.That(record.Count >= 1 && record.Index >= 0 && record.Index < record.Count && record.Items >= 0 && record.StimulusIds.Count == record.Items,
                "shards", path, $"holds an inconsistent shard {record.Index}/{record.Count} with {record.Items} items and {record.StimulusIds.Count} ids");
            return record;
        }
        catch (JsonException e)
        {
            throw new InvalidSettingException("shards", path, $"is not a readable {FileName}: {e.Message}");
        }
    }
}
