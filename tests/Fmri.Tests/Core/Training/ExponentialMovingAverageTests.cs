using Fmri.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Tests.Core.Training;

public class ExponentialMovingAverageTests
{
    /// <summary>A Linear(2, 1) whose weight and bias are set to <paramref name="value"/>.</summary>
    private static Linear Layer(float value)
    {
        var layer = Linear(2, 1);
        SetAll(layer, value);
        return layer;
    }

    private static void SetAll(Module module, float value)
    {
        using var _ = no_grad();
        foreach (var p in module.parameters()) p.fill_(value);
    }

    private static float[] Shadow(ExponentialMovingAverage ema) =>
        ema.ShadowParameters.Values.SelectMany(t => t.data<float>().ToArray()).ToArray();

    [Fact]
    public void Constant_decay_after_k_updates_equals_the_closed_form()
    {
        // Shadow starts at s0 = 0; the parameters are then held at p = 1. Each update s <- d s + (1 - d) p, so after
        // k updates s_k = p + (s0 - p) d^k = 1 - 0.9^5 = 0.40951 for d = 0.9, k = 5 (geometric series by hand).
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.9, warmup: EmaWarmup.None);
        SetAll(layer, 1f);
        for (int k = 0; k < 5; k++) ema.Step();
        Assert.Equal(5, ema.OptimizationStep);
        Assert.Equal(0.9, ema.CurrentDecay);
        Assert.All(Shadow(ema), v => Assert.Equal(0.40951f, v, 5));
    }

    [Fact]
    public void Step_ratio_warmup_gives_diffusers_decays()
    {
        // diffusers EMAModel.get_decay with use_ema_warmup=False: t = step - update_after_step - 1; t <= 0 -> 0,
        // else min(decay, (1 + t) / (10 + t)). By hand: step 1 -> 0, step 2 -> 2/11, step 3 -> 3/12, step 11 -> 11/20.
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.9999, warmup: EmaWarmup.StepRatio);
        Assert.Equal(0.0, ema.Decay(1));
        Assert.Equal(2.0 / 11.0, ema.Decay(2), 12);
        Assert.Equal(3.0 / 12.0, ema.Decay(3), 12);
        Assert.Equal(11.0 / 20.0, ema.Decay(11), 12);
        // The cap: with decay 0.5, t = 9 would give 10/19 > 0.5, so 0.5; t = 7 gives 8/17 < 0.5.
        using var capped = new ExponentialMovingAverage(layer, decay: 0.5, warmup: EmaWarmup.StepRatio);
        Assert.Equal(0.5, capped.Decay(10), 12);
        Assert.Equal(8.0 / 17.0, capped.Decay(8), 12);
        // update_after_step = 3: the first four updates copy (t <= 0), the fifth has t = 1 -> 2/11.
        using var delayed = new ExponentialMovingAverage(layer, decay: 0.9999, warmup: EmaWarmup.StepRatio, updateAfterStep: 3);
        Assert.Equal(0.0, delayed.Decay(4));
        Assert.Equal(2.0 / 11.0, delayed.Decay(5), 12);
        // min_decay raises small values: t = 1 gives 2/11 ~ 0.18 < 0.3.
        using var floored = new ExponentialMovingAverage(layer, decay: 0.9999, warmup: EmaWarmup.StepRatio, minDecay: 0.3);
        Assert.Equal(0.3, floored.Decay(2), 12);
    }

    [Fact]
    public void Inverse_power_warmup_values()
    {
        // 1 - (1 + t / inv_gamma)^(-power); inv_gamma = 1, power = 1, t = 1: 1 - 1/2 = 0.5; t = 3: 1 - 1/4 = 0.75.
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.9999, warmup: EmaWarmup.InversePower, power: 1.0);
        Assert.Equal(0.0, ema.Decay(1));
        Assert.Equal(0.5, ema.Decay(2), 12);
        Assert.Equal(0.75, ema.Decay(4), 12);
    }

    [Fact]
    public void Warmup_updates_follow_the_decays()
    {
        // Update 1 copies (decay 0): s = p1 = 1. Update 2 has decay 2/11: s = 2/11 * 1 + 9/11 * 12 = 110/11 = 10.
        using var layer = Layer(5f);
        using var ema = new ExponentialMovingAverage(layer, warmup: EmaWarmup.StepRatio);
        SetAll(layer, 1f);
        ema.Step();
        Assert.All(Shadow(ema), v => Assert.Equal(1f, v, 6));
        SetAll(layer, 12f);
        ema.Step();
        Assert.All(Shadow(ema), v => Assert.Equal(10f, v, 5));
    }

    [Fact]
    public void Apply_swaps_in_the_average_and_restores_the_live_weights()
    {
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.5, warmup: EmaWarmup.None);
        SetAll(layer, 4f);
        ema.Step(); // s = 0.5 * 0 + 0.5 * 4 = 2
        using var x = ones(1, 2);
        using (ema.Apply())
        {
            // y = w . x + b = 2 + 2 + 2 = 6 with the averaged weights.
            Assert.Equal(6f, layer.forward(x).item<float>(), 5);
        }
        // Live weights back: 4 + 4 + 4 = 12.
        Assert.Equal(12f, layer.forward(x).item<float>(), 5);

        using var copy = Layer(-1f);
        ema.CopyTo(copy);
        Assert.Equal(6f, copy.forward(x).item<float>(), 5);
    }

    [Fact]
    public void Follows_the_module_when_its_parameters_are_replaced()
    {
        // Converting a module replaces its Parameter objects; the EMA looks them up by name and converts its shadow.
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.5, warmup: EmaWarmup.None);
        layer.to(ScalarType.Float64);
        SetAll(layer, 4f);
        ema.Step(); // s = 0.5 * 0 + 0.5 * 4 = 2
        Assert.All(ema.ShadowParameters.Values, t => Assert.Equal(ScalarType.Float64, t.dtype));
        Assert.All(ema.ShadowParameters.Values.SelectMany(t => t.data<double>().ToArray()), v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void State_round_trips_through_load()
    {
        using var layer = Layer(0f);
        using var ema = new ExponentialMovingAverage(layer, decay: 0.9, warmup: EmaWarmup.None);
        SetAll(layer, 1f);
        ema.Step();
        ema.Step();
        using var resumed = new ExponentialMovingAverage(layer, decay: 0.9, warmup: EmaWarmup.None);
        resumed.Load(ema.ShadowParameters, ema.StateMetadata(), "ema.safetensors");
        Assert.Equal(2, resumed.OptimizationStep);
        Assert.Equal(Shadow(ema), Shadow(resumed));

        var wrong = new Dictionary<string, Tensor> { ["weight"] = zeros(1, 2) };
        var e = Assert.Throws<Fmri.Core.DataFormatException>(() => resumed.Load(wrong, ema.StateMetadata(), "ema.safetensors"));
        Assert.Contains("1 missing (in the model, not in the file): bias", e.Message);
    }
}
