using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// The items a route decodes: one fMRI row per item (for a shuffled-fMRI control, another item's row), a key per item,
/// and one generator per item (<see cref="ItemGenerators"/>, drawn from the real stimulus id before the route sees the
/// batch). What identifies the stimulus travels only to routes that are not decoders (<see cref="For"/>): the true
/// categories to those that declare they use them (<see cref="DecodedMethod.UsesTrueLabel"/>: the oracle references),
/// the stimulus ids to those that do not use fMRI (the references: the noise-free ceiling looks its responses up by
/// id). A route from fMRI, and its control, get null categories and opaque keys (<c>item-0</c>, <c>item-1</c>, ...),
/// because ids such as GOD's <c>n02084071_1234</c> or an image folder's <c>dog/1.jpg</c> name the category too.
/// </summary>
/// <param name="Voxels">(N, V) row-major.</param>
/// <param name="StimulusIds">The items' stimulus ids for a reference; opaque keys for a route from fMRI.</param>
/// <param name="TrueCategories">The items' true categories for a route that uses the true label; null otherwise.</param>
public sealed record DecodeBatch(float[] Voxels, int VoxelCount, IReadOnlyList<string> StimulusIds, IReadOnlyList<int>? TrueCategories,
    IReadOnlyList<Generator> Generators)
{
    public int Count => StimulusIds.Count;

    /// <summary>The batch <paramref name="route"/> may see: the true categories only if its method declares it uses them,
    /// the stimulus ids only if it does not decode fMRI (otherwise <see cref="OpaqueKeys"/>).</summary>
    public static DecodeBatch For(IDecodingRoute route, float[] voxels, int voxelCount, IReadOnlyList<string> stimulusIds,
        IReadOnlyList<int> categories, IReadOnlyList<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(stimulusIds);
        return new(voxels, voxelCount, route.Method.UsesFmri ? OpaqueKeys(stimulusIds.Count) : stimulusIds,
            route.Method.UsesTrueLabel ? categories : null, generators);
    }

    /// <summary>Keys that say nothing about the stimulus: <c>item-0</c> .. <c>item-(n − 1)</c>, by position in the split.</summary>
    public static string[] OpaqueKeys(int count) => Enumerable.Range(0, count).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"item-{i}")).ToArray();

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

    /// <summary>How the setting the route chose while it was fitted did on its validation split; null when it chose none
    /// there (a setting chosen by <c>decode --select</c> is recorded from the selection instead).</summary>
    ValidationRecord? Validation => null;
}
