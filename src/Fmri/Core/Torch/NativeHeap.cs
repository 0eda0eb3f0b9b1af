using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Fmri.Core.Torch;

/// <summary>What <see cref="NativeHeap.KeepFreedMemory()"/> did in this process (recorded in run.json).</summary>
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
/// process instead: blocks below 32 MiB (the ceiling of glibc's own moving threshold on 64-bit systems) come from the
/// heap, the heap is not trimmed, and it grows in steps of 256 MiB of address space (pages are only resident once
/// touched). Freed memory is kept rather than returned between steps; each thread's malloc arena keeps its own, so a
/// process whose threads allocate in turn can hold more than one loop's peak.
/// <para>Applied once per process, before the first model, on glibc only (other C libraries have no <c>mallopt</c>
/// and are left alone), and never over a user's own malloc tuning in the environment (<c>MALLOC_*</c>, or a
/// <c>glibc.malloc.*</c> entry of <c>GLIBC_TUNABLES</c>), which glibc has already read. <c>DECODING_NATIVE_HEAP=default</c> leaves glibc's defaults.</para>
/// </summary>
public static class NativeHeap
{
    /// <summary>The environment variable that turns this off (<c>default</c>).</summary>
    public const string EnvironmentVariable = "DECODING_NATIVE_HEAP";

    /// <summary>glibc's mallopt parameters (malloc.h).</summary>
    private const int TrimThresholdParameter = -1, TopPadParameter = -2, MmapThresholdParameter = -3;

    /// <summary>The ceiling of glibc's moving mapping threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>Heap growth beyond each request.</summary>
    public const int TopPad = 256 * 1024 * 1024;

    /// <summary>The glibc variables that mean the user tuned the allocator already (and <c>GLIBC_TUNABLES</c> when it
    /// holds a <c>glibc.malloc.*</c> entry; containers often set it for other tunables).</summary>
    public static readonly string[] UserTuning =
        ["MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX", "MALLOC_ARENA_TEST"];

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
        if (environment("GLIBC_TUNABLES") is { } tunables && tunables.Contains("glibc.malloc.", StringComparison.Ordinal))
            return new(false, "left to the environment's GLIBC_TUNABLES (glibc.malloc.*)");
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return new(false, "not glibc: the C library's defaults");
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var address))
            return new(false, "libc.so.6 has no mallopt: the C library's defaults");
        var mallopt = Marshal.GetDelegateForFunctionPointer<Mallopt>(address);
        var refused = new List<string>();
        if (mallopt(MmapThresholdParameter, MmapThreshold) != 1) refused.Add("the 32 MiB mapping threshold");
        if (mallopt(TrimThresholdParameter, int.MaxValue) != 1) refused.Add("no trimming");
        if (mallopt(TopPadParameter, TopPad) != 1) refused.Add("the 256 MiB top pad");
        return refused.Count == 0
            ? new(true, "glibc keeps freed memory: blocks below 32 MiB from the heap, no trimming, 256 MiB top pad")
            : new(refused.Count < 3, $"mallopt refused {string.Join(" and ", refused)}; the other settings apply");
    }
}
