using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Tests.Core.IO;

/// <summary>
/// A small network with parameters and buffers (BatchNorm running statistics) for weight-loading tests.
/// Its parameters are drawn from the given generator, so two nets built with different seeds differ.
/// </summary>
internal sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly BatchNorm1d bn;
    private readonly LayerNorm norm;
    private readonly Linear fc2;
    private readonly Linear? head;

    public TinyNet(Generator generator, int width = 8, bool withHead = false) : base(nameof(TinyNet))
    {
        fc1 = Linear(4, width);
        bn = BatchNorm1d(width);
        norm = LayerNorm(width);
        fc2 = Linear(width, 3);
        if (withHead) head = Linear(3, 2);
        RegisterComponents();
        using var _ = no_grad();
        foreach (var p in parameters()) p.copy_(randn(p.shape, generator: generator));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = fc2.forward(norm.forward(bn.forward(fc1.forward(x)).relu()));
        if (head is not null) h = head.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
