using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Core.Torch;

/// <summary>
/// The one device setting: every model and every tensor a model computes with is placed on <see cref="Current"/>
/// (<c>--device cpu|cuda</c> on the commands that run models; default cpu). <see cref="Host"/> is main memory, where
/// the project's generators draw random numbers (libtorch's CPU generators, so a seed gives the same draws on every
/// device) and where results are read back. This is the only file that names a device; an architecture test holds
/// every other file of the library to these two properties.
/// </summary>
public static class TorchDevice
{
    /// <summary>The device names <see cref="Use"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "cuda"];

    /// <summary>Where models and their tensors live (default: the CPU).</summary>
    public static Device Current { get; private set; } = CPU;

    /// <summary>Main memory: where generators draw and results are read back.</summary>
    public static Device Host => CPU;

    /// <summary>Whether <paramref name="device"/> is main memory (nothing needs moving to read it).</summary>
    public static bool IsHost(Device device) => device.type == DeviceType.CPU;

    /// <summary>libtorch's process-wide switch for flash attention in <c>scaled_dot_product_attention</c>; its CPU
    /// dispatch reads the same flag as the GPU's (<see cref="AttentionKernel"/> sets it).</summary>
    public static bool FlashAttention
    {
        get => backends.cuda.flash_sdp_enabled();
        set => backends.cuda.enable_flash_sdp(value);
    }

    /// <summary>"cpu" or "cuda" (with its index when not 0).</summary>
    public static string Name(Device device) => device.type switch
    {
        DeviceType.CPU => "cpu",
        DeviceType.CUDA => device.index > 0 ? $"cuda:{device.index}" : "cuda",
        _ => device.type.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Sets <see cref="Current"/> from a name (null: cpu). cuda needs a CUDA build of the project
    /// (<c>dotnet build -p:TorchBackend=cuda</c>) and a GPU; without them it is an <see cref="InvalidSettingException"/>.
    /// </summary>
    public static Device Use(string? name)
    {
        string chosen = (name ?? "cpu").Trim().ToLowerInvariant();
        switch (chosen)
        {
            case "cpu":
                Current = CPU;
                break;
            case "cuda":
                if (!cuda.is_available())
                    throw new InvalidSettingException("device", name, "CUDA is not available here (a GPU and a CUDA build, dotnet build -p:TorchBackend=cuda, are needed); use cpu");
                Current = CUDA;
                break;
            default:
                throw new InvalidSettingException("device", name, "must be cpu or cuda");
        }
        return Current;
    }

    /// <summary>Moves <paramref name="module"/>'s parameters and buffers to <see cref="Current"/> (nothing to do on the host) and returns it.</summary>
    public static T Place<T>(T module) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!IsHost(Current)) module.to(Current);
        return module;
    }

    /// <summary>The values of <paramref name="tensor"/> as an array in main memory (copied from the device when it is elsewhere).</summary>
    public static T[] HostArray<T>(Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var host = tensor.to(Host);
        using var contiguous = host.contiguous();
        return contiguous.data<T>().ToArray();
    }

    /// <summary>Moves <paramref name="tensor"/> to <see cref="Current"/> (the same tensor when it is there already).</summary>
    public static Tensor ToCurrent(Tensor tensor) => tensor.to(Current);
}
