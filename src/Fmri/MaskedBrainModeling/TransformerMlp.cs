using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.MaskedBrainModeling;

/// <summary>
/// The ViT feed-forward block (timm <c>Mlp</c>): <c>fc2(dropout(GELU(fc1(x))))</c> followed by dropout, with the
/// exact (erf) GELU and checkpoint keys <c>fc1</c>, <c>fc2</c>.
/// </summary>
public sealed class TransformerMlp : Module<Tensor, Generator?, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly double dropRate;

    public TransformerMlp(int dim, int hiddenDim, double dropRate, Device? device = null) : base(nameof(TransformerMlp))
    {
        this.dropRate = dropRate;
        fc1 = Linear(dim, hiddenDim, hasBias: true, device: device);
        fc2 = Linear(hiddenDim, dim, hasBias: true, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, N, D) tokens.</param>
    /// <param name="generator">Source of dropout draws; needed only in training with a dropout rate above 0.</param>
    public override Tensor forward(Tensor x, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var hidden = functional.gelu(fc1.forward(x));                                       // (B, N, hidden)
        hidden = StochasticRegularization.Dropout(hidden, dropRate, training, generator);
        var output = StochasticRegularization.Dropout(fc2.forward(hidden), dropRate, training, generator);   // (B, N, D)
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>MAE initialisation of both Linear layers.</summary>
    public void InitializeWeights(Generator generator)
    {
        MaeWeightInit.Linear(fc1, generator);
        MaeWeightInit.Linear(fc2, generator);
    }
}
