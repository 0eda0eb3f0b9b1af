using System.Runtime.InteropServices;
using Fmri.Core.Torch;

namespace Fmri.Tests.Core.Torch;

public class NativeHeapTests
{
    /// <summary>glibc marks a block it mapped on its own with the IS_MMAPPED bit (2) of the size word before it
    /// (malloc.c's chunk layout); per block, so other threads' allocations cannot disturb the check.</summary>
    private static bool MappedOnItsOwn(IntPtr block) => (Marshal.ReadInt64(block - IntPtr.Size) & 2) != 0;

    [Fact]
    public void After_it_applies_a_4_MiB_block_comes_from_the_heap_instead_of_its_own_mapping()
    {
        var setting = NativeHeap.Apply(_ => null);
        Assert.True(setting.Applied, setting.Description);
        // glibc maps a block of at least the mapping threshold (128 KiB by default) on its own; with the threshold at
        // 32 MiB a 4 MiB block is carved from the heap.
        // A block above the threshold is mapped on its own only when the heap has no free chunk that large: with trimming
        // off and a 256 MiB top pad, one of 32 MiB may come from memory other tests freed. 1 GiB (address space, never
        // touched) is larger than anything this process's heap holds, so it shows that the check can tell.
        var block = Marshal.AllocHGlobal(4 * 1024 * 1024);
        var large = Marshal.AllocHGlobal(1 << 30);
        try
        {
            Assert.False(MappedOnItsOwn(block));
            Assert.True(MappedOnItsOwn(large));
        }
        finally
        {
            Marshal.FreeHGlobal(block);
            Marshal.FreeHGlobal(large);
        }
    }

    [Theory]
    [InlineData("DECODING_NATIVE_HEAP", "default", "DECODING_NATIVE_HEAP=default")]
    [InlineData("MALLOC_TOP_PAD_", "1048576", "MALLOC_TOP_PAD_")]
    [InlineData("GLIBC_TUNABLES", "glibc.pthread.rseq=0:glibc.malloc.trim_threshold=1", "GLIBC_TUNABLES")]
    [InlineData("MALLOC_ARENA_MAX", "2", "MALLOC_ARENA_MAX")]
    public void A_users_own_setting_or_the_opt_out_leaves_the_allocator_alone(string name, string value, string named)
    {
        var setting = NativeHeap.Apply(v => v == name ? value : null);
        Assert.False(setting.Applied);
        Assert.Contains(named, setting.Description);
    }

    [Fact]
    public void Tunables_for_other_parts_of_glibc_do_not_count_as_malloc_tuning()
    {
        var setting = NativeHeap.Apply(v => v == "GLIBC_TUNABLES" ? "glibc.pthread.rseq=0" : null);
        Assert.True(setting.Applied, setting.Description);
    }
}
