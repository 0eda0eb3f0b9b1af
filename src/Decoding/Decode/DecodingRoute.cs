using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// The items a route decodes: one fMRI row per item (for a shuffled-fMRI control, another item's row), the item's
/// stimulus id and true category (only oracle references may look at the category), and one generator per item
/// (<see cref="ItemGenerators"/>).
/// </summary>
/// <param name="Voxels">(N, V) row-major.</param>
public sealed record DecodeBatch(float[] Voxels, int VoxelCount, IReadOnlyList<string> StimulusIds, IReadOnlyList<int> Categories,
    IReadOnlyList<Generator> Generators)
{
    public int Count => StimulusIds.Count;

    /// <summary>The items <paramref name="start"/> .. start + count − 1.</summary>
    public DecodeBatch Slice(int start, int count) => new(
        Voxels.AsSpan(start * VoxelCount, count * VoxelCount).ToArray(), VoxelCount,
        StimulusIds.Skip(start).Take(count).ToArray(), Categories.Skip(start).Take(count).ToArray(), Generators.Skip(start).Take(count).ToArray());
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
