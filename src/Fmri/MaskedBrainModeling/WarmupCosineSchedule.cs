namespace Fmri.MaskedBrainModeling;

/// <summary>
/// Learning rate with linear warm-up then half-cycle cosine decay, evaluated per iteration at a fractional epoch
/// (MAE/MinD-Vis <c>adjust_learning_rate</c>). Notation: e = epoch + step / steps_per_epoch, W warm-up epochs,
/// E total epochs, peak and floor learning rates:
/// <code>
///   lr(e) = peak * e / W                                                     e &lt; W
///   lr(e) = floor + (peak - floor) * 0.5 * (1 + cos(pi * (e - W) / (E - W)))  otherwise
/// </code>
/// </summary>
public static class WarmupCosineSchedule
{
    public static double LearningRateAt(double epoch, double peak, double floor, int warmupEpochs, int totalEpochs)
    {
        if (totalEpochs <= 0) throw new ArgumentException($"totalEpochs = {totalEpochs} must be positive", nameof(totalEpochs));
        if (warmupEpochs < 0 || warmupEpochs >= totalEpochs)
            throw new ArgumentException($"warmupEpochs = {warmupEpochs} must be in [0, totalEpochs = {totalEpochs})", nameof(warmupEpochs));
        if (epoch < warmupEpochs) return peak * epoch / warmupEpochs;
        double progress = (epoch - warmupEpochs) / (totalEpochs - warmupEpochs);
        return floor + (peak - floor) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }
}
