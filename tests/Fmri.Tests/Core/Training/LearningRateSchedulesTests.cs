using Fmri.Core.Training;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Training;

public class LearningRateSchedulesTests
{
    [Fact]
    public void Constant_with_warmup_values_by_hand()
    {
        // peak 1e-3, 4 warm-up steps: steps 0..3 give 0, 0.25e-3, 0.5e-3, 0.75e-3; from step 4 on, 1e-3.
        var lr = LearningRateSchedules.ConstantWithWarmup(1e-3, 4);
        Assert.Equal(0.0, lr(0));
        Assert.Equal(0.25e-3, lr(1), 15);
        Assert.Equal(0.5e-3, lr(2), 15);
        Assert.Equal(0.75e-3, lr(3), 15);
        Assert.Equal(1e-3, lr(4), 15);
        Assert.Equal(1e-3, lr(1_000_000), 15);
        Assert.Equal(2.0, LearningRateSchedules.ConstantWithWarmup(2.0, 0)(0)); // no warm-up
    }

    [Fact]
    public void Cosine_with_warmup_values_by_hand()
    {
        // peak 1, floor 0.1, warm-up 2, total 6 (4 cosine steps). Step 1: 0.5 (warm-up).
        // Step 2: progress 0 -> 1. Step 4: progress 1/2, cos(pi/2) = 0 -> 0.1 + 0.9 * 0.5 = 0.55.
        // Step 3: progress 1/4, 0.5 (1 + cos(pi/4)) = 0.5 + sqrt(2)/4 = 0.853553 -> 0.1 + 0.9 * 0.853553 = 0.868198.
        // Step 6 and later: the floor, 0.1.
        var lr = LearningRateSchedules.CosineWithWarmup(1.0, 2, 6, floor: 0.1);
        Assert.Equal(0.5, lr(1), 12);
        Assert.Equal(1.0, lr(2), 12);
        Assert.Equal(0.868198, lr(3), 6);
        Assert.Equal(0.55, lr(4), 12);
        Assert.Equal(0.1, lr(6), 12);
        Assert.Equal(0.1, lr(100), 12);
    }

    [Fact]
    public void Bad_arguments_name_the_problem()
    {
        Assert.Contains("total steps (4) must exceed warm-up steps (4)",
            Assert.Throws<ArgumentException>(() => LearningRateSchedules.CosineWithWarmup(1.0, 4, 4)).Message);
        Assert.Contains("peak", Assert.Throws<ArgumentException>(() => LearningRateSchedules.ConstantWithWarmup(0, 4)).Message);
        Assert.Contains("step must be >= 0", Assert.Throws<ArgumentException>(() => LearningRateSchedules.ConstantWithWarmup(1, 4)(-1)).Message);
    }

    [Fact]
    public void Set_learning_rate_reaches_every_parameter_group()
    {
        using var layer = nn.Linear(2, 2);
        var optimizer = optim.AdamW(layer.parameters(), lr: 1.0);
        LearningRateSchedules.SetLearningRate(optimizer, 0.125);
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(0.125, g.LearningRate));
    }
}
