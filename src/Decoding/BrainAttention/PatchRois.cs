using Fmri.Data;

namespace Decoding.BrainAttention;

/// <summary>
/// Which ROIs the voxels of each brain patch come from. The brain encoder cuts the voxel vector (the preprocessed
/// file's voxel columns in order, zero padding at the end) into consecutive patches of P voxels; patch p's share of
/// ROI r is the fraction of its real (non-padding) voxels that belong to r. ROIs may overlap (GOD's VC is the union of
/// the others), so give the regions to compare.
/// </summary>
/// <param name="Names">The ROIs, in the order given.</param>
/// <param name="Shares">Row-major (R, L): patch p's fraction of voxels in ROI r.</param>
/// <param name="PatchCount">L.</param>
/// <param name="RealPatches">Patches with at least one real voxel.</param>
public sealed record PatchRois(IReadOnlyList<string> Names, float[] Shares, int PatchCount, int RealPatches)
{
    /// <summary>The regions a figure compares when none are named: GOD's separate areas, those the file has.</summary>
    public static readonly IReadOnlyList<string> DefaultNames = ["V1", "V2", "V3", "V4", "LOC", "FFA", "PPA"];

    /// <summary>
    /// The patch shares of <paramref name="names"/> (or of <see cref="DefaultNames"/> present in the file, else all its
    /// ROIs) for an encoder reading <paramref name="encoderVoxels"/> voxels in patches of <paramref name="patchSize"/>.
    /// </summary>
    public static PatchRois For(FmriDataset data, string dataFile, IReadOnlyList<string>? names, int encoderVoxels, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (patchSize < 1 || encoderVoxels % patchSize != 0)
            throw new ArgumentException($"patch ROIs: {encoderVoxels} voxels do not split into patches of {patchSize}");
        IReadOnlyList<string> chosen = names is { Count: > 0 } ? names
            : DefaultNames.Where(data.Rois.ContainsKey).ToList() is { Count: > 0 } present ? present
            : data.Rois.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var name in chosen)
            if (!data.Rois.ContainsKey(name))
                throw new InvalidSettingException("rois", name, $"is not an ROI of {dataFile} (it has {string.Join(", ", data.Rois.Keys.Order(StringComparer.Ordinal))})");
        int real = data.VoxelCount - data.PaddingVoxels;
        if (real > encoderVoxels)
            throw new InvalidSettingException("data", dataFile, $"has {real} voxels; the brain encoder reads {encoderVoxels}");
        int patches = encoderVoxels / patchSize;
        var shares = new float[chosen.Count * patches];
        for (int r = 0; r < chosen.Count; r++)
            foreach (int v in data.Rois[chosen[r]])
                if (v < real) shares[r * patches + v / patchSize] += 1f;
        int realPatches = 0;
        for (int p = 0; p < patches; p++)
        {
            int inPatch = Math.Clamp(real - p * patchSize, 0, patchSize);
            if (inPatch == 0) continue;
            realPatches++;
            for (int r = 0; r < chosen.Count; r++) shares[r * patches + p] /= inPatch;
        }
        return new PatchRois(chosen.ToArray(), shares, patches, realPatches);
    }

    /// <summary>Share of the real patches that belongs to each ROI (the ROI's size in patches, fractionally).</summary>
    public double[] SizeShares() => Names.Select((_, r) => Shares.Skip(r * PatchCount).Take(PatchCount).Sum() / (double)RealPatches).ToArray();
}
