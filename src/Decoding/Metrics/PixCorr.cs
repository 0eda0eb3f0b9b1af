namespace Decoding.Metrics;

/// <summary>
/// PixCorr: Pearson correlation between a reconstruction's and its stimulus's flattened pixel vectors
/// (all H x W x C values, as MinD-Vis's <c>pcc_metric</c> and MindEye's PixCorr flatten them), per test item,
/// and the mean over items. Both images must have the same size: resize before calling.
/// </summary>
public static class PixCorr
{
    /// <summary>PixCorr of one reconstruction with its stimulus.</summary>
    /// <exception cref="ArgumentException">Shapes differ, or either image is constant.</exception>
    public static double Compute(ImageTensor reconstruction, ImageTensor stimulus)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(stimulus);
        if (!reconstruction.SameShapeAs(stimulus))
            throw new ArgumentException($"reconstruction is {reconstruction}, stimulus is {stimulus}; PixCorr needs images of the same shape");
        return PearsonCorrelation.Compute(reconstruction.Pixels, stimulus.Pixels, nameof(reconstruction), nameof(stimulus));
    }

    /// <summary>PixCorr of reconstruction i with stimulus i, for every test item.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, or an item is invalid (named by index).</exception>
    public static PerItemScores Compute(IReadOnlyList<ImageTensor> reconstructions, IReadOnlyList<ImageTensor> stimuli)
    {
        EvaluationChecks.SameNonZeroCount(reconstructions, stimuli, nameof(reconstructions), nameof(stimuli));
        var scores = new double[reconstructions.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            var r = reconstructions[i];
            var s = stimuli[i];
            if (!r.SameShapeAs(s))
                throw new ArgumentException($"reconstructions[{i}] is {r}, stimuli[{i}] is {s}; PixCorr needs images of the same shape");
            scores[i] = PearsonCorrelation.Compute(r.Pixels, s.Pixels, $"reconstructions[{i}]", $"stimuli[{i}]");
        }
        return new PerItemScores(scores);
    }
}
