using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Fmri.Core.IO;

/// <summary>
/// Large arrays that a file read is about to fill. A fresh 21.6 MB array (a GOD-sized voxel matrix) is mapped by the
/// kernel one 4 KiB page at a time as the read writes into it, thousands of page faults that cost more than the read
/// itself on a virtual machine. On Linux the array's memory is marked for transparent huge pages
/// (<c>madvise(MADV_HUGEPAGE)</c>, which applies when /sys/kernel/mm/transparent_hugepage/enabled is <c>madvise</c>
/// or <c>always</c>), so it is mapped in 2 MiB pages instead, as numpy does for its large arrays. The advice changes
/// only how the memory is mapped, never its contents; when it is refused the array is used as it is. It stays on the
/// address range after the array is collected, so memory the GC later puts there may also be mapped in huge pages
/// (and the kernel's khugepaged may merge a sparsely used 2 MiB range into one), a little more resident memory at most.
/// </summary>
public static class LargeArrays
{
    private const long HugePage = 2L << 20;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE, linux/mman.h

    /// <summary>An array of <paramref name="length"/> values, not zeroed: the caller writes every value.</summary>
    public static T[] ForFill<T>(int length) where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        long bytes = (long)length * Unsafe.SizeOf<T>();
        if (bytes >= 2 * HugePage && OperatingSystem.IsLinux()) AdviseHugePages(array, bytes);
        return array;
    }

    /// <summary>Marks the whole 2 MiB pages inside the array's memory for huge pages; failures are ignored.</summary>
    private static void AdviseHugePages<T>(T[] array, long bytes) where T : unmanaged
    {
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long start = pin.AddrOfPinnedObject();
            long first = (start + HugePage - 1) & ~(HugePage - 1);
            long end = (start + bytes) & ~(HugePage - 1);
            if (end > first) _ = Madvise((nint)first, (nuint)(end - first), MadviseHugePage);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
        finally
        {
            pin.Free();
        }
    }

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
}
