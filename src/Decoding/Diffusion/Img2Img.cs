using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Image-to-image sampling as diffusers' img2img pipelines do it (SDEdit, Meng et al. 2022): start from a given
/// clean latent z_0 instead of pure noise, noise it with the forward process to the timestep the strength s selects,
/// and run only the last steps of the schedule from there:
/// <code>
///   n inference steps on the grid g_0 > g_1 > ... > g_{n−1} (Timesteps after SetTimesteps(n) for DDPM and DDIM)
///   k  = min(⌊n · s⌋, n)                 the steps that run        (diffusers: init_timestep)
///   b  = n − k                           the grid step of the first (diffusers: t_start)
///   x_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε,  t = g_b                        (scheduler.add_noise)
///   denoise x_t through g_b, ..., g_{n−1}                           (scheduler.TimestepsFrom(b))
/// </code>
/// Strength 1 runs every step from g_0 (nearly pure noise at the first timestep); strength s runs the last ⌊n s⌋ of
/// the n steps. PLMS starts its warm-up afresh at g_b (it visits g_b, g_{b+1}, g_{b+1}, g_{b+2}, ...), so it starts
/// from the same noise level as DDIM; diffusers slices PLMS's n + 1 entry list at b instead, which starts one step
/// noisier and labels later calls one grid step off (see <see cref="PlmsScheduler"/>).
/// </summary>
public static class Img2Img
{
    /// <summary>k: how many of <paramref name="numInferenceSteps"/> steps <paramref name="strength"/> runs (0 when it runs none).</summary>
    public static int StepsRun(int numInferenceSteps, double strength) => Math.Min((int)Math.Floor(numInferenceSteps * strength), numInferenceSteps);

    /// <summary>b: the index in Timesteps of the first step run for <paramref name="strength"/> in (0, 1].</summary>
    public static int BeginIndex(int numInferenceSteps, double strength)
    {
        if (numInferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), $"img2img: {numInferenceSteps} inference steps");
        Check.That(strength > 0 && strength <= 1, "strength", strength, "must lie in (0, 1]");
        int run = StepsRun(numInferenceSteps, strength);
        Check.That(run >= 1, "strength", strength, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"runs no step of {numInferenceSteps}; raise it to at least {SmallestStrength(numInferenceSteps)}"));
        return numInferenceSteps - run;
    }

    /// <summary>The smallest strength of three significant digits that runs a step of <paramref name="numInferenceSteps"/>
    /// (<see cref="StepsRun"/> in floating point: 1/3 as 0.333 runs none, 0.334 runs one), for messages.</summary>
    public static double SmallestStrength(int numInferenceSteps)
    {
        if (numInferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), $"img2img: {numInferenceSteps} inference steps");
        // 1/n rounded up to three significant digits: k / 10^d, one more k while n (k / 10^d) still floors to 0.
        double exact = 1.0 / numInferenceSteps;
        double scale = Math.Pow(10, 2 - Math.Floor(Math.Log10(exact)));
        long k = (long)Math.Ceiling(exact * scale);
        while (StepsRun(numInferenceSteps, k / scale) < 1) k++;
        return k / scale;
    }

    /// <summary>The fewest inference steps at which <paramref name="strength"/> in (0, 1] runs a step, for messages
    /// (⌈1/s⌉, one more where n s falls just short of 1 in floating point, as n = 161 for s = 1/161).</summary>
    public static int FewestSteps(double strength)
    {
        Check.That(strength > 0 && strength <= 1, "strength", strength, "must lie in (0, 1]");
        int steps = (int)Math.Ceiling(1 / strength);
        while (StepsRun(steps, strength) < 1) steps++;
        return steps;
    }

    /// <summary>
    /// x_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε at t = the timestep of grid step <paramref name="beginIndex"/> of
    /// <paramref name="scheduler"/> (after SetTimesteps). <paramref name="cleanLatents"/> and <paramref name="noise"/> are (B, c, h, w).
    /// </summary>
    public static Tensor NoisedStart(DiffusionScheduler scheduler, Tensor cleanLatents, Tensor noise, int beginIndex)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (scheduler.NumInferenceSteps is null) throw new InvalidOperationException("img2img: call SetTimesteps first");
        long t = scheduler.TimestepOfStep(beginIndex);
        using var timesteps = ScalarArithmetic.Full(new long[] { cleanLatents.shape[0] }, t, ScalarType.Int64, cleanLatents.device);   // (B)
        return scheduler.AddNoise(cleanLatents, noise, timesteps);
    }
}
