using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// A least-recently-used chunk cache for PureHDF with a byte budget. Reading NSD betas trial by trial visits, for
/// each trial, the same chunks (one per kept voxel when chunks are trials x 1 x 1 x 1); keeping those chunks makes
/// every chunk decoded once per session instead of once per trial, while the budget keeps memory bounded.
/// </summary>
internal sealed class BoundedChunkCache(long budgetBytes) : IReadingChunkCache
{
    private readonly Dictionary<ulong, LinkedListNode<(ulong Index, Memory<byte> Chunk)>> entries = new();
    private readonly LinkedList<(ulong Index, Memory<byte> Chunk)> recency = new();
    private readonly object gate = new();

    /// <summary>Bytes currently held.</summary>
    public long HeldBytes { get; private set; }

    /// <summary>Most bytes ever held at once.</summary>
    public long PeakBytes { get; private set; }

    public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkReader)
    {
        lock (gate)
        {
            if (entries.TryGetValue(chunkIndex, out var hit))
            {
                recency.Remove(hit);
                recency.AddFirst(hit);
                return hit.Value.Chunk;
            }
        }
        var chunk = chunkReader();
        if (chunk.Length > budgetBytes) return chunk;
        lock (gate)
        {
            if (entries.ContainsKey(chunkIndex)) return chunk;
            while (HeldBytes + chunk.Length > budgetBytes && recency.Last is { } oldest)
            {
                recency.RemoveLast();
                entries.Remove(oldest.Value.Index);
                HeldBytes -= oldest.Value.Chunk.Length;
            }
            entries[chunkIndex] = recency.AddFirst((chunkIndex, chunk));
            HeldBytes += chunk.Length;
            PeakBytes = Math.Max(PeakBytes, HeldBytes);
        }
        return chunk;
    }
}
