using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// The items a route decodes: one fMRI row per item (for a shuffled-fMRI control, another item's row), the item's
/// stimulus id, and one generator per item (<see cref="ItemGenerators"/>). The items' true categories travel only to
/// routes that declare they use them (<see cref="DecodedMethod.UsesTrueLabel"/>: the oracle references); every route
/// from fMRI gets null (<see cref="For"/>), so no decoder can read the answer it is scored against.
/// </summary>
/// <param name="Voxels">(N, V) row-major.</param>
/// <param name="TrueCategories">The items' true categories for a route that uses the true label; null otherwise.</param>
public sealed record DecodeBatch(float[] Voxels, int VoxelCount, IReadOnlyList<string> StimulusIds, IReadOnlyList<int>? TrueCategories,
    IReadOnlyList<Generator> Generators)
{
    public int Count => StimulusIds.Count;

    /// <summary>The batch <paramref name="route"/> may see: the true categories only if its method declares it uses them.</summary>
    public static DecodeBatch For(IDecodingRoute route, float[] voxels, int voxelCount, IReadOnlyList<string> stimulusIds,
        IReadOnlyList<int> categories, IReadOnlyList<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(route);
        return new(voxels, voxelCount, stimulusIds, route.Method.UsesTrueLabel ? categories : null, generators);
    }

    /// <summary>The true categories, for a route that declared it uses them; any other caller is a defect.</summary>
    public IReadOnlyList<int> RequireTrueCategories(string routeName) => TrueCategories
        ?? throw new InvalidOperationException($"{routeName}: reads the items' true categories, but its method does not declare UsesTrueLabel, so the batch does not carry them");

    /// <summary>The items <paramref name="start"/> .. start + count − 1.</summary>
    public DecodeBatch Slice(int start, int count) => new(
        Voxels.AsSpan(start * VoxelCount, count * VoxelCount).ToArray(), VoxelCount,
        StimulusIds.Skip(start).Take(count).ToArray(), TrueCategories?.Skip(start).Take(count).ToArray(), Generators.Skip(start).Take(count).ToArray());
}

/// <summary>
/// A way to make images for test items: a decoding route from fMRI (low-level, semantic, img2img, MinD-Vis), a
/// baseline (ridge to pixels) or a reference without fMRI (mean image, class mean, the generative model's samples of
/// the true class). Fitted on training data before it is constructed; decoding is then a pure function of the batch.
/// </summary>
public interface IDecodingRoute
{
    /// <summary>What the images are (name, kind, whether they use fMRI or the true label).</summary>
    DecodedMethod Method { get; }

    /// <summary>False when every sample of an item is the same image (the route then decodes K = 1).</summary>
    bool Stochastic { get; }

    /// <summary>Images (N, K, C, S, S) in [0, 1], float32 on the CPU.</summary>
    Tensor Decode(DecodeBatch batch, int samples);
}
