using System.Reflection;
using PureHDF;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// What PureHDF 2.2.0 decodes but keeps internal, read by reflection for the direct read paths of
/// <see cref="Hdf5Input"/>: a dataset's raw storage, a datatype's bit field (byte order, string or sequence), an
/// attribute's stored bytes. Every answer is null when the member is not there (another PureHDF version) or throws;
/// callers then read through PureHDF's public API as usual.
/// </summary>
internal static class PureHdfInternals
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>
    /// Where a dataset's raw values are: the bytes themselves for compact storage (kept in the object header), or the
    /// storage address and byte count for contiguous storage (<c>InternalDataLayout.Properties</c>: <c>Data</c>,
    /// <c>Address</c>, <c>Size</c>); all null for chunked storage.
    /// </summary>
    public static (byte[]? Compact, ulong? Address, ulong? Size) Storage(NativeDataset dataset)
    {
        var layoutClass = dataset.Layout.Class;
        if (layoutClass is not (H5DataLayoutClass.Contiguous or H5DataLayoutClass.Compact)) return (null, null, null);
        object? properties = Member(Member(dataset, "InternalDataLayout"), "Properties");
        if (layoutClass == H5DataLayoutClass.Compact) return (Member(properties, "Data") as byte[], null, null);
        return (null, Member(properties, "Address") as ulong?, Member(properties, "Size") as ulong?);
    }

    /// <summary>
    /// A field of a datatype's bit field as text (the datatype message's <c>BitField</c>): <c>ByteOrder</c> of a
    /// number ("LittleEndian", "BigEndian"), <c>Type</c> of a variable-length type ("String", "Sequence").
    /// </summary>
    public static string? BitField(IH5DataType type, string name) => Member(Member(Member(type, "_dataType"), "BitField"), name)?.ToString();

    /// <summary>An attribute's stored bytes (for a variable-length string: its heap references), the attribute message's <c>InputData</c>.</summary>
    public static ReadOnlyMemory<byte>? AttributeBytes(IH5Attribute attribute)
        => Member(Member(attribute, "Message"), "InputData") is Memory<byte> data ? data : null;

    /// <summary>The value of a property or field of <paramref name="target"/>, or null.</summary>
    private static object? Member(object? target, string name)
    {
        if (target is null) return null;
        try
        {
            var type = target.GetType();
            return type.GetProperty(name, Any)?.GetValue(target) ?? type.GetField(name, Any)?.GetValue(target);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }
}
