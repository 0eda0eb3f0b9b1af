using Fmri.Core.IO;
using PureHDF;

namespace Fmri.Data.Layouts;

/// <summary>
/// Which voxels of an NSD betas volume to keep (e.g. <c>nsdgeneral</c>): the voxels whose mask value is &gt; 0, as
/// ascending flat C-order indices into the (Z, Y, X) grid of the betas. Read from a NIfTI-1 file
/// (<c>.nii</c>/<c>.nii.gz</c>, as NSD ships its ROIs) or from the project's own small HDF5 file
/// (<c>/mask</c>, uint8, Z x Y x X; optional <c>/voxel_to_mm</c>, float64 3 x 4; optional attribute <c>name</c>).
/// </summary>
public sealed record NsdMask
{
    /// <summary>Grid of the betas the mask applies to.</summary>
    public required VolumeShape Shape { get; init; }

    /// <summary>Selected voxels: ascending flat C-order indices <c>(z * Y + y) * X + x</c>.</summary>
    public required int[] VoxelIndices { get; init; }

    /// <summary>ROI name given to the selected voxels (the file name without extension, e.g. "nsdgeneral").</summary>
    public string Name { get; init; } = "nsdgeneral";

    /// <summary>Optional 3 x 4 row-major affine from grid indices (x, y, z, 1) to millimetres.</summary>
    public double[]? VoxelToMm { get; init; }

    /// <summary>Number of selected voxels.</summary>
    public int Count => VoxelIndices.Length;

    /// <summary>Reads a mask from a NIfTI-1 file (<c>.nii</c>, <c>.nii.gz</c>) or the project's HDF5 mask file, by extension.</summary>
    public static NsdMask Read(string path)
    {
        string lower = path.ToLowerInvariant();
        return lower.EndsWith(".nii", StringComparison.Ordinal) || lower.EndsWith(".nii.gz", StringComparison.Ordinal)
            ? FromNifti(path)
            : FromHdf5(path);
    }

    /// <summary>
    /// Reads a NIfTI-1 mask of shape X x Y x Z. NIfTI stores X fastest, so its flat file order is already the C order
    /// of a (Z, Y, X) array: the voxel at file position <c>x + X * (y + Y * z)</c> is grid voxel (x, y, z), which is
    /// element [z, y, x] of the betas' trials x Z x Y x X array seen through h5py or PureHDF. No axis is reversed.
    /// </summary>
    public static NsdMask FromNifti(string path)
    {
        var volume = NiftiVolume.Read(path);
        if (volume.Dimensions.Length > 3 && volume.Dimensions.Skip(3).Any(d => d != 1))
            throw new DataFormatException(path, "dim", $"is {string.Join(" x ", volume.Dimensions)}; a mask must be a 3-D volume");
        return FromFile(path, "data", volume.Shape3D, volume.Values, StemOf(path), volume.VoxelToMm);
    }

    /// <summary>Reads the project's HDF5 mask file: <c>/mask</c> (Z x Y x X, any numeric type, &gt; 0 selects).</summary>
    public static NsdMask FromHdf5(string path)
    {
        using var input = Hdf5Input.Open(path);
        var shape = input.Shape("/mask", 3);
        var grid = new VolumeShape(checked((int)shape[0]), checked((int)shape[1]), checked((int)shape[2]));
        var values = Array.ConvertAll(input.ReadDoubles("/mask"), v => (float)v);
        double[]? affine = null;
        if (input.Exists("/voxel_to_mm"))
        {
            var affineShape = input.Shape("/voxel_to_mm", 2);
            if (affineShape[0] is not (3 or 4) || affineShape[1] != 4)
                throw input.Error("/voxel_to_mm", $"has shape {Hdf5Input.FormatShape(affineShape)}, expected 3 x 4 or 4 x 4");
            affine = input.ReadDoubles("/voxel_to_mm")[..12];
        }
        string name = input.StringAttribute("/", "name") ?? StemOf(path);
        return FromFile(path, "/mask", grid, values, name, affine);
    }

    /// <summary>A mask from a C-order (Z, Y, X) volume of values; voxels with value &gt; 0 are selected.</summary>
    /// <exception cref="ArgumentException">The values do not fill the grid, or none is &gt; 0.</exception>
    public static NsdMask FromValues(VolumeShape shape, ReadOnlySpan<float> values, string name, double[]? voxelToMm = null)
    {
        if (values.Length != shape.Count)
            throw new ArgumentException($"mask '{name}': {values.Length} values, expected {shape} = {shape.Count}", nameof(values));
        var indices = Selected(values);
        if (indices.Length == 0) throw new ArgumentException($"mask '{name}' selects no voxels (no value > 0 in {shape})", nameof(values));
        return new NsdMask { Shape = shape, VoxelIndices = indices, Name = name, VoxelToMm = voxelToMm };
    }

    /// <summary>As <see cref="FromValues"/>, for values read from <paramref name="file"/>: problems name the file and field.</summary>
    private static NsdMask FromFile(string file, string field, VolumeShape shape, ReadOnlySpan<float> values, string name, double[]? voxelToMm)
    {
        if (values.Length != shape.Count)
            throw new DataFormatException(file, field, $"has {values.Length} values, expected {shape} = {shape.Count}");
        var indices = Selected(values);
        if (indices.Length == 0) throw new DataFormatException(file, field, $"selects no voxels (no value > 0 in {shape})");
        return new NsdMask { Shape = shape, VoxelIndices = indices, Name = name, VoxelToMm = voxelToMm };
    }

    private static int[] Selected(ReadOnlySpan<float> values)
    {
        var indices = new List<int>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > 0) indices.Add(i);
        }
        return indices.ToArray();
    }

    /// <summary>Millimetre coordinates (x, y, z) of each selected voxel, row-major (Count, 3), or null without an affine.</summary>
    public float[]? VoxelCoordinatesMm()
    {
        if (VoxelToMm is not { Length: >= 12 } m) return null;
        var xyz = new float[Count * 3];
        for (int v = 0; v < Count; v++)
        {
            var (x, y, z) = Shape.CoordinatesOf(VoxelIndices[v]);
            for (int row = 0; row < 3; row++)
                xyz[v * 3 + row] = (float)(m[row * 4] * x + m[row * 4 + 1] * y + m[row * 4 + 2] * z + m[row * 4 + 3]);
        }
        return xyz;
    }

    /// <summary>Writes the project's HDF5 mask file (<c>/mask</c> uint8 Z x Y x X, attribute <c>name</c>, optional <c>/voxel_to_mm</c>). Atomic.</summary>
    public void Write(string path)
    {
        var grid = new byte[Shape.Count];
        foreach (int i in VoxelIndices) grid[i] = 1;
        var file = new H5File
        {
            ["mask"] = new H5Dataset(grid, fileDims: [(ulong)Shape.Z, (ulong)Shape.Y, (ulong)Shape.X]),
        };
        file.Attributes["name"] = Name;
        if (VoxelToMm is { Length: >= 12 } m) file["voxel_to_mm"] = new H5Dataset(m[..12], fileDims: [3, 4]);
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    private static string StemOf(string path)
    {
        string name = Path.GetFileName(path);
        foreach (string extension in new[] { ".nii.gz", ".nii", ".hdf5", ".h5" })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) return name[..^extension.Length];
        }
        return Path.GetFileNameWithoutExtension(name);
    }
}
