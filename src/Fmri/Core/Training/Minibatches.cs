using static TorchSharp.torch;

namespace Fmri.Core.Training;

/// <summary>How step-based trainers draw minibatches and count epochs.</summary>
public static class Minibatches
{
    /// <summary>
    /// Indices of one minibatch: <paramref name="batch"/> draws, uniform with replacement over <paramref name="count"/>
    /// items, from <paramref name="generator"/> (so a restored generator state redraws the same batches). int64 (B) on the CPU.
    /// </summary>
    public static Tensor DrawWithReplacement(long count, int batch, Generator generator) =>
        randint(0, count, new long[] { batch }, dtype: ScalarType.Int64, generator: generator);

    /// <summary>Number of full passes over <paramref name="count"/> items after <paramref name="steps"/> steps of <paramref name="batch"/>.</summary>
    public static int Epoch(long steps, int batch, long count) => (int)(steps * batch / count);

    /// <summary>Optimiser steps of one epoch that visits <paramref name="count"/> items in batches of <paramref name="batch"/> (the last may be short).</summary>
    public static int StepsPerEpoch(int count, int batch) => (count + batch - 1) / batch;
}
