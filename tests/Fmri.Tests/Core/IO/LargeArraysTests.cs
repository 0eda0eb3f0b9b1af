using System.Globalization;
using System.Runtime.InteropServices;
using Fmri.Core.IO;

namespace Fmri.Tests.Core.IO;

/// <summary>
/// <see cref="LargeArrays.ForFill{T}"/> marks a large array's memory for transparent huge pages: the kernel's own
/// account of the mapping (<c>/proc/self/smaps</c>, flag <c>hg</c> = MADV_HUGEPAGE) is the reference. (Whether a small
/// array's memory carries the flag depends on what the GC put there before, so only the large array is checked.)
/// </summary>
public class LargeArraysTests
{
    [SkippableFact]
    public void A_large_array_is_advised_for_huge_pages()
    {
        // The advice is Linux-only, and a kernel built without transparent huge pages has nothing to advise.
        Skip.If(!OperatingSystem.IsLinux() || !File.Exists("/proc/self/smaps") || !Directory.Exists("/sys/kernel/mm/transparent_hugepage"),
            "no transparent huge pages on this kernel (or not Linux): nothing to advise");

        var large = LargeArrays.ForFill<float>(3_000_000); // 12 MB: several whole 2 MiB pages inside
        Assert.Equal(3_000_000, large.Length);
        Assert.Contains("hg", FlagsOfMappingAt(large, offsetBytes: 6_000_000));
        Assert.Equal(1000, LargeArrays.ForFill<float>(1000).Length);
        GC.KeepAlive(large);
    }

    /// <summary>The VmFlags of the mapping that holds byte <paramref name="offsetBytes"/> of the array.</summary>
    private static string[] FlagsOfMappingAt(float[] array, long offsetBytes)
    {
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            ulong address = (ulong)(pin.AddrOfPinnedObject() + (nint)offsetBytes);
            bool inside = false;
            foreach (string line in File.ReadLines("/proc/self/smaps"))
            {
                int dash = line.IndexOf('-');
                int space = line.IndexOf(' ');
                if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                    && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end))
                {
                    inside = address >= start && address < end;
                }
                else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                {
                    return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
            }
            throw new InvalidOperationException($"no mapping holds address 0x{address:x}");
        }
        finally
        {
            pin.Free();
        }
    }
}
