using System.Globalization;
using PureHDF;

namespace Decoding.Decode;

/// <summary>
/// The shards of one decode (<c>decode --shard i/N</c>), checked and put back together in split order: the images of
/// every item, their ids and categories, for a control the donor of every item, and the run's attributes with their
/// stored types and order, so that writing them with <see cref="DecodingRun.Write"/> gives the decoded.h5 a single
/// process writes.
/// </summary>
/// <param name="Pixels">uint8 (N, K, H, W, C) of the whole split.</param>
/// <param name="Attributes">The run's attributes as decode passed them (numbers keep their HDF5 type), without the shard's own.</param>
/// <param name="Control">For a control: every item's donor over the whole split.</param>
/// <param name="Records">The shards' records, by index.</param>
/// <param name="Folders">The shards' folders, by index.</param>
public sealed record DecodedShards(byte[] Pixels, int Count, int Samples, int Height, int Width, int Channels, IReadOnlyList<string> StimulusIds,
    IReadOnlyList<int> Categories, DecodedMethod Method, FmriPermutation? Control, IReadOnlyList<KeyValuePair<string, object>> Attributes,
    IReadOnlyList<ShardRecord> Records, IReadOnlyList<string> Folders)
{
    /// <summary>The decoded.h5 attribute naming a shard ("i/N"); a merged file has none.</summary>
    public const string ShardAttribute = "shard";

    /// <summary>Attributes <see cref="DecodedImagesFile.Write"/> and <see cref="DecodingRun.Write"/> derive themselves.</summary>
    private static readonly HashSet<string> Derived =
        ["method", "kind", "route", "uses_fmri", "uses_true_label", "control_of", "description", "shuffle_fmri", "control_same_category", ShardAttribute];

    /// <summary>
    /// Reads and checks the shard folders: exactly one of each index 0..N−1 of one N, the same split, inputs, selection and
    /// settings in each, and items that tile the split in the order <see cref="DecodeShard.ItemRange"/> gives.
    /// </summary>
    /// <exception cref="InvalidSettingException">Naming the shard folder and what is wrong (missing, repeated, mismatched).</exception>
    public static DecodedShards Read(IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        Check.That(folders.Count > 0, "shards", null, "is required: the folders written by decode --shard i/N");
        foreach (var folder in folders)
            Check.That(Directory.Exists(folder), "shards", folder, "is not a folder");
        var records = folders.Select(f => (Folder: f, Record: ShardRecord.Read(f))).ToList();

        // 1. One N, every index once.
        var first = records[0];
        foreach (var (folder, record) in records)
            Check.That(record.Count == first.Record.Count, "shards", folder,
                $"is shard {record.Shard} but {first.Folder} is shard {first.Record.Shard}: shards of different splittings cannot be merged");
        int n = first.Record.Count;
        foreach (var group in records.GroupBy(r => r.Record.Index).Where(g => g.Count() > 1))
            throw new InvalidSettingException("shards", group.First().Folder, $"is shard {group.First().Record.Shard}, and so is {group.Skip(1).First().Folder}: give each shard once");
        var missing = Enumerable.Range(0, n).Except(records.Select(r => r.Record.Index)).ToList();
        Check.That(missing.Count == 0, "shards", null,
            $"miss {string.Join(", ", missing.Select(i => $"{i}/{n}"))} of {n}: decode them (e.g. rerun their array tasks) before merging");
        records = records.OrderBy(r => r.Record.Index).ToList();

        // 2. The same split, inputs and selection in every shard.
        foreach (var (folder, record) in records)
        {
            Check.That(record.TotalItems == first.Record.TotalItems && record.SplitFingerprint == first.Record.SplitFingerprint, "shards", folder,
                $"decoded a split of {record.TotalItems} items that differs from that of {first.Folder} ({first.Record.TotalItems} items)");
            foreach (var (path, hash) in first.Record.InputSha256)
                Check.That(record.InputSha256.TryGetValue(path, out var other) && other == hash, "shards", folder,
                    $"was decoded from another {path} than {first.Folder} (SHA-256 {Short(record.InputSha256.GetValueOrDefault(path))} vs {Short(hash)})");
            Check.That(record.InputSha256.Count == first.Record.InputSha256.Count, "shards", folder,
                $"lists other inputs than {first.Folder}: {string.Join(", ", record.InputSha256.Keys.Except(first.Record.InputSha256.Keys))}");
            Check.That(record.SelectionSha256 == first.Record.SelectionSha256, "shards", folder,
                $"took its settings from another selection than {first.Folder} ({Short(record.SelectionSha256)} vs {Short(first.Record.SelectionSha256)})");
            var (start, length) = record.Shard.ItemRange(record.TotalItems);
            Check.That(record.FirstItem == start && record.Items == length, "shards", folder,
                $"holds items {record.FirstItem}..{record.FirstItem + record.Items - 1}, but shard {record.Shard} of {record.TotalItems} items is {start}..{start + length - 1}");
        }

        // 3. The images and attributes of the shards with items; every attribute but the shard's own must agree.
        var pixels = new List<byte[]>();
        var ids = new List<string>();
        var categories = new List<int>();
        var order = new List<int>();
        DecodedImages? reference = null;
        string? referenceFolder = null;
        List<KeyValuePair<string, object>>? attributes = null;
        foreach (var (folder, record) in records.Where(r => r.Record.Items > 0))
        {
            var images = DecodedImagesFile.Read(folder);
            var typed = TypedAttributes(Path.Combine(folder, DecodedImagesFile.FileName));
            Check.That(images.StimulusIds.SequenceEqual(record.StimulusIds), "shards", folder, $"holds a decoded.h5 whose items differ from its {ShardRecord.FileName}");
            if (reference is null)
            {
                (reference, referenceFolder, attributes) = (images, folder, typed);
            }
            else
            {
                Check.That((images.Samples, images.Height, images.Width, images.Channels) == (reference.Samples, reference.Height, reference.Width, reference.Channels),
                    "shards", folder, $"holds images ({images.Samples}, {images.Height}, {images.Width}, {images.Channels}) per item, {referenceFolder} ({reference.Samples}, {reference.Height}, {reference.Width}, {reference.Channels})");
                if (images.Method != reference.Method)
                    throw new InvalidSettingException("shards", folder, MethodDifference(images.Method, reference.Method, referenceFolder!));
                foreach (var name in typed.Select(a => a.Key).Union(attributes!.Select(a => a.Key)).Where(k => k != ShardAttribute))
                {
                    object? mine = typed.FirstOrDefault(a => a.Key == name).Value, theirs = attributes!.FirstOrDefault(a => a.Key == name).Value;
                    Check.That(Equals(mine, theirs), "shards", folder, $"was decoded with {name} = {Text(mine)}, {referenceFolder} with {Text(theirs)}");
                }
            }
            pixels.Add(images.Pixels);
            ids.AddRange(images.StimulusIds);
            categories.AddRange(images.Categories);
            if (images.FmriOrder is { } donors) order.AddRange(donors);
        }
        if (reference is null) throw new InvalidSettingException("shards", first.Folder, "and the other shards hold no items");

        FmriPermutation? control = null;
        if (reference.IsControl)
        {
            Check.That(order.Count == ids.Count, "shards", referenceFolder, "are a control, but not every shard records its items' donors (/fmri_order)");
            int same = Enumerable.Range(0, order.Count).Count(i => categories[order[i]] == categories[i]);
            control = new FmriPermutation([.. order], same);
        }
        return new DecodedShards([.. pixels.SelectMany(p => p)], ids.Count, reference.Samples, reference.Height, reference.Width, reference.Channels,
            ids, categories, reference.Method, control, attributes!.Where(a => !Derived.Contains(a.Key)).ToList(), records.Select(r => r.Record).ToList(),
            records.Select(r => Path.GetFullPath(r.Folder)).ToList());
    }

    /// <summary>The root attributes of a decoded.h5 in stored order, each as the type it was written with (int, long, double, string).</summary>
    public static List<KeyValuePair<string, object>> TypedAttributes(string path)
    {
        using var file = H5File.OpenRead(path);
        var result = new List<KeyValuePair<string, object>>();
        foreach (var attribute in file.Attributes())
        {
            object value = attribute.Type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => attribute.Read<string>(),
                H5DataTypeClass.FloatingPoint => attribute.Read<double>(),
                H5DataTypeClass.FixedPoint when attribute.Type.Size == 4 => attribute.Read<int>(),
                H5DataTypeClass.FixedPoint => attribute.Read<long>(),
                _ => throw new DataFormatException(path, attribute.Name, $"is an attribute of type {attribute.Type.Class}, which decode never writes"),
            };
            result.Add(new(attribute.Name, value));
        }
        return result;
    }

    private static string Short(string? hash) => hash is null ? "none" : hash[..Math.Min(12, hash.Length)];

    // Names the first field of the two methods that differs (name, kind, route, ..., the description, which holds the
    // settings such as the steps), so a refusal says what to decode again.
    private static string MethodDifference(DecodedMethod mine, DecodedMethod theirs, string theirFolder)
    {
        var fields = new (string Name, object? Mine, object? Theirs)[]
        {
            ("the method", mine.Name, theirs.Name), ("kind", mine.Kind, theirs.Kind), ("route", mine.RouteName, theirs.RouteName),
            ("uses fMRI", mine.UsesFmri, theirs.UsesFmri), ("uses the true label", mine.UsesTrueLabel, theirs.UsesTrueLabel),
            ("control of", mine.ControlOf, theirs.ControlOf), ("settings", mine.Description, theirs.Description),
        };
        var (name, a, b) = fields.First(f => !Equals(f.Mine, f.Theirs));
        return $"was decoded with {name} '{a}', {theirFolder} with '{b}'";
    }

    private static string Text(object? value) => value switch
    {
        null => "(absent)",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"'{value}'",
    };
}
