using Fmri.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

[CollectionDefinition(nameof(OneDnnCollection), DisableParallelization = true)]
public sealed class OneDnnCollection;

/// <summary>Runs alone (after the parallel tests): it switches oneDNN on, which the rest of the suite keeps off.</summary>
[Collection(nameof(OneDnnCollection))]
public class TorchBackendsTests
{
    /// <summary>
    /// The defect <see cref="TorchBackends"/> guards against, on the path the program takes on this host: a conv 32 -> 4
    /// channels (a UNet's conv_out), batch 16 at 4x4, whose backward pass runs right after a NaN-filled buffer of the same
    /// size was freed. On a host where libtorch 2.10's oneDNN backward reads memory it did not write, passes return NaN
    /// input gradients. The decision the training commands apply (<see cref="OneDnnBackwardPolicy"/> in auto mode: the
    /// cached self-test of this host, or a fresh one) is applied here, so whichever backward pass the program uses on
    /// this host must give 0 non-finite passes, and oneDNN must be left on for the forward passes as it was found.
    /// </summary>
    [Fact]
    public void The_backward_pass_the_program_uses_here_gives_finite_gradients_after_the_allocator_held_NaNs()
    {
        var decision = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, HostIdentity.Current(), OneDnnBackwardPolicy.DefaultCacheFolder(),
            () => OneDnnSelfTest.Run());
        bool before = TorchBackends.BackwardUsesOneDnn;
        TorchBackends.MkldnnEnabled = true; // libtorch's default, and the command-line program's setting
        TorchBackends.BackwardUsesOneDnn = decision.Enabled;
        try
        {
            Assert.True(TorchBackends.MkldnnEnabled);
            foreach (int threads in new[] { 1, 2 })
            {
                torch.set_num_threads(threads);
                Assert.Equal(0, CountNonFinite(passes: 600));
            }
            Assert.True(TorchBackends.MkldnnEnabled);
        }
        finally
        {
            torch.set_num_threads(1);
            TorchBackends.BackwardUsesOneDnn = before;
            TorchBackends.MkldnnEnabled = false; // the test assemblies' setting
        }
    }

    /// <summary>The native backward pass, the fallback on hosts with the defect, never gives a non-finite gradient.</summary>
    [Fact]
    public void The_native_backward_pass_gives_finite_gradients_after_the_allocator_held_NaNs()
    {
        TorchBackends.MkldnnEnabled = true;
        try
        {
            var result = OneDnnSelfTest.Run(passes: 300, threadSettings: [1, 2], cases: [OneDnnSelfTest.Cases[0]], oneDnn: false, forms: [false]);
            Assert.Equal(0, result.NonFinite);
            Assert.Equal(600, result.Passes);
            Assert.True(TorchBackends.MkldnnEnabled);
        }
        finally
        {
            TorchBackends.MkldnnEnabled = false;
        }
    }

    private static int CountNonFinite(int passes)
    {
        var generator = new Generator(1);
        using var conv = nn.Conv2d(32, 4, 3, padding: 1);
        int nonFinite = 0;
        for (int i = 0; i < passes; i++)
        {
            using var scope = NewDisposeScope();
            using (full(new long[] { 16, 32, 4, 4 }, float.NaN)) { }
            var x = randn(new long[] { 16, 32, 4, 4 }, generator: generator).requires_grad_(true);
            TorchBackends.Backward(OneDnnChannelPadding.Conv2d(conv, x).square().mean());   // as the models run it
            if (!x.grad!.isfinite().all().item<bool>()) nonFinite++;
            conv.zero_grad();
        }
        return nonFinite;
    }
}
