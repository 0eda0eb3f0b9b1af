using System.Runtime.InteropServices;
using Fmri.Core.Torch;

namespace Fmri.Tests.Core.Torch;

public class NativeHeapTests
{
    /// <summary>glibc's mallinfo2 (malloc.h): hblks is the number of blocks currently mapped from the kernel.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallocInfo();

    [Fact]
    public void After_it_applies_a_4_MiB_block_comes_from_the_heap_instead_of_its_own_mapping()
    {
        var setting = NativeHeap.Apply(_ => null);
        Assert.True(setting.Applied, setting.Description);
        // glibc maps a block of at least the mapping threshold (128 KiB by default) on its own; with the threshold at
        // 32 MiB a 4 MiB block is carved from the heap, so the count of mapped blocks does not move.
        nuint before = MallocInfo().Hblks;
        var block = Marshal.AllocHGlobal(4 * 1024 * 1024);
        try
        {
            Assert.Equal(before, MallocInfo().Hblks);
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
        // A block above the threshold is still mapped (and unmapped on free).
        var large = Marshal.AllocHGlobal(NativeHeap.MmapThreshold + 4096);
        try
        {
            Assert.Equal(before + 1, MallocInfo().Hblks);
        }
        finally
        {
            Marshal.FreeHGlobal(large);
        }
    }

    [Theory]
    [InlineData("DECODING_NATIVE_HEAP", "default", "DECODING_NATIVE_HEAP=default")]
    [InlineData("MALLOC_TOP_PAD_", "1048576", "MALLOC_TOP_PAD_")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1", "GLIBC_TUNABLES")]
    public void A_users_own_setting_or_the_opt_out_leaves_the_allocator_alone(string name, string value, string named)
    {
        var setting = NativeHeap.Apply(v => v == name ? value : null);
        Assert.False(setting.Applied);
        Assert.Contains(named, setting.Description);
    }
}
