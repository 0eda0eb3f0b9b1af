using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// A validation split carved from the training trials, so that settings are chosen without looking at the test
/// stimuli: a seeded random set of training stimuli is held out (every trial of a held-out stimulus, so no stimulus
/// is on both sides), its trials averaged per stimulus as test trials are; the rest is what the routes are fitted on.
/// </summary>
/// <param name="Fit">The training pairs the routes are fitted on.</param>
/// <param name="Validation">One item per held-out stimulus (its trials' mean voxels).</param>
public sealed record ValidationSplit(StimulusPairs Fit, StimulusPairs Validation)
{
    /// <summary>Holds out <paramref name="stimuli"/> training stimuli (at most half of them) chosen with <paramref name="seed"/>.</summary>
    public static ValidationSplit Carve(StimulusPairs train, int stimuli, long seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        var byStimulus = Enumerable.Range(0, train.Count).GroupBy(i => train.StimulusIds[i]).Select(g => g.ToArray()).ToArray();
        Check.That(byStimulus.Length >= 4, "validation", stimuli, $"needs a training split of at least 4 stimuli; it has {byStimulus.Length}");
        int held = Math.Clamp(stimuli, 2, byStimulus.Length / 2);
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var order = Enumerable.Range(0, byStimulus.Length).ToArray();
        random.Shuffle(order);
        var validation = order.Take(held).Order().Select(k => byStimulus[k]).ToArray();
        var fit = order.Skip(held).SelectMany(k => byStimulus[k]).Order().ToArray();

        int v = train.VoxelCount;
        var averaged = new float[(long)validation.Length * v];
        for (int r = 0; r < validation.Length; r++)
        {
            foreach (int i in validation[r])
                for (int j = 0; j < v; j++) averaged[(long)r * v + j] += train.Voxels[(long)i * v + j];
            for (int j = 0; j < v; j++) averaged[(long)r * v + j] /= validation[r].Length;
        }
        var firstRows = validation.Select(rows => rows[0]).ToArray();
        return new ValidationSplit(Rows(train, fit), new StimulusPairs(averaged, v, Images(train, firstRows),
            firstRows.Select(i => train.StimulusIds[i]).ToArray(), firstRows.Select(i => train.Categories[i]).ToArray(),
            firstRows.Select(i => train.SampleIndices[i]).ToArray())
        {
            RepeatCounts = validation.Select(rows => rows.Sum(i => train.RepeatCounts?[i] ?? 1)).ToArray(),
        });
    }

    private static StimulusPairs Rows(StimulusPairs pairs, int[] rows)
    {
        int v = pairs.VoxelCount;
        var voxels = new float[(long)rows.Length * v];
        for (int r = 0; r < rows.Length; r++) Array.Copy(pairs.Voxels, (long)rows[r] * v, voxels, (long)r * v, v);
        return new StimulusPairs(voxels, v, Images(pairs, rows), rows.Select(i => pairs.StimulusIds[i]).ToArray(),
            rows.Select(i => pairs.Categories[i]).ToArray(), rows.Select(i => pairs.SampleIndices[i]).ToArray())
        {
            RepeatCounts = pairs.RepeatCounts is null ? null : rows.Select(i => pairs.RepeatCounts[i]).ToArray(),
        };
    }

    private static Tensor Images(StimulusPairs pairs, int[] rows)
    {
        using var index = tensor(rows.Select(i => (long)i).ToArray(), ScalarType.Int64);
        return pairs.Images.index_select(0, index);
    }
}
