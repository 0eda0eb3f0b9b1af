using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.BrainAttention;

/// <summary>
/// Cross-attention of one decoded image, grouped by the ROI the brain tokens' voxels come from (MinD-Vis's
/// interpretability figure): ROI r's weight in context token k is w_rk = Σ_p share_kp f_rp (the token's patch shares,
/// <see cref="AdapterTokenComposition"/>, times the patches' ROI fractions, <see cref="PatchRois"/>), and
/// <code>
///   map_r   = Σ_k w_rk m_k / Σ_k w_rk        where in the image the attention to ROI r's part of the tokens comes from (sums to 1)
///   share_r = Σ_k w_rk a_k                   the part of all cross-attention that goes to ROI r's part of the tokens
///   ratio_r = share_r / size_r                that part relative to the ROI's share of the patches (1 = in proportion to its size)
/// </code>
/// with m_k the token maps and a_k the token masses averaged over steps, layers and heads (<see cref="CrossAttentionRecorder"/>).
/// </summary>
/// <param name="Maps">(R, side, side), each summing to 1.</param>
/// <param name="AttentionShares">share_r per ROI.</param>
/// <param name="SizeRatios">ratio_r per ROI.</param>
/// <param name="TokenRoiWeights">w_rk, row-major (R, T).</param>
public sealed record RoiAttention(float[] Maps, int Side, double[] AttentionShares, double[] SizeRatios, float[] TokenRoiWeights)
{
    /// <param name="tokenMaps">m_k, (T, side, side).</param>
    /// <param name="tokenMass">a_k, (T).</param>
    /// <param name="patchShares">share_kp, (T, L).</param>
    public static RoiAttention Combine(Tensor tokenMaps, Tensor tokenMass, Tensor patchShares, PatchRois rois)
    {
        ArgumentNullException.ThrowIfNull(rois);
        using var scope = NewDisposeScope();
        long t = tokenMaps.shape[0], side = tokenMaps.shape[1];
        if (patchShares.shape[0] != t || patchShares.shape[1] != rois.PatchCount)
            throw new ArgumentException($"ROI attention: patch shares ({string.Join(", ", patchShares.shape)}) do not match {t} tokens x {rois.PatchCount} patches");
        var host = TorchDevice.Host;
        var f = tensor(rois.Shares, [rois.Names.Count, rois.PatchCount]);                        // (R, L)
        var w = matmul(f, patchShares.to(host).to(ScalarType.Float32).t());                        // (R, T)
        var maps = matmul(w, tokenMaps.to(host).to(ScalarType.Float32).reshape(t, side * side))    // (R, side²)
                   / w.sum(1, keepdim: true).clamp_min(1e-30);
        var shares = matmul(w, tokenMass.to(host).to(ScalarType.Float32));                       // (R)
        var sizes = rois.SizeShares();
        var shareValues = TorchDevice.HostArray<float>(shares).Select(v => (double)v).ToArray();
        return new RoiAttention(
            TorchDevice.HostArray<float>(maps.contiguous()), (int)side, shareValues,
            shareValues.Select((s, r) => sizes[r] > 0 ? s / sizes[r] : double.NaN).ToArray(),
            TorchDevice.HostArray<float>(w.contiguous()));
    }

    /// <summary>
    /// How different the ROIs' maps are: the largest total-variation distance ½ Σ_i |map_r(i) - map_r'(i)| between two
    /// of them (0 = the same map, 1 = disjoint). 0 for one ROI.
    /// </summary>
    public double LargestMapDistance()
    {
        int count = AttentionShares.Length, cells = Side * Side;
        double largest = 0;
        for (int a = 0; a < count; a++)
            for (int b = a + 1; b < count; b++)
            {
                double distance = 0;
                for (int i = 0; i < cells; i++) distance += Math.Abs(Maps[a * cells + i] - Maps[b * cells + i]);
                largest = Math.Max(largest, distance / 2);
            }
        return largest;
    }

    /// <summary>The map of ROI <paramref name="r"/>, row-major side x side.</summary>
    public float[] Map(int r) => Maps.AsSpan(r * Side * Side, Side * Side).ToArray();
}
