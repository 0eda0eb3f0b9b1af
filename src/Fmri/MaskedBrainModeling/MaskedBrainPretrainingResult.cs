namespace Fmri.MaskedBrainModeling;

/// <summary>What a pretraining run did.</summary>
/// <param name="Config">The checkpoint config (architecture, whether test fMRI was pooled).</param>
/// <param name="Pool">Sample counts: training, held out, test samples excluded or included.</param>
/// <param name="StartEpoch">First epoch this call ran (0 unless resumed).</param>
/// <param name="History">Per-epoch records of the epochs this call ran.</param>
/// <param name="Seed">The seed the run drew with: a resumed run's is the one it started with, whatever was asked.</param>
public sealed record MaskedBrainPretrainingResult(
    PretrainedBrainEncoderConfig Config, PretrainingPoolCounts Pool, int StartEpoch, MaskedBrainModelingHistory History, long Seed)
{
    /// <summary>Held-out masked-reconstruction correlation after the last epoch run (NaN when no epoch ran).</summary>
    public double FinalHeldOutCorrelation => History.Epochs.Count == 0 ? double.NaN : History.Epochs[^1].HeldOutCorrelation;
}

/// <summary>Sample counts of a pretraining pool, as recorded in run.json.</summary>
public sealed record PretrainingPoolCounts(int TrainSamples, int HeldOutSamples, int TestSamplesExcluded, int TestSamplesIncluded);
