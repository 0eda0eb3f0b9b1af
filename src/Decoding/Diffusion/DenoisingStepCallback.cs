using static TorchSharp.torch;

namespace Decoding.Diffusion;

/// <summary>
/// Called by <see cref="DenoisingLoop"/> after each scheduler step with the step's index (the begin step plus the
/// steps taken before it in this run; the index in the timestep list for DDPM and DDIM), the timestep t just denoised
/// and the new latents x_{t−1}. The latents belong to the loop and are released after the
/// next step: clone them to keep them.
/// </summary>
public delegate void DenoisingStepCallback(int stepIndex, long timestep, Tensor latents);
