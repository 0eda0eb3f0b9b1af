using Decoding.LatentDiffusion;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Editing;

/// <summary>
/// Two cheap measures of an edit, neither of which uses the evaluation's scoring classifier: how much of the source
/// image's layout an edit keeps (the Pearson correlation of their pixels) and which category it shows (the class whose
/// mean training image its pixels correlate with most, as <see cref="ClassConsistency"/> scores generated samples).
/// </summary>
public static class EditMeasures
{
    /// <summary>Pearson correlation of the pixels of each image pair, (B, C, S, S) each; one value per pair.</summary>
    public static double[] PixelCorrelation(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"pixel correlation: shapes ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)}) differ");
        using var scope = NewDisposeScope();
        var x = Standardise(a.to(ScalarType.Float64));
        var y = Standardise(b.to(ScalarType.Float64));
        var r = (x * y).sum(1).to(TorchDevice.Host);                         // (B)
        return TorchDevice.HostArray<double>(r);
    }

    /// <summary>The class whose mean image each image correlates with most (index into the class means).</summary>
    public static long[] NearestClass(Tensor images, Tensor classMeans) => ClassConsistency.NearestClassMean(images, classMeans);

    /// <summary>Rows flattened, centred and scaled to unit norm, (B, P); a constant image gives zeros (correlation 0).</summary>
    private static Tensor Standardise(Tensor images)
    {
        var flat = images.reshape(images.shape[0], -1);
        var centred = flat - flat.mean([1], keepdim: true);
        var norm = centred.norm(1, keepdim: true).clamp_min(1e-12);
        return centred / norm;
    }
}
