using System.Text.Json.Serialization;

namespace Decoding.Diffusion;

/// <summary>What the denoising network predicts from (x_t, t) (diffusers' <c>prediction_type</c>).</summary>
[JsonConverter(typeof(DiffusersNameConverter<PredictionType>))]
public enum PredictionType
{
    /// <summary>The noise ε that was added (Ho et al. 2020, eq. 14).</summary>
    [JsonStringEnumMemberName("epsilon")] Epsilon,

    /// <summary>The clean sample x_0 itself.</summary>
    [JsonStringEnumMemberName("sample")] Sample,

    /// <summary>The velocity v = √ᾱ_t ε − √(1−ᾱ_t) x_0 (Salimans &amp; Ho 2022, Sec. 4).</summary>
    [JsonStringEnumMemberName("v_prediction")] VPrediction,
}
