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
    internal static void Initialize()
    {
        Fmri.Torch.TorchSetup.Apply(threads: 1);
        // Test classes run in parallel in one process, and oneDNN's switch is process-wide: if one class's
        // TorchBackends.Backward switched it off while another class ran a forward pass, that pass would take the
        // other convolution kernel and "same seed, same output" tests would differ in the last bits. So tests run
        // with oneDNN off throughout (TorchBackendsTests switches it on alone, in a non-parallel collection).
        Fmri.Torch.TorchBackends.MkldnnEnabled = false;
    }
}
