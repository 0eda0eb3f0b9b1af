using System.Runtime.CompilerServices;

// Test classes run one at a time. TorchSharp 0.107's optimizers pass implicitly converted Scalars to native calls
// without keeping them alive; when another thread allocates meanwhile, a garbage collection can finalize such a
// Scalar while libtorch still reads it ("Unknown scalar type" / "toFloat" errors inside Adam.step, seen in 2 of 4 full
// parallel runs this session, never in the single-threaded command-line program). Sequential classes remove the
// other allocating threads.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Decoding.Tests;

/// <summary>
/// Runs once when the test assembly loads. Test models are tiny, so one libtorch thread per operation is fastest (a second thread
/// only adds synchronisation at these sizes, much more so under load) and keeps results independent of core count.
/// </summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        Fmri.Core.Torch.TorchSetup.Apply(threads: 1);
        // oneDNN's switch is process-wide: with oneDNN on, a forward pass that overlapped another test's
        // TorchBackends.Backward would take the other convolution kernel and "same seed, same output" tests would
        // differ in the last bits (seen while classes ran in parallel). Tests run with oneDNN off throughout;
        // TorchBackendsTests switches it on for its own check and back off.
        Fmri.Core.Torch.TorchBackends.MkldnnEnabled = false;
        // The training commands the tests run would otherwise run the oneDNN self-test (auto) and write the user's
        // cache; with oneDNN off throughout, the decision changes nothing here.
        Environment.SetEnvironmentVariable(Fmri.Core.Torch.OneDnnBackwardPolicy.EnvironmentVariable, "off");
    }
}
