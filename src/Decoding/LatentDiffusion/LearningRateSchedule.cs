using System.Text.Json.Serialization;

namespace Decoding.LatentDiffusion;

/// <summary>The shape of the learning rate after warm-up (diffusers' <c>--lr_scheduler</c> names).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    /// <summary>Linear warm-up, then the peak rate (diffusers "constant_with_warmup").</summary>
    [JsonStringEnumMemberName("constant_with_warmup")] ConstantWithWarmup,

    /// <summary>Linear warm-up, then a half cosine down to zero at the last step (diffusers "cosine").</summary>
    [JsonStringEnumMemberName("cosine")] Cosine,
}
