namespace Decoding.Diffusion;

/// <summary>
/// Picks the n inference timesteps from the T training timesteps, exactly as diffusers' DDPM, DDIM and PNDM
/// schedulers do (including numpy's rounding to even and its arange/linspace arithmetic), in descending order.
/// With T = 1000, n = 10:
/// <code>
///   leading  (T div n = 100, + steps_offset): 900, 800, ..., 0   (steps_offset = 1: 901, 801, ..., 1)
///   trailing (round(T − i·T/n) − 1):          999, 899, ..., 99
///   linspace (round(i·(T − 1)/(n − 1))):      999, 888, ..., 0
/// </code>
/// steps_offset shifts the leading spacing only (as in diffusers). One deliberate difference: see the trailing case.
/// </summary>
public static class InferenceTimesteps
{
    /// <summary>The n timesteps, highest first. <paramref name="caller"/> names the scheduler in error messages.</summary>
    public static long[] Compute(TimestepSpacing spacing, int numTrainTimesteps, int numInferenceSteps, int stepsOffset, string caller = nameof(InferenceTimesteps))
    {
        if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps),
                $"{caller}.SetTimesteps: numInferenceSteps = {numInferenceSteps}, must lie in 1..num_train_timesteps = {numTrainTimesteps}.");
        var n = numInferenceSteps;
        var timesteps = new long[n];
        switch (spacing)
        {
            case TimestepSpacing.Leading:
                // t_i = i · (T div n) + steps_offset, i = n−1 .. 0
                var stepRatio = numTrainTimesteps / n;
                for (var i = 0; i < n; i++)
                    timesteps[i] = (long)(n - 1 - i) * stepRatio + stepsOffset;
                if (timesteps[0] >= numTrainTimesteps)
                    throw new ArgumentException(
                        $"{caller}.SetTimesteps: with steps_offset = {stepsOffset} the first leading timestep is {timesteps[0]}, past the last training timestep {numTrainTimesteps - 1}; use fewer steps or a smaller steps_offset.",
                        nameof(stepsOffset));
                break;
            case TimestepSpacing.Trailing:
                // numpy: round(arange(T, 0, −T/n)) − 1 with arange's values start + i·delta. For some n (e.g. 61 of
                // T = 1000) float rounding makes numpy's arange one element longer, so diffusers gets a bogus extra
                // timestep −1; we keep exactly the n real ones.
                var ratio = numTrainTimesteps / (double)n;
                var first = (double)numTrainTimesteps;
                var delta = (first - ratio) - first;
                for (var i = 0; i < n; i++)
                    timesteps[i] = (long)Math.Round(first + i * delta, MidpointRounding.ToEven) - 1;
                break;
            case TimestepSpacing.Linspace:
                // numpy: round(linspace(0, T − 1, n)), reversed; linspace = i · (T − 1)/(n − 1), last = T − 1.
                var last = (double)(numTrainTimesteps - 1);
                var step = n > 1 ? last / (n - 1) : 0.0;
                for (var i = 0; i < n; i++)
                {
                    var value = i == n - 1 && n > 1 ? last : i * step;
                    timesteps[n - 1 - i] = (long)Math.Round(value, MidpointRounding.ToEven);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(spacing), $"{caller}.SetTimesteps: unknown timestep spacing {spacing}.");
        }
        return timesteps;
    }
}
