using Fmri.MaskedBrainModeling;

namespace Fmri.Tests.MaskedBrainModeling;

public class WarmupCosineScheduleTests
{
    [Theory]
    // Paper schedule: peak 2.5e-4, floor 0, 40 warm-up epochs of 500.
    // e = 0 -> 0; e = 20 -> 2.5e-4 * 20/40 = 1.25e-4; e = 40 -> peak;
    // e = 270 = 40 + 460/2 -> cos(pi/2) = 0 -> 0.5 * peak = 1.25e-4; e = 500 -> cos(pi) = -1 -> 0.
    [InlineData(0.0, 0.0)]
    [InlineData(20.0, 1.25e-4)]
    [InlineData(40.0, 2.5e-4)]
    [InlineData(270.0, 1.25e-4)]
    [InlineData(500.0, 0.0)]
    public void Paper_schedule_at_hand_computed_epochs(double epoch, double expected)
    {
        Assert.Equal(expected, WarmupCosineSchedule.LearningRateAt(epoch, 2.5e-4, 0.0, 40, 500), 12);
    }

    [Fact]
    public void Without_warm_up_the_first_step_is_at_the_peak()
    {
        Assert.Equal(1e-3, WarmupCosineSchedule.LearningRateAt(0.0, 1e-3, 1e-5, 0, 10), 12);
    }
}
