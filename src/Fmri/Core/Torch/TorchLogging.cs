using System.Runtime.InteropServices;

namespace Fmri.Core.Torch;

/// <summary>
/// libtorch's own C++ log level. On one intra-op thread, libtorch 2.10 tries NNPACK for every batch-16 convolution,
/// and on CPUs NNPACK does not support it prints "Could not initialize NNPACK! Reason: Unsupported hardware." each
/// time (thousands of lines per training run). libtorch reads <c>TORCH_CPP_LOG_LEVEL</c> only when
/// <c>c10::initLogging()</c> is called, which Python's torch does and TorchSharp does not; this sets the level the
/// same way: the user's <c>TORCH_CPP_LOG_LEVEL</c> when given, else ERROR (warnings hidden, errors still shown).
/// </summary>
public static class TorchLogging
{
    /// <summary>c10's numeric levels: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL.</summary>
    public const int Error = 2;

    private static int applied;

    /// <summary>Applies the level once per process; does nothing if libc10 or its flag cannot be found.</summary>
    public static void HideWarningsUnlessAsked()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        _ = TorchSharp.torch.get_num_threads(); // loads libtorch (and libc10) if not yet loaded
        if (!NativeLibrary.TryLoad("libc10.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory, out var c10)
            && !NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, "libc10.so"), out c10))
            return;
        int level = Error;
        string? asked = Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL");
        if (asked is not null)
        {
            level = asked.Trim().ToUpperInvariant() switch
            {
                "INFO" or "0" => 0,
                "WARNING" or "1" => 1,
                "ERROR" or "2" => 2,
                "FATAL" or "3" => 3,
                _ => Error,
            };
        }
        if (NativeLibrary.TryGetExport(c10, "FLAGS_caffe2_log_level", out var flag))
            Marshal.WriteInt32(flag, level);
    }
}
