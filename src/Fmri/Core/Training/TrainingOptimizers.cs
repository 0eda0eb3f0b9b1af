using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fmri.Core.Training;

/// <summary>The optimisers the trainers build.</summary>
public static class TrainingOptimizers
{
    /// <summary>AdamW (Loshchilov &amp; Hutter 2019) over <paramref name="parameters"/>.</summary>
    public static AdamW AdamW(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay) =>
        optim.AdamW(parameters, lr, beta1, beta2, eps, weightDecay);
}
