using Decoding.Diffusion;

namespace Decoding.Tests.Diffusion;

public class SchedulerConfigTests
{
    // The fields of Stable Diffusion v1's scheduler/scheduler_config.json (a PNDMScheduler config).
    private const string StableDiffusionJson = """
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.7.0.dev0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false
        }
        """;

    [Fact]
    public void Defaults_are_Stable_Diffusion_1()
    {
        var config = new SchedulerConfig();
        Assert.Equal(1000, config.NumTrainTimesteps);
        Assert.Equal(BetaSchedule.ScaledLinear, config.BetaSchedule);
        Assert.Equal(0.00085, config.BetaStart);
        Assert.Equal(0.012, config.BetaEnd);
        Assert.Equal(PredictionType.Epsilon, config.PredictionType);
        Assert.False(config.ClipSample);
        Assert.False(config.SetAlphaToOne);
        Assert.Equal(1, config.StepsOffset);
        Assert.True(config.SkipPrkSteps);
        Assert.Equal(TimestepSpacing.Leading, config.TimestepSpacing);
        Assert.Equal(config, SchedulerConfig.FromJson(StableDiffusionJson));
    }

    [Fact]
    public void Json_uses_diffusers_field_and_option_names_and_round_trips()
    {
        var config = new SchedulerConfig
        {
            BetaSchedule = BetaSchedule.SquaredCosCapV2,
            PredictionType = PredictionType.VPrediction,
            TimestepSpacing = TimestepSpacing.Trailing,
            VarianceType = VarianceType.FixedSmallLog,
            ClipSample = true,
            ClipSampleRange = 2.5,
        };
        var json = config.ToJson();
        Assert.Contains("\"beta_schedule\": \"squaredcos_cap_v2\"", json);
        Assert.Contains("\"prediction_type\": \"v_prediction\"", json);
        Assert.Contains("\"timestep_spacing\": \"trailing\"", json);
        Assert.Contains("\"variance_type\": \"fixed_small_log\"", json);
        Assert.Contains("\"num_train_timesteps\": 1000", json);
        Assert.Equal(config, SchedulerConfig.FromJson(json));
    }

    [Fact]
    public void Trained_betas_are_read_from_json()
    {
        var config = SchedulerConfig.FromJson("""{ "num_train_timesteps": 2, "trained_betas": [0.25, 0.5] }""");
        Assert.Equal(new[] { 0.25, 0.5 }, config.TrainedBetas);
        // ᾱ_1 = 0.75 · 0.5 = 0.375 (hand).
        Assert.Equal(0.375, new DdimScheduler(config with { StepsOffset = 0 }).Schedule.AlphasCumprod[1]);
    }

    [Fact]
    public void Unknown_option_names_are_rejected_naming_the_value_and_the_field()
    {
        var error = Assert.Throws<ArgumentException>(() => SchedulerConfig.FromJson("""{ "beta_schedule": "quadratic" }"""));
        Assert.Contains("'quadratic' is not one of linear, scaled_linear, squaredcos_cap_v2", error.Message);
        Assert.Contains("beta_schedule", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        var learned = Assert.Throws<ArgumentException>(() => SchedulerConfig.FromJson("""{ "variance_type": "learned_range" }"""));
        Assert.Contains("'learned_range'", learned.Message);
        Assert.Throws<ArgumentException>(() => SchedulerConfig.FromJson("""{ "prediction_type": 1 }"""));
        Assert.Throws<ArgumentException>(() => SchedulerConfig.FromJson("not json"));
        Assert.Throws<ArgumentException>(() => SchedulerConfig.FromJson("null"));
    }

    [Theory]
    [InlineData("num_train_timesteps = 0")]
    [InlineData("beta_start = -0.1")]
    [InlineData("beta_end = 1.5")]
    [InlineData("beta_end = 0.0001")]
    [InlineData("steps_offset = -1")]
    [InlineData("clip_sample_range = 0")]
    [InlineData("thresholding = true")]
    [InlineData("rescale_betas_zero_snr = true")]
    [InlineData("trained_betas = 3 values")]
    [InlineData("trained_betas[1] = 0")]
    [InlineData("beta_schedule = 7")]
    public void Validation_names_the_scheduler_the_field_and_the_bad_value(string expected)
    {
        var config = expected switch
        {
            "num_train_timesteps = 0" => new SchedulerConfig { NumTrainTimesteps = 0 },
            "beta_start = -0.1" => new SchedulerConfig { BetaStart = -0.1 },
            "beta_end = 1.5" => new SchedulerConfig { BetaEnd = 1.5 },
            "beta_end = 0.0001" => new SchedulerConfig { BetaEnd = 0.0001 },
            "steps_offset = -1" => new SchedulerConfig { StepsOffset = -1 },
            "clip_sample_range = 0" => new SchedulerConfig { ClipSampleRange = 0 },
            "thresholding = true" => new SchedulerConfig { Thresholding = true },
            "rescale_betas_zero_snr = true" => new SchedulerConfig { RescaleBetasZeroSnr = true },
            "trained_betas = 3 values" => new SchedulerConfig { NumTrainTimesteps = 2, StepsOffset = 0, TrainedBetas = new[] { 0.1, 0.2, 0.3 } },
            "trained_betas[1] = 0" => new SchedulerConfig { NumTrainTimesteps = 2, StepsOffset = 0, TrainedBetas = new[] { 0.1, 0.0 } },
            _ => new SchedulerConfig { BetaSchedule = (BetaSchedule)7 },
        };
        var error = Assert.Throws<ArgumentException>(() => new DdimScheduler(config));
        Assert.StartsWith("DdimScheduler config: " + expected, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }
}
