using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Models.Transformers;

#pragma warning disable IDE1006 // field names are the checkpoint keys (diffusers' snake_case)

/// <summary>
/// Multi-head attention with separate projections (diffusers <c>Attention</c> as used in SD's transformers):
/// <code>
///   Q = to_q(x),  K = to_k(c),  V = to_v(c)     c = context for cross-attention, x itself for self-attention
///   out = to_out(concat_h softmax(Q_h K_hᵀ / √d) V_h)
/// </code>
/// to_q, to_k, to_v have no bias in SD; to_out.0 (linear) has one, to_out.1 is dropout.
/// The attention is computed with scaled_dot_product_attention unless a control is attached (an
/// <see cref="IAttentionControl"/> on cross-attention, an <see cref="ISelfAttentionControl"/> on self-attention), in
/// which case it is written out so the control can see and replace the probabilities.
/// </summary>
public sealed class Attention : nn.Module
{
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly int heads;

    /// <param name="queryDim">Width of the query tokens (and of the output).</param>
    /// <param name="contextDim">Width of the context tokens for cross-attention; null for self-attention.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="dimHead">Width of one head; heads*dimHead is the inner width.</param>
    /// <param name="dropout">Dropout after the output projection.</param>
    /// <param name="bias">Bias on to_q, to_k, to_v (false in SD's UNet).</param>
    /// <param name="device">Device for the parameters.</param>
    public Attention(long queryDim, long? contextDim, int heads, long dimHead, double dropout = 0.0, bool bias = false,
        Device? device = null) : base(nameof(Attention))
    {
        if (heads < 1) throw new ArgumentException($"Attention: heads must be >= 1, got {heads}", nameof(heads));
        long inner = heads * dimHead;
        long kvDim = contextDim ?? queryDim;
        this.heads = heads;
        to_q = nn.Linear(queryDim, inner, hasBias: bias, device: device);
        to_k = nn.Linear(kvDim, inner, hasBias: bias, device: device);
        to_v = nn.Linear(kvDim, inner, hasBias: bias, device: device);
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(inner, queryDim, device: device), nn.Dropout(dropout));
        RegisterComponents();
    }

    /// <summary>Number of heads.</summary>
    public int Heads => heads;

    /// <summary>This module's state-dict prefix inside its model (set by the model; reported to the control).</summary>
    public string LayerName { get; internal set; } = "";

    /// <summary>The hook that sees this layer's probabilities, or null (set by the model for attn2 layers).</summary>
    public IAttentionControl? Control { get; internal set; }

    /// <summary>The hook that sees this layer's self-attention probabilities, or null (set by the model for attn1 layers).</summary>
    public ISelfAttentionControl? SelfControl { get; internal set; }

    /// <param name="hidden">(B, Lq, queryDim)</param>
    /// <param name="context">(B, Lk, contextDim) for cross-attention; null for self-attention.</param>
    /// <returns>(B, Lq, queryDim)</returns>
    public Tensor Forward(Tensor hidden, Tensor? context = null)
    {
        using var scope = NewDisposeScope();
        var source = context ?? hidden;
        var q = AttentionHeads.Split(to_q.forward(hidden), heads); // (B, heads, Lq, d)
        var k = AttentionHeads.Split(to_k.forward(source), heads); // (B, heads, Lk, d)
        var v = AttentionHeads.Split(to_v.forward(source), heads); // (B, heads, Lk, d)
        Tensor attended;
        Func<string, int, Tensor, Tensor>? hook = Control is not null ? Control.OnCrossAttention
            : SelfControl is not null ? SelfControl.OnSelfAttention : null;
        if (hook is null)
        {
            attended = nn.functional.scaled_dot_product_attention(q, k, v); // (B, heads, Lq, d)
        }
        else
        {
            long b = q.shape[0], lq = q.shape[2], lk = k.shape[2];
            var probabilities = AttentionHeads.Probabilities(q, k).reshape(b * heads, lq, lk); // (B*heads, Lq, Lk)
            var used = hook(LayerName, heads, probabilities);
            if (!used.shape.SequenceEqual(probabilities.shape))
                throw new InvalidOperationException(
                    $"{LayerName}: the attention control returned shape [{string.Join(", ", used.shape)}], expected [{string.Join(", ", probabilities.shape)}]");
            attended = matmul(used.reshape(b, heads, lq, lk), v);         // (B, heads, Lq, d)
        }
        var merged = AttentionHeads.Merge(attended);                        // (B, Lq, heads*d)
        var output = to_out[1].call(to_out[0].call(merged));
        return output.MoveToOuterDisposeScope();
    }
}
