using System.Text.Json;
using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>
/// The configuration of a noise scheduler, with diffusers' JSON field names so a diffusers
/// <c>scheduler_config.json</c> loads as is (unknown fields such as <c>_class_name</c> are ignored). Every default is
/// Stable Diffusion 1.x's (its <c>scheduler/scheduler_config.json</c>); note that diffusers' own class defaults differ
/// (e.g. DDIMScheduler defaults to linear 1e-4..0.02 with clip_sample = true), so write every field you rely on.
/// The record is plain data: it is validated when a scheduler is built from it (<see cref="Validate"/>).
/// </summary>
public sealed record SchedulerConfig
{
    /// <summary>T, the number of diffusion steps the denoiser was trained with.</summary>
    [JsonPropertyName("num_train_timesteps")] public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary>β_1 of the linear and scaled_linear schedules.</summary>
    [JsonPropertyName("beta_start")] public double BetaStart { get; init; } = 0.00085;

    /// <summary>β_T of the linear and scaled_linear schedules.</summary>
    [JsonPropertyName("beta_end")] public double BetaEnd { get; init; } = 0.012;

    /// <summary>How β is laid out over the T steps.</summary>
    [JsonPropertyName("beta_schedule")] public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.ScaledLinear;

    /// <summary>Explicit β_1..β_T; when set, beta_start, beta_end and beta_schedule are not used.</summary>
    [JsonPropertyName("trained_betas")] public double[]? TrainedBetas { get; init; }

    /// <summary>What the denoiser outputs: ε, x_0 or v.</summary>
    [JsonPropertyName("prediction_type")] public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;

    /// <summary>DDPM/DDIM: clamp the predicted x_0 to [−clip_sample_range, clip_sample_range] (pixel-space models).</summary>
    [JsonPropertyName("clip_sample")] public bool ClipSample { get; init; } = false;

    /// <summary>Half-width of the clamp used when clip_sample is on.</summary>
    [JsonPropertyName("clip_sample_range")] public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>DDIM/PLMS: ᾱ "before" the last step is 1 (true) or ᾱ at timestep 0 (false, Stable Diffusion).</summary>
    [JsonPropertyName("set_alpha_to_one")] public bool SetAlphaToOne { get; init; } = false;

    /// <summary>Added to every inference timestep of the leading spacing (1 in Stable Diffusion: 981, ..., 1).</summary>
    [JsonPropertyName("steps_offset")] public int StepsOffset { get; init; } = 1;

    /// <summary>How the inference timesteps are picked from 0..T−1.</summary>
    [JsonPropertyName("timestep_spacing")] public TimestepSpacing TimestepSpacing { get; init; } = TimestepSpacing.Leading;

    /// <summary>DDPM: the reverse-step variance σ_t².</summary>
    [JsonPropertyName("variance_type")] public VarianceType VarianceType { get; init; } = VarianceType.FixedSmall;

    /// <summary>PNDM: skip the Runge–Kutta warm-up and run PLMS from the start (true in Stable Diffusion).</summary>
    [JsonPropertyName("skip_prk_steps")] public bool SkipPrkSteps { get; init; } = true;

    /// <summary>Dynamic thresholding of x_0 (Imagen). Not implemented here: must be false.</summary>
    [JsonPropertyName("thresholding")] public bool Thresholding { get; init; } = false;

    /// <summary>Rescale β to zero terminal SNR (Lin et al. 2024). Not implemented here: must be false.</summary>
    [JsonPropertyName("rescale_betas_zero_snr")] public bool RescaleBetasZeroSnr { get; init; } = false;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Reads a diffusers scheduler config. Malformed JSON or a bad option name is an <see cref="ArgumentException"/>.</summary>
    public static SchedulerConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<SchedulerConfig>(json, JsonOptions)
                   ?? throw new ArgumentException("SchedulerConfig.FromJson: the JSON is 'null', expected an object.", nameof(json));
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) ? "" : $" at {e.Path}";
            throw new ArgumentException($"SchedulerConfig.FromJson: bad scheduler config{field}: {FirstLine(e.Message)}", nameof(json), e);
        }
    }

    /// <summary>The config as diffusers-style JSON (indented).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// Checks every field that does not depend on the scheduler kind; throws an <see cref="ArgumentException"/> whose
    /// one-line message names <paramref name="scheduler"/>, the JSON field and the bad value.
    /// </summary>
    public void Validate(string scheduler)
    {
        if (NumTrainTimesteps < 1)
            throw Bad(scheduler, "num_train_timesteps", NumTrainTimesteps, "must be at least 1");
        CheckDefined(scheduler, "beta_schedule", BetaSchedule);
        CheckDefined(scheduler, "prediction_type", PredictionType);
        CheckDefined(scheduler, "timestep_spacing", TimestepSpacing);
        CheckDefined(scheduler, "variance_type", VarianceType);
        if (TrainedBetas is { } betas)
        {
            if (betas.Length != NumTrainTimesteps)
                throw Bad(scheduler, "trained_betas", $"{betas.Length} values", $"must hold num_train_timesteps = {NumTrainTimesteps} values");
            for (var i = 0; i < betas.Length; i++)
                if (!(betas[i] > 0 && betas[i] < 1))
                    throw Bad(scheduler, $"trained_betas[{i}]", betas[i], "must lie in (0, 1)");
        }
        else if (BetaSchedule != BetaSchedule.SquaredCosCapV2)
        {
            if (!(BetaStart > 0 && BetaStart < 1))
                throw Bad(scheduler, "beta_start", BetaStart, "must lie in (0, 1)");
            if (!(BetaEnd > 0 && BetaEnd < 1))
                throw Bad(scheduler, "beta_end", BetaEnd, "must lie in (0, 1)");
            if (BetaEnd < BetaStart)
                throw Bad(scheduler, "beta_end", BetaEnd, $"must not be below beta_start = {BetaStart}");
        }
        if (!(ClipSampleRange > 0) || double.IsInfinity(ClipSampleRange))
            throw Bad(scheduler, "clip_sample_range", ClipSampleRange, "must be a positive finite number");
        if (StepsOffset < 0 || StepsOffset >= NumTrainTimesteps)
            throw Bad(scheduler, "steps_offset", StepsOffset, $"must lie in [0, num_train_timesteps = {NumTrainTimesteps})");
        if (Thresholding)
            throw Bad(scheduler, "thresholding", true, "dynamic thresholding is not implemented; set it to false");
        if (RescaleBetasZeroSnr)
            throw Bad(scheduler, "rescale_betas_zero_snr", true, "zero-terminal-SNR rescaling is not implemented; set it to false");
    }

    /// <summary>An <see cref="ArgumentException"/> for a bad config field, one line: "DdimScheduler config: steps_offset = -1: ...".</summary>
    internal static ArgumentException Bad(string scheduler, string field, object value, string problem) =>
        new($"{scheduler} config: {field} = {Format(value)}: {problem}.", "config");

    private static void CheckDefined<TEnum>(string scheduler, string field, TEnum value) where TEnum : struct, Enum
    {
        if (!DiffusersNameConverter<TEnum>.IsDefined(value))
            throw Bad(scheduler, field, DiffusersNameConverter<TEnum>.NameOf(value), $"must be one of {DiffusersNameConverter<TEnum>.AllowedNames}");
    }

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd('\r');
}
