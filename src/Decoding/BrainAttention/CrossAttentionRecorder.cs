using Decoding.Models.Transformers;
using static TorchSharp.torch;

namespace Decoding.BrainAttention;

/// <summary>
/// Observes every cross-attention call of a sampling run and averages, over the calls (all layers at every step) and
/// the heads, each conditional row's per-token maps (<see cref="TokenAttentionMaps.OverPositions"/>, brought to one
/// grid) and the attention mass each token receives. With classifier-free guidance a call holds [unconditional,
/// conditional] rows; only the conditional ones are recorded. The probabilities are returned unchanged.
/// </summary>
public sealed class CrossAttentionRecorder : IAttentionControl, IDisposable
{
    private readonly bool guided;
    private readonly int side;
    private Tensor? mapSum;   // (B, Lk, side, side)
    private Tensor? massSum;  // (B, Lk)

    /// <param name="guided">True when every call holds the unconditional rows first.</param>
    /// <param name="side">Side of the grid the maps are averaged on: the latent's side, which every attention grid divides.</param>
    public CrossAttentionRecorder(bool guided, int side)
    {
        if (side < 1) throw new ArgumentException($"cross-attention recorder: side must be >= 1, got {side}");
        this.guided = guided;
        this.side = side;
    }

    /// <summary>Number of calls recorded.</summary>
    public int Calls { get; private set; }

    public Tensor OnCrossAttention(string layerName, int heads, Tensor probabilities)
    {
        using var scope = NewDisposeScope();
        long rows = probabilities.shape[0] / heads;
        long batch = guided ? rows / 2 : rows;
        var conditional = probabilities.narrow(0, guided ? batch * heads : 0, batch * heads);           // (B heads, Lq, Lk)
        long lq = conditional.shape[1], lk = conditional.shape[2];
        var maps = TokenAttentionMaps.OverPositions(conditional)                                         // (B heads, Lk, Lq)
            .reshape(batch, heads, lk, lq).mean([1]);                                                    // (B, Lk, Lq): mean over heads
        var grid = TokenAttentionMaps.ToGrid(maps, side);                                                // (B, Lk, side, side)
        var mass = TokenAttentionMaps.TokenMass(conditional).reshape(batch, heads, lk).mean([1]);        // (B, Lk)
        Accumulate(ref mapSum, grid);
        Accumulate(ref massSum, mass);
        Calls++;
        return probabilities;
    }

    /// <summary>The per-token maps averaged over calls and heads, (B, Lk, side, side); each sums to 1.</summary>
    public Tensor MeanMaps() => (mapSum ?? throw new InvalidOperationException("cross-attention recorder: nothing recorded")) / Calls;

    /// <summary>The mean attention mass of each token, (B, Lk); sums to 1 over the tokens.</summary>
    public Tensor MeanMass() => (massSum ?? throw new InvalidOperationException("cross-attention recorder: nothing recorded")) / Calls;

    private static void Accumulate(ref Tensor? sum, Tensor value)
    {
        var next = sum is null ? value.detach().clone() : sum + value;
        next.DetachFromDisposeScope();
        sum?.Dispose();
        sum = next;
    }

    public void Dispose()
    {
        mapSum?.Dispose();
        massSum?.Dispose();
    }
}
