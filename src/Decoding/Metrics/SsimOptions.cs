namespace Decoding.Metrics;

/// <summary>
/// Constants of the structural similarity index (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality
/// assessment: from error visibility to structural similarity", IEEE TIP 13(4)). Defaults are the paper's.
/// </summary>
/// <param name="DataRange">L, the dynamic range of pixel values: 1.0 for images in [0, 1].</param>
/// <param name="K1">Stabilises the luminance term: C1 = (K1 L)^2. Paper: 0.01.</param>
/// <param name="K2">Stabilises the contrast-structure term: C2 = (K2 L)^2. Paper: 0.03.</param>
/// <param name="GaussianSigma">Standard deviation of the circular-symmetric Gaussian window. Paper: 1.5.</param>
/// <param name="WindowSize">Side of the square window, odd. Paper: 11.</param>
public sealed record SsimOptions(
    double DataRange = 1.0,
    double K1 = 0.01,
    double K2 = 0.03,
    double GaussianSigma = 1.5,
    int WindowSize = 11)
{
    /// <summary>The paper's setting for images in [0, 1].</summary>
    public static SsimOptions WangEtAl2004 { get; } = new();

    /// <exception cref="ArgumentException">A value is out of range (named).</exception>
    public void Validate()
    {
        if (!(DataRange > 0) || !double.IsFinite(DataRange)) throw new ArgumentException($"SsimOptions.DataRange must be positive, got {DataRange}");
        if (!(K1 > 0) || !double.IsFinite(K1)) throw new ArgumentException($"SsimOptions.K1 must be positive, got {K1}");
        if (!(K2 > 0) || !double.IsFinite(K2)) throw new ArgumentException($"SsimOptions.K2 must be positive, got {K2}");
        if (!(GaussianSigma > 0) || !double.IsFinite(GaussianSigma)) throw new ArgumentException($"SsimOptions.GaussianSigma must be positive, got {GaussianSigma}");
        if (WindowSize < 3 || WindowSize % 2 == 0) throw new ArgumentException($"SsimOptions.WindowSize must be odd and at least 3, got {WindowSize}");
    }
}
