using TorchSharp;
using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// A pre-norm ViT encoder block (timm <c>Block</c>, as MinD-Vis builds it), checkpoint keys <c>norm1</c>,
/// <c>attn.qkv</c>, <c>attn.proj</c>, <c>norm2</c>, <c>mlp.fc1</c>, <c>mlp.fc2</c>:
/// <code>
///   x = x + DropPath(Dropout(Attention(LayerNorm1(x))))
///   x = x + DropPath(Mlp(LayerNorm2(x)))
/// </code>
/// </summary>
public sealed class TransformerBlock : Module<Tensor, Generator?, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly MultiHeadSelfAttention attn;
    private readonly LayerNorm norm2;
    private readonly TransformerMlp mlp;
    private readonly double dropRate;
    private readonly double dropPathRate;

    /// <param name="dim">Token width D.</param>
    /// <param name="numHeads">Attention heads; must divide D.</param>
    /// <param name="mlpHiddenDim">MLP hidden width, int(D * mlp_ratio).</param>
    /// <param name="dropRate">Dropout after the attention projection and inside the MLP.</param>
    /// <param name="dropPathRate">Probability of skipping this block's residual branches per sample.</param>
    /// <param name="layerNormEps">LayerNorm epsilon.</param>
    /// <param name="device">Where to create the parameters (null: the default device).</param>
    public TransformerBlock(int dim, int numHeads, int mlpHiddenDim, double dropRate, double dropPathRate, double layerNormEps,
        Device? device = null) : base(nameof(TransformerBlock))
    {
        this.dropRate = dropRate;
        this.dropPathRate = dropPathRate;
        norm1 = LayerNorm(dim, layerNormEps, device: device);
        attn = new MultiHeadSelfAttention(dim, numHeads, device);
        norm2 = LayerNorm(dim, layerNormEps, device: device);
        mlp = new TransformerMlp(dim, mlpHiddenDim, dropRate, device);
        RegisterComponents();
    }

    /// <param name="x">(B, N, D) tokens.</param>
    /// <param name="generator">Source of dropout and drop-path draws; needed only in training with a rate above 0.</param>
    public override Tensor forward(Tensor x, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var attended = StochasticRegularization.Dropout(attn.forward(norm1.forward(x)), dropRate, training, generator);
        x = x.Plus(StochasticRegularization.DropPath(attended, dropPathRate, training, generator));        // (B, N, D)
        var transformed = mlp.forward(norm2.forward(x), generator);
        x = x.Plus(StochasticRegularization.DropPath(transformed, dropPathRate, training, generator));     // (B, N, D)
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>MAE initialisation: Xavier-uniform Linear weights, zero biases, LayerNorm (1, 0).</summary>
    public void InitializeWeights(Generator generator)
    {
        MaeWeightInit.LayerNorm(norm1);
        attn.InitializeWeights(generator);
        MaeWeightInit.LayerNorm(norm2);
        mlp.InitializeWeights(generator);
    }
}
