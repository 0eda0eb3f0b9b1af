namespace Fmri.Core.Torch;

/// <summary>
/// The libtorch settings every entry point applies before it builds a model: libtorch's warnings hidden unless asked
/// for (<see cref="TorchLogging"/>) and the intra-op thread count. (Trainers call <see cref="TorchBackends.Backward"/>,
/// which keeps oneDNN out of the backward pass, where it read uninitialised memory here.)
/// </summary>
public static class TorchSetup
{
    /// <param name="threads">libtorch intra-op threads, at least 1.</param>
    public static void Apply(int threads)
    {
        Check.AtLeast(threads, 1, "threads");
        TorchLogging.HideWarningsUnlessAsked();
        TorchSharp.torch.set_num_threads(threads);
    }
}
