using Decoding.Decode.Routes;
using Decoding.Metrics;
using Fmri.Data;
using Fmri.Ridge;

namespace Decoding.Decode;

/// <summary>
/// The category judge of <see cref="RouteSelection"/>: a linear classifier on pixels, one ridge map from an image's
/// pixels to the one-hot category, fitted on the training stimuli of the fit split only. It stands in for a semantic
/// score when settings are chosen, and has nothing to do with the evaluation's scoring classifier.
/// </summary>
public sealed class CategoryJudge
{
    private readonly RidgeMap map;
    private readonly int[] labels;

    private CategoryJudge(RidgeMap map, int[] labels)
    {
        this.map = map;
        this.labels = labels;
    }

    public static CategoryJudge Fit(StimulusPairs fit, long seed)
    {
        var labels = fit.Categories.Distinct().Order().ToArray();
        var images = RouteImages.ToImageTensors(fit.Images);
        var targets = fit.Categories.Select(c => labels.Select(l => l == c ? 1f : 0f).ToArray()).ToArray();
        int p = images[0].Pixels.Length;
        var pixels = images.SelectMany(i => i.Pixels).ToArray();
        return new CategoryJudge(RidgeMap.Fit(pixels, p, targets, new Random(RouteImages.SubSeed(seed, "judge-folds"))), labels);
    }

    /// <summary>The category the judge gives each image.</summary>
    public int[] Categories(IReadOnlyList<ImageTensor> images)
    {
        var scores = map.Predict(images.SelectMany(i => i.Pixels).ToArray(), images.Count);
        return scores.Select(s => labels[Array.IndexOf(s, s.Max())]).ToArray();
    }
}
