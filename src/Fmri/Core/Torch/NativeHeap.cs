using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Fmri.Core.Torch;

/// <summary>What <see cref="NativeHeap.KeepFreedMemory"/> did in this process (recorded in run.json).</summary>
/// <param name="Applied">Whether the allocator settings were changed.</param>
/// <param name="Description">The settings, or why they were left alone.</param>
public sealed record NativeHeapSetting(
    [property: JsonPropertyName("applied")] bool Applied,
    [property: JsonPropertyName("description")] string Description);

/// <summary>
/// libtorch allocates every CPU tensor with the C library's malloc. With glibc's defaults, blocks above a moving
/// threshold are mapped from the kernel and unmapped on free, and free memory at the top of the heap is handed back
/// once it exceeds 128 KiB; a sampling or training loop that frees and re-allocates the same activations every step
/// then pays a page fault and a zeroed page for every 4 KiB of them, every step. This keeps freed memory in the
/// process instead: blocks below 32 MiB (glibc's largest mapping threshold on 64-bit systems) come from the heap, the
/// heap is not trimmed, and it grows in steps of 256 MiB of address space (pages are only resident once touched).
/// The peak resident memory is the loop's own peak; what changes is that it is not returned between steps.
/// <para>Applied once per process, before the first model, on glibc only (other C libraries have no <c>mallopt</c>
/// and are left alone), and never over a user's own <c>MALLOC_*</c> tuning in the environment, which glibc has
/// already read. <c>DECODING_NATIVE_HEAP=default</c> leaves glibc's defaults.</para>
/// </summary>
public static class NativeHeap
{
    /// <summary>The environment variable that turns this off (<c>default</c>).</summary>
    public const string EnvironmentVariable = "DECODING_NATIVE_HEAP";

    /// <summary>glibc's mallopt parameters (malloc.h).</summary>
    private const int TrimThresholdParameter = -1, TopPadParameter = -2, MmapThresholdParameter = -3;

    /// <summary>The largest mapping threshold glibc accepts on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>Heap growth beyond each request.</summary>
    public const int TopPad = 256 * 1024 * 1024;

    /// <summary>The glibc variables that mean the user tuned the allocator already.</summary>
    public static readonly string[] UserTuning =
        ["MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES"];

    private static readonly Lock Gate = new();

    /// <summary>What was done in this process; null before the first call.</summary>
    public static NativeHeapSetting? Current { get; private set; }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Mallopt(int parameter, int value);

    /// <summary>Applies the settings once (later calls return the first result).</summary>
    public static NativeHeapSetting KeepFreedMemory() => KeepFreedMemory(Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="KeepFreedMemory()"/>, reading the environment through <paramref name="environment"/>.</summary>
    public static NativeHeapSetting KeepFreedMemory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        lock (Gate)
        {
            return Current ??= Apply(environment);
        }
    }

    /// <summary>Decides from <paramref name="environment"/> and applies the settings, every call (the process-wide
    /// entry point is <see cref="KeepFreedMemory()"/>, which does it once).</summary>
    public static NativeHeapSetting Apply(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (string.Equals(environment(EnvironmentVariable), "default", StringComparison.OrdinalIgnoreCase))
            return new(false, $"glibc's defaults ({EnvironmentVariable}=default)");
        if (UserTuning.FirstOrDefault(name => !string.IsNullOrEmpty(environment(name))) is { } tuned)
            return new(false, $"left to the environment's {tuned}");
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return new(false, "not glibc: the C library's defaults");
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var address))
            return new(false, "libc.so.6 has no mallopt: the C library's defaults");
        var mallopt = Marshal.GetDelegateForFunctionPointer<Mallopt>(address);
        bool ok = mallopt(MmapThresholdParameter, MmapThreshold) == 1
            & mallopt(TrimThresholdParameter, int.MaxValue) == 1
            & mallopt(TopPadParameter, TopPad) == 1;
        return ok
            ? new(true, "glibc keeps freed memory: blocks below 32 MiB from the heap, no trimming, 256 MiB top pad")
            : new(false, "glibc refused one of the mallopt settings (the others may apply)");
    }
}
