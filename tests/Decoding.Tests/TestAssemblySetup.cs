using System.Runtime.CompilerServices;

namespace Decoding.Tests;

/// <summary>
/// Runs once when the test assembly loads. Test models are tiny, and xunit already runs test classes in
/// parallel on the 2 cores, so one libtorch thread per operation is fastest (measured: a tiny MBM training step
/// took 14 ms of CPU on 1 thread versus 210-345 ms on 2 under load) and keeps results independent of core count.
/// </summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void Initialize() => TorchSharp.torch.set_num_threads(1);
}
