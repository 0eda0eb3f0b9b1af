using Decoding.Decode.Routes;

namespace Decoding.Tests.Decode.Routes;

/// <summary>What decode says when the MinD-Vis route samples otherwise than the paper (PLMS, 250 steps, no guidance).</summary>
public sealed class MindVisSamplingTests
{
    [Theory]
    [InlineData("plms", 250, 1.0, null)]
    [InlineData("PLMS", 250, 1.0, null)]
    [InlineData("ddim", 50, 5.0, "ddim, 50 steps, guidance 5")]      // decode's defaults
    [InlineData("plms", 50, 3.0, "50 steps, guidance 3")]             // the demo's
    [InlineData("plms", 250, 1.5, "guidance 1.5")]
    public void The_departures_from_the_paper_s_sampling_are_named(string sampler, int steps, double guidance, string? expected)
        => Assert.Equal(expected, MindVisRoute.DeparturesFromPaper(sampler, steps, guidance));
}
