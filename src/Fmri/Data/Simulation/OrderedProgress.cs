namespace Fmri.Data.Simulation;

/// <summary>
/// Progress of a parallel loop over a known number of items: workers call <see cref="Completed"/>; the fraction
/// done is reported in at most ~100 steps and never goes backwards, whatever order the workers finish in.
/// </summary>
internal sealed class OrderedProgress(IProgress<double>? progress, int total)
{
    private readonly Lock gate = new();
    private readonly int step = Math.Max(1, total / 100);
    private int done;
    private int reported;

    public void Completed()
    {
        if (progress is null) return;
        lock (gate)
        {
            done++;
            if (done - reported < step && done != total) return;
            reported = done;
            progress.Report((double)done / total);
        }
    }
}
