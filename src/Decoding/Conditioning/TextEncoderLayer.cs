using TorchSharp.Modules;
using Fmri.Core.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Conditioning;

/// <summary>
/// One pre-norm transformer encoder layer (CLIP's <c>CLIPEncoderLayer</c>):
/// x = x + self_attn(layer_norm1(x)); x = x + mlp(layer_norm2(x)), with mlp = fc2(GELU(fc1(.))).
/// </summary>
public sealed class TextEncoderLayer : Module<Tensor, Tensor, Tensor>
{
    // Field names are checkpoint keys, declared in the order they are called.
    private readonly LayerNorm layer_norm1;
    private readonly TextSelfAttention self_attn;
    private readonly LayerNorm layer_norm2;
    private readonly Sequential mlp;

    public TextEncoderLayer(int width, int heads, int intermediate, double layerNormEps) : base(nameof(TextEncoderLayer))
    {
        layer_norm1 = LayerNorm(width, layerNormEps);
        self_attn = new TextSelfAttention(width, heads);
        layer_norm2 = LayerNorm(width, layerNormEps);
        mlp = Sequential(("fc1", Linear(width, intermediate)), ("act", GELU()), ("fc2", Linear(intermediate, width)));
        RegisterComponents();
    }

    /// <param name="x">Tokens (B, L, D).</param>
    /// <param name="keyMask">(B, L) booleans, true for real tokens.</param>
    public override Tensor forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.forward(layer_norm1.forward(x), keyMask)); // (B, L, D)
        var y = h.Plus(mlp.forward(layer_norm2.forward(h)));                // (B, L, D)
        return y.MoveToOuterDisposeScope();
    }
}
