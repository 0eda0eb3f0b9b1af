using Decoding.Evaluation;
using Decoding.Reports;

namespace Decoding.Tests.Reports;

public sealed class PairedDifferenceTests
{
    [Fact]
    public void The_difference_is_taken_stimulus_by_stimulus()
    {
        // Per-stimulus differences (1, 0, 0, 1): mean 0.5. Unpaired, both rows' means (0.75 and 0.25) would say the same
        // here, but the interval comes from resampling the differences, so it can only hold means of 0s and 1s.
        var settings = new EvaluationSettings([2], Seed: 1, BootstrapResamples: 200, Permutations: 10);
        var d = ReportText.PairedDifference([1, 0, 1, 1], [0, 0, 1, 0], settings, 0)!;
        Assert.Equal(0.5, d.Value, 12);
        Assert.InRange(d.Lower, 0, 0.5);
        Assert.InRange(d.Upper, 0.5, 1);
        // Identical rows differ by exactly 0 on every resample.
        var same = ReportText.PairedDifference([0.2, 0.9, 0.4], [0.2, 0.9, 0.4], settings, 1)!;
        Assert.Equal((0.0, 0.0, 0.0), (same.Value, same.Lower, same.Upper));
        Assert.Null(ReportText.PairedDifference([1, 0], [1], settings, 2));
    }
}
