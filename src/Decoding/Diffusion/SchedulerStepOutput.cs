using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// The result of one reverse step (diffusers' <c>SchedulerOutput</c>): <paramref name="PrevSample"/> is x_{t−1}
/// (the next denoising input), <paramref name="PredOriginalSample"/> the predicted clean sample x̂_0 the step used.
/// Both are new tensors owned by the caller's dispose scope.
/// </summary>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor PredOriginalSample);
