using PureHDF;

namespace Fmri.Data.Layouts;

/// <summary>One object of an HDF5 file as listed for a person: its path, and for a dataset its shape, dtype and chunking.</summary>
/// <param name="Path">Absolute HDF5 path, e.g. <c>/metadata/key</c>.</param>
/// <param name="IsGroup">True for a group.</param>
/// <param name="Shape">Dataset dimensions (empty for a scalar or a group).</param>
/// <param name="DataType">Dataset dtype as numpy would name it (float64, int16, ...); empty for a group.</param>
/// <param name="Chunks">Chunk dimensions of a chunked dataset, else null.</param>
/// <param name="MembersNotListed">For a group: members left out of the listing to keep it short.</param>
public sealed record Hdf5Entry(string Path, bool IsGroup, long[] Shape, string DataType, long[]? Chunks, int MembersNotListed = 0)
{
    /// <summary>"/dataset  1200 x 4700  float64  chunks 64 x 4700" or "/metadata/  (group)".</summary>
    public override string ToString()
    {
        if (IsGroup) return MembersNotListed > 0 ? $"{Path}/  (group; {MembersNotListed} more members not listed)" : $"{Path}/  (group)";
        string chunks = Chunks is null ? "" : $", chunks {Hdf5Input.FormatShape(Chunks)}";
        return $"{Path}  ({Hdf5Input.FormatShape(Shape)} {DataType}{chunks})";
    }
}

/// <summary>Lists what an HDF5 file holds, for <c>decoding inspect</c> and for the message about an unknown layout.</summary>
public static class Hdf5Listing
{
    /// <summary>All groups and datasets of <paramref name="path"/>, depth first; long groups are cut after <paramref name="maxMembersPerGroup"/> members.</summary>
    public static IReadOnlyList<Hdf5Entry> List(string path, int maxMembersPerGroup = 12)
    {
        using var input = Hdf5Input.Open(path);
        return List(input, maxDepth: int.MaxValue, maxMembersPerGroup);
    }

    internal static IReadOnlyList<Hdf5Entry> List(Hdf5Input input, int maxDepth, int maxMembersPerGroup)
    {
        var entries = new List<Hdf5Entry>();
        Visit(input, input.Group("/"), "", 1, maxDepth, maxMembersPerGroup, entries);
        return entries;
    }

    /// <summary>"/dataset (10 x 4 float64), /metadata/ (group)" for the top level of a file.</summary>
    internal static string DescribeTopLevel(Hdf5Input input)
    {
        var top = List(input, maxDepth: 1, maxMembersPerGroup: 20);
        return top.Count == 0 ? "nothing (the file is empty)" : string.Join(", ", top.Select(e => e.ToString().Replace("  ", " ")));
    }

    private static void Visit(Hdf5Input input, IH5Group group, string prefix, int depth, int maxDepth, int maxMembers, List<Hdf5Entry> entries)
    {
        var children = input.Guard(prefix.Length == 0 ? "/" : prefix, () => group.Children().ToList());
        int listed = 0;
        foreach (var child in children)
        {
            if (listed == maxMembers)
            {
                entries.Add(new Hdf5Entry(prefix.Length == 0 ? "" : prefix, true, [], "", null, children.Count - maxMembers));
                break;
            }
            listed++;
            string path = $"{prefix}/{child.Name}";
            switch (child)
            {
                case IH5Group sub:
                    entries.Add(new Hdf5Entry(path, true, [], "", null));
                    if (depth < maxDepth) Visit(input, sub, path, depth + 1, maxDepth, maxMembers, entries);
                    break;
                case IH5Dataset ds:
                    entries.Add(input.Guard(path, () => new Hdf5Entry(
                        path,
                        false,
                        ds.Space.Dimensions.Select(d => (long)d).ToArray(),
                        Hdf5Input.DescribeType(ds.Type),
                        ds.Layout.Class == H5DataLayoutClass.Chunked ? ds.Layout.Chunks?.Select(c => (long)c).ToArray() : null)));
                    break;
                default:
                    entries.Add(new Hdf5Entry(path, false, [], "unresolved link", null));
                    break;
            }
        }
    }
}
