using Fmri.Core.Torch;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// How far a decoded image looks like the training images of its stimulus's category: for each image, the
/// <see cref="Neighbours"/> training images with the highest pixel correlation (Pearson over all pixels), and the share
/// of them whose category is the item's. <see cref="RouteSelection"/> averages it over the validation items as the
/// category agreement of a candidate setting.
/// <para>
/// It uses nothing but training images: the fit part of the training split (each stimulus once, however many trials
/// showed it), and with a split of whole categories those categories' stimuli that are not validation items: no
/// classifier, so neither the evaluation's scoring classifier nor the generator that drew the images judges them. The
/// latent diffusion model judging its own images (a diffusion classifier) gave nearly every candidate the same score,
/// because guidance pushes an image toward exactly what that model recognises; neighbours among real training images
/// do not share that bias. No random draw: the same images give the same score.
/// </para>
/// </summary>
public sealed class NearestNeighbourCategoryJudge : IDisposable
{
    /// <summary>Training images each decoded image is compared with.</summary>
    public const int Neighbours = 10;

    private readonly Tensor references;   // (M, P): the training images, centred and scaled to unit norm per image
    private readonly int[] categories;    // (M)

    /// <param name="fit">The training pairs the candidates were fitted on; each stimulus counts once.</param>
    /// <param name="judgeOnly">Training stimuli no candidate was fitted on that also serve as references: a validation
    /// split of whole categories (<see cref="ValidationSplit.JudgeOnly"/>) holds its categories' other stimuli here, so
    /// that the judge can recognise categories the fit part lacks. Never the validation items themselves.</param>
    public NearestNeighbourCategoryJudge(StimulusPairs fit, StimulusPairs? judgeOnly = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        static long[] FirstRows(StimulusPairs pairs) => Enumerable.Range(0, pairs.Count).GroupBy(i => pairs.StimulusIds[i]).Select(g => (long)g.First()).Order().ToArray();
        var firstRows = FirstRows(fit);
        long[] extraRows = judgeOnly is null ? [] : FirstRows(judgeOnly);
        Check.That(firstRows.Length + extraRows.Length > Neighbours, "validation", fit.Count,
            $"leaves {firstRows.Length + extraRows.Length} training stimuli to judge categories by; need more than {Neighbours}");
        using var scope = NewDisposeScope();
        var images = fit.Images.index_select(0, tensor(firstRows, ScalarType.Int64));
        if (extraRows.Length > 0) images = cat([images, judgeOnly!.Images.index_select(0, tensor(extraRows, ScalarType.Int64))], 0);
        references = Standardised(images).MoveToOuterDisposeScope();
        categories = [.. firstRows.Select(i => fit.Categories[(int)i]), .. extraRows.Select(i => judgeOnly!.Categories[(int)i])];
    }

    /// <summary>The mean over images (N, C, S, S) in [0, 1] of the share of each image's nearest training images whose
    /// category is <paramref name="itemCategories"/>[i]; in [0, 1].</summary>
    public double Agreement(Tensor images, IReadOnlyList<int> itemCategories)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(itemCategories);
        if (images.shape[0] != itemCategories.Count)
            throw new ArgumentException($"category agreement: {images.shape[0]} images for {itemCategories.Count} categories");
        using var scope = NewDisposeScope();
        var quantised = images.to(TorchDevice.Host).Clamped(0, 1).Times(255).round().DividedBy(255);   // what decoded.h5 will hold
        var similarity = Standardised(quantised).matmul(references.t());                               // (N, M): Pearson correlations
        var nearest = TorchDevice.HostArray<long>(similarity.topk(Neighbours, dim: 1).indexes);
        double total = 0;
        for (int i = 0; i < itemCategories.Count; i++)
        {
            int same = 0;
            for (int j = 0; j < Neighbours; j++)
                if (categories[nearest[i * Neighbours + j]] == itemCategories[i]) same++;
            total += same / (double)Neighbours;
        }
        return total / itemCategories.Count;
    }

    /// <summary>
    /// The agreement of the stimuli <paramref name="items"/> themselves (uint8 images) with their own categories: what a
    /// perfect reconstruction would score. The judge measures how typical of its category an image looks, so a
    /// category-typical decoded image can score above it; a criterion a perfect reconstruction does not top rewards
    /// typicality there, not faithfulness, and the records show the two side by side.
    /// </summary>
    public double StimuliAgreement(StimulusPairs items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Images.dtype != ScalarType.Byte)
            throw new ArgumentException($"stimuli agreement: the stimuli are {items.Images.dtype}, expected uint8 images", nameof(items));
        using var scope = NewDisposeScope();
        return Agreement(items.Images.to_type(ScalarType.Float32).div(255), items.Categories);
    }

    /// <summary>Images (N, ...) as rows with zero mean and unit norm, so their products are Pearson correlations; a
    /// constant image becomes a zero row (correlation 0 with everything).</summary>
    private static Tensor Standardised(Tensor images)
    {
        var rows = images.to(TorchDevice.Host).to_type(ScalarType.Float64).reshape(images.shape[0], -1);
        var centred = rows - rows.mean([1], keepdim: true);
        var norm = centred.norm(1, keepdim: true);
        return centred / norm.clamp_min(1e-12);
    }

    public void Dispose() => references.Dispose();
}
