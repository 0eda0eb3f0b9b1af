using static TorchSharp.torch;

namespace Fmri.Core.Training;

/// <summary>
/// Learning rate as a function of the optimiser step s (0 for the first step), as in diffusers'
/// <c>get_constant_schedule_with_warmup</c> / <c>get_cosine_schedule_with_warmup</c>:
/// a linear warm-up lr(s) = peak · s / warmup for s &lt; warmup, then either the peak (constant) or a half cosine
/// from the peak down to a floor at the last step (MAE's <c>adjust_learning_rate</c> form, with the floor as its
/// <c>min_lr</c>). Step 0 of a warm-up gets lr 0, as in diffusers.
/// </summary>
public static class LearningRateSchedules
{
    /// <summary>Linear warm-up to <paramref name="peak"/> over <paramref name="warmupSteps"/> steps, then constant.</summary>
    public static Func<long, double> ConstantWithWarmup(double peak, long warmupSteps)
    {
        Check(peak, warmupSteps);
        return step =>
        {
            CheckStep(step);
            return step < warmupSteps ? peak * step / warmupSteps : peak;
        };
    }

    /// <summary>
    /// Linear warm-up to <paramref name="peak"/>, then lr(s) = floor + (peak - floor) · ½ (1 + cos(π · p)) with
    /// p = (s - warmup) / (total - warmup), reaching <paramref name="floor"/> at s = total and staying there.
    /// </summary>
    public static Func<long, double> CosineWithWarmup(double peak, long warmupSteps, long totalSteps, double floor = 0.0)
    {
        Check(peak, warmupSteps);
        if (totalSteps <= warmupSteps)
            throw new ArgumentException($"cosine schedule: total steps ({totalSteps}) must exceed warm-up steps ({warmupSteps})");
        if (!(floor >= 0 && floor <= peak))
            throw new ArgumentException($"cosine schedule: floor learning rate must be in [0, peak = {peak}], got {floor}");
        return step =>
        {
            CheckStep(step);
            if (step < warmupSteps) return peak * step / warmupSteps;
            double progress = Math.Min(1.0, (double)(step - warmupSteps) / (totalSteps - warmupSteps));
            return floor + (peak - floor) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
        };
    }

    /// <summary>Sets the learning rate of every parameter group of <paramref name="optimizer"/>.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(learningRate >= 0) || double.IsInfinity(learningRate))
            throw new ArgumentException($"learning rate must be a finite number >= 0, got {learningRate}");
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    private static void Check(double peak, long warmupSteps)
    {
        if (!(peak > 0) || double.IsInfinity(peak)) throw new ArgumentException($"learning-rate schedule: peak must be a positive finite number, got {peak}");
        if (warmupSteps < 0) throw new ArgumentException($"learning-rate schedule: warm-up steps must be >= 0, got {warmupSteps}");
    }

    private static void CheckStep(long step)
    {
        if (step < 0) throw new ArgumentException($"learning-rate schedule: step must be >= 0, got {step}");
    }
}
