namespace Fmri.Core.Torch;

/// <summary>
/// Which kernel libtorch's <c>scaled_dot_product_attention</c> runs on the CPU. Its flash-attention kernel calls MKL's
/// matrix product for every block inside its own OpenMP loop; with more than one thread each of those products opens
/// a nested OpenMP region, and every region's barrier ends in a futex system call, so on a virtual machine whose
/// system calls are slow the second thread costs more than it gives (README, "Performance"). With one thread there
/// are no regions and flash attention is the faster kernel. So: flash attention on one thread and on a GPU; with
/// several CPU threads the math kernel (batched products and a softmax, as the benchmark's PyTorch twin computes).
/// The two kernels agree up to float rounding, as results at different thread counts already do.
/// </summary>
public static class AttentionKernel
{
    public const string Flash = "flash";
    public const string Math = "math";

    /// <summary>The kernel for <paramref name="threads"/> on the host's CPU (<paramref name="host"/>) or a GPU.</summary>
    public static string For(int threads, bool host) => !host || threads == 1 ? Flash : Math;

    /// <summary>Switches libtorch (process-wide) to the kernel for this thread count and device; returns its name.</summary>
    public static string Apply(int threads, TorchSharp.torch.Device device)
    {
        string kernel = For(threads, TorchDevice.IsHost(device));
        TorchDevice.FlashAttention = kernel == Flash;
        return kernel;
    }
}
