namespace Fmri.Core.Training;

/// <summary>How the decay of an <see cref="ExponentialMovingAverage"/> grows over the first updates.</summary>
public enum EmaWarmup
{
    /// <summary>
    /// No warm-up: the configured decay from the first update on (after <c>UpdateAfterStep</c> updates that only
    /// copy the parameters).
    /// </summary>
    None,

    /// <summary>
    /// decay_t = min(decay, (1 + t) / (10 + t)): TensorFlow's <c>ExponentialMovingAverage(num_updates)</c> rule and
    /// diffusers' <c>EMAModel</c> default (<c>use_ema_warmup=False</c>). The first update copies the parameters.
    /// </summary>
    StepRatio,

    /// <summary>
    /// decay_t = min(decay, 1 - (1 + t / inv_gamma)^(-power)): @crowsonkb's warm-up, diffusers' <c>EMAModel</c> with
    /// <c>use_ema_warmup=True</c>. The first update copies the parameters.
    /// </summary>
    InversePower,
}
