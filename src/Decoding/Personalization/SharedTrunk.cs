using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace Decoding.Personalization;

/// <summary>
/// The part of the multi-subject decoder every subject shares (MindEye2's shared backbone, at the scale of the
/// simulated data): a subject's input layer brings its voxels into a common space of width H, and the trunk maps
/// that space to category logits:
/// <code>
///   h₀ = GELU(LayerNorm(x_s))            x_s = the subject layer's output, (B, H)
///   h₁ = h₀ + GELU(W_mid h₀ + b_mid)      one residual block
///   logits = W_head h₁ + b_head           (B, C)
/// </code>
/// No dropout and no batch statistics: a forward pass draws nothing and changes no buffer, so a frozen trunk stays
/// bit for bit what it was. Parameter names: norm, mid, head.
/// </summary>
public sealed class SharedTrunk : Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly Linear mid;
    private readonly Linear head;

    /// <summary>Builds the trunk and draws its initial weights from <paramref name="generator"/>.</summary>
    public SharedTrunk(int width, int classes, Generator generator) : base(nameof(SharedTrunk))
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (width < 1) throw new InvalidSettingException("width", width, "must be >= 1");
        if (classes < 2) throw new InvalidSettingException("classes", classes, "must be >= 2");
        Width = width;
        Classes = classes;
        norm = LayerNorm(width);
        mid = Linear(width, width);
        head = Linear(width, classes);
        RegisterComponents();
        LinearInit.Uniform(mid, generator);
        LinearInit.Uniform(head, generator);
    }

    public int Width { get; }

    public int Classes { get; }

    /// <param name="shared">A subject layer's output, (B, H).</param>
    /// <returns>Category logits, (B, C).</returns>
    public override Tensor forward(Tensor shared)
    {
        using var scope = NewDisposeScope();
        var h = functional.gelu(norm.forward(shared));
        h = h + functional.gelu(mid.forward(h));
        return head.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Initialisation of a linear layer from an explicit generator.</summary>
public static class LinearInit
{
    /// <summary>Weights and bias uniform in ±1/√fan_in (PyTorch's default bound for nn.Linear), drawn from <paramref name="generator"/>.</summary>
    public static void Uniform(Linear layer, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var noGrad = no_grad();
        double bound = 1.0 / Math.Sqrt(layer.weight!.shape[1]);
        layer.weight!.uniform_(-bound, bound, generator);
        layer.bias?.uniform_(-bound, bound, generator);
    }
}
