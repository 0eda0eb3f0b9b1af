namespace Fmri.Data.Simulation;

/// <summary>
/// A retinotopic visual area of the simulated cortex. Voxels have Gaussian population receptive fields
/// (Dumoulin &amp; Wandell 2008) whose size grows linearly with eccentricity, sigma = SizeSlope * eccentricity +
/// SizeInterceptDegrees, and larger along the hierarchy V1 &lt; V2 &lt; V3 &lt; V4; the pooled contrast energy is raised to
/// a compressive exponent (Kay et al. 2013, "Compressive spatial summation in human visual cortex": the
/// compression is present in V1 and V2 and grows stronger in more anterior areas).
/// </summary>
/// <param name="Name">ROI name, e.g. "V1".</param>
/// <param name="VoxelCount">Voxels in the area (both hemispheres).</param>
/// <param name="SizeSlope">pRF size (sigma, degrees) per degree of eccentricity.</param>
/// <param name="SizeInterceptDegrees">pRF size at the fovea, degrees.</param>
/// <param name="CssExponent">Exponent n of the compressive spatial summation, 0 &lt; n &lt;= 1.</param>
public sealed record VisualAreaSpec(string Name, int VoxelCount, double SizeSlope, double SizeInterceptDegrees, double CssExponent)
{
    /// <summary>
    /// V1-V4 shaped like one Generic Object Decoding subject (with the LOC voxels of <see cref="VisualCortexConfig"/>,
    /// ~4,500 visual-cortex voxels; GOD subjects have 3,444-6,237). Slopes and exponents are chosen in the spirit of
    /// Dumoulin &amp; Wandell 2008 and Kay et al. 2013 (growing, respectively shrinking, along the hierarchy), not fitted values.
    /// </summary>
    public static IReadOnlyList<VisualAreaSpec> Defaults { get; } =
    [
        new("V1", 1000, 0.12, 0.30, 0.80),
        new("V2", 1000, 0.18, 0.40, 0.70),
        new("V3", 800, 0.28, 0.50, 0.60),
        new("V4", 600, 0.45, 0.70, 0.50),
    ];
}
