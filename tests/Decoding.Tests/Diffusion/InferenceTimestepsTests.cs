using Decoding.Diffusion;

namespace Decoding.Tests.Diffusion;

public class InferenceTimestepsTests
{
    private static long[] Range(long first, long step, int count) =>
        Enumerable.Range(0, count).Select(i => first - i * step).ToArray();

    [Fact]
    public void Leading_spacing_is_multiples_of_T_div_n_plus_the_offset()
    {
        // 1000 div 10 = 100: 900, 800, ..., 0; with steps_offset = 1: 901, ..., 1 (hand).
        Assert.Equal(Range(900, 100, 10), InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 10, 0));
        Assert.Equal(Range(901, 100, 10), InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 10, 1));
        // Stable Diffusion's 50 steps with steps_offset = 1 (diffusers' documentation): 981, 961, ..., 1.
        var stableDiffusion = InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 50, 1);
        Assert.Equal(Range(981, 20, 50), stableDiffusion);
        // MinD-Vis's PLMS uses 250 steps: 1000 div 250 = 4, so 996, 992, ..., 0 (+ offset).
        Assert.Equal(Range(996, 4, 250), InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 250, 0));
    }

    [Fact]
    public void Trailing_spacing_starts_at_the_last_training_timestep_and_ignores_the_offset()
    {
        // round(1000 − 100 i) − 1 (hand): 999, 899, ..., 99.
        Assert.Equal(Range(999, 100, 10), InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 10, 0));
        Assert.Equal(Range(999, 100, 10), InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 10, 1));
        // 1000/3 = 333.33: round(1000) − 1, round(666.67) − 1, round(333.33) − 1 = 999, 666, 332 (hand).
        Assert.Equal(new long[] { 999, 666, 332 }, InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 3, 0));
    }

    [Fact]
    public void Trailing_spacing_keeps_exactly_n_timesteps_where_numpy_arange_overshoots()
    {
        // numpy: len(np.arange(1000, 0, -1000/61)) == 62, its last value -5.7e-13 rounds to 0, so diffusers appends a
        // bogus timestep −1. We keep the 61 real ones; the last is round(1000 − 60·16.3934) − 1 = round(16.39) − 1 = 15.
        var timesteps = InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 61, 0);
        Assert.Equal(61, timesteps.Length);
        Assert.Equal(999, timesteps[0]);
        Assert.Equal(15, timesteps[^1]);
    }

    [Fact]
    public void Linspace_spacing_rounds_half_to_even_like_numpy()
    {
        // 999/9 = 111 exactly: 999, 888, ..., 0 (hand); the offset is ignored.
        Assert.Equal(Range(999, 111, 10), InferenceTimesteps.Compute(TimestepSpacing.Linspace, 1000, 10, 0));
        Assert.Equal(Range(999, 111, 10), InferenceTimesteps.Compute(TimestepSpacing.Linspace, 1000, 10, 1));
        // 999/6 = 166.5: 166.5 -> 166, 499.5 -> 500, 832.5 -> 832 under round-half-to-even (numpy's np.round:
        // np.linspace(0, 999, 7).round() == [0, 166, 333, 500, 666, 832, 999]).
        Assert.Equal(new long[] { 999, 832, 666, 500, 333, 166, 0 }, InferenceTimesteps.Compute(TimestepSpacing.Linspace, 1000, 7, 0));
    }

    [Fact]
    public void A_single_step_gives_one_timestep_per_spacing()
    {
        // leading: 0 + offset; trailing: round(1000) − 1 = 999; linspace of one point: its start, 0 (numpy).
        Assert.Equal(new long[] { 1 }, InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 1, 1));
        Assert.Equal(new long[] { 999 }, InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 1, 0));
        Assert.Equal(new long[] { 0 }, InferenceTimesteps.Compute(TimestepSpacing.Linspace, 1000, 1, 0));
    }

    [Fact]
    public void Step_counts_outside_1_to_T_and_offsets_past_the_end_are_rejected()
    {
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 0, 0, "DdimScheduler"));
        Assert.Contains("DdimScheduler.SetTimesteps: numInferenceSteps = 0", zero.Message);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => InferenceTimesteps.Compute(TimestepSpacing.Trailing, 1000, 1001, 0));
        Assert.Contains("1001", tooMany.Message);
        // 1000 steps: 999, ..., 0; with steps_offset = 1 the first would be 1000, past the last timestep 999.
        var offset = Assert.Throws<ArgumentException>(() => InferenceTimesteps.Compute(TimestepSpacing.Leading, 1000, 1000, 1));
        Assert.Contains("steps_offset = 1", offset.Message);
    }
}
