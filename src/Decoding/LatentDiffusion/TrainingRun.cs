using Fmri.Core.Checkpoints;
using Fmri.Core.Plots;
using Fmri.Core.Training;
using static TorchSharp.torch;

namespace Decoding.LatentDiffusion;

/// <summary>
/// Pieces the two trainers share: where a run starts (fresh or from its checkpoint), how minibatches are drawn, and
/// how the loss curve is written next to the checkpoint.
/// </summary>
internal static class TrainingRun
{
    /// <summary>
    /// Refuses to start a fresh run over an existing checkpoint and to resume without one, so a run never overwrites
    /// another by accident.
    /// </summary>
    public static void CheckStart(ModelCheckpoint checkpoint, bool resume)
    {
        if (resume && !checkpoint.Exists)
            throw new FileNotFoundException(
                $"{checkpoint.ManifestPath}: no checkpoint to resume from (train without --resume first)", checkpoint.ManifestPath);
        if (!resume && checkpoint.Exists)
            throw new ArgumentException(
                $"{checkpoint.Folder} already holds a '{checkpoint.Name}' checkpoint; pass --resume to continue it or choose another output folder");
    }

    /// <summary>
    /// Indices of one minibatch: <paramref name="batch"/> draws, uniform with replacement over <paramref name="count"/>
    /// items, from <paramref name="generator"/> (so a restored generator state redraws the same batches). int64 (B) on the CPU.
    /// </summary>
    public static Tensor DrawBatch(long count, int batch, Generator generator) =>
        randint(0, count, new long[] { batch }, dtype: ScalarType.Int64, generator: generator);

    /// <summary>Number of passes over the data after <paramref name="steps"/> steps.</summary>
    public static int Epoch(long steps, int batch, long count) => (int)(steps * batch / count);

    /// <summary>Reads the loss curve saved with a checkpoint and drops rows after its step; a fresh curve when there is none.</summary>
    public static LossCurve ResumeCurve(string csvPath, long step, IReadOnlyList<string> extraColumns)
    {
        if (!File.Exists(csvPath)) return new LossCurve(extraColumns);
        var curve = LossCurve.Read(csvPath);
        if (!curve.ExtraColumns.SequenceEqual(extraColumns))
            throw new Fmri.Core.DataFormatException(csvPath, "line 1", $"columns {string.Join(",", curve.ExtraColumns)} differ from this trainer's {string.Join(",", extraColumns)}");
        curve.DropAfter(step);
        return curve;
    }

    /// <summary>Writes the curve as CSV and as a PNG plot (log loss axis).</summary>
    public static void SaveCurve(LossCurve curve, string csvPath, string pngPath, string title)
    {
        curve.Save(csvPath);
        if (curve.Points.Count > 0)
            LossCurvePlot.Save(pngPath, [LossCurvePlot.FromCurve(curve)], logScale: true, new PlotLabels(title, "step", "loss"));
    }

    /// <summary>Builds AdamW over <paramref name="parameters"/>.</summary>
    public static TorchSharp.Modules.AdamW AdamW(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay) =>
        optim.AdamW(parameters, lr, beta1, beta2, eps, weightDecay);
}
