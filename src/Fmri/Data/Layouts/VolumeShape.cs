namespace Fmri.Data.Layouts;

/// <summary>
/// The shape of a 3-D voxel grid in C order (the order h5py and PureHDF present arrays): Z slowest, X fastest.
/// A voxel (x, y, z) has the flat index <c>(z * Y + y) * X + x</c>.
/// </summary>
public readonly record struct VolumeShape(int Z, int Y, int X)
{
    /// <summary>Number of voxels in the grid.</summary>
    public long Count => (long)Z * Y * X;

    /// <summary>Flat C-order index of voxel (x, y, z).</summary>
    public long IndexOf(int x, int y, int z) => ((long)z * Y + y) * X + x;

    /// <summary>Grid coordinates (x, y, z) of a flat C-order index.</summary>
    public (int X, int Y, int Z) CoordinatesOf(long index)
    {
        int x = (int)(index % X);
        long rest = index / X;
        return (x, (int)(rest % Y), (int)(rest / Y));
    }

    public override string ToString() => $"{Z} x {Y} x {X}";
}
