using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Core.Torch;

/// <summary>One convolution the self-test runs: batch, input channels, output channels and side of the square input.</summary>
public sealed record OneDnnSelfTestCase(
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("in_channels")] int InChannels,
    [property: JsonPropertyName("out_channels")] int OutChannels,
    [property: JsonPropertyName("side")] int Side)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"conv3x3 {InChannels}->{OutChannels} on {Batch}x{InChannels}x{Side}x{Side}");
}

/// <summary>The count of one case at one thread setting: passes run and passes that gave a non-finite gradient;
/// <paramref name="Padded"/>: the convolution ran with its output channels padded to a multiple of 16, as training runs
/// it when oneDNN serves backward passes (<see cref="OneDnnChannelPadding"/>), rather than as it is.</summary>
public sealed record OneDnnSelfTestCount(
    [property: JsonPropertyName("case")] OneDnnSelfTestCase Case,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("passes")] int Passes,
    [property: JsonPropertyName("non_finite")] int NonFinite,
    [property: JsonPropertyName("padded")] bool Padded = false);

/// <summary>What a self-test found: one count per case and thread setting, and how long it took.</summary>
public sealed record OneDnnSelfTestResult(
    [property: JsonPropertyName("counts")] IReadOnlyList<OneDnnSelfTestCount> Counts,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    /// <summary>Passes with a non-finite gradient, over all cases, thread settings and both forms.</summary>
    [JsonIgnore] public int NonFinite => Counts.Sum(c => c.NonFinite);

    /// <summary>Passes run, over all cases, thread settings and both forms.</summary>
    [JsonIgnore] public int Passes => Counts.Sum(c => c.Passes);

    /// <summary>Whether oneDNN may serve training's backward passes: passes of the convolutions as training runs them
    /// (output channels padded) were run, and all were finite.</summary>
    [JsonIgnore] public bool SafeAsTrained => Counts.Any(c => c.Padded && c.Passes > 0) && Counts.Where(c => c.Padded).All(c => c.NonFinite == 0);

    /// <summary>One line, e.g. "convolutions as they are: 13 of 1800 backward passes non-finite (1 thread: 0/900; 2
    /// threads: 13/900); output channels padded to 16, as training runs them: 0 of 1800 (...)".</summary>
    public string Summary()
    {
        static string Part(IEnumerable<OneDnnSelfTestCount> counts) => string.Create(CultureInfo.InvariantCulture,
            $"{counts.Sum(c => c.NonFinite)} of {counts.Sum(c => c.Passes)} backward passes non-finite ({string.Join("; ", counts.GroupBy(c => c.Threads).Select(g => $"{g.Key} thread{(g.Key == 1 ? "" : "s")}: {g.Sum(c => c.NonFinite)}/{g.Sum(c => c.Passes)}"))})");
        var raw = Counts.Where(c => !c.Padded).ToArray();
        var padded = Counts.Where(c => c.Padded).ToArray();
        if (padded.Length == 0) return Part(raw);
        if (raw.Length == 0) return $"output channels padded to {OneDnnChannelPadding.Block}: {Part(padded)}";
        return $"convolutions as they are: {Part(raw)}; output channels padded to {OneDnnChannelPadding.Block}, as training runs them: {Part(padded)}";
    }
}

/// <summary>
/// The defect <see cref="TorchBackends"/> guards against, as a test that runs in a few seconds: oneDNN's backward pass
/// of a 3x3 convolution into few channels, each pass run right after a NaN-filled buffer of the input's size was
/// freed (so memory the kernel reads without writing holds NaN), counting passes whose input or weight gradients are
/// not finite. Inputs, weights and output gradients are finite, so any non-finite gradient is the defect. The cases are
/// the convolutions into few channels the project trains: the UNet's conv_out of the tiny and small presets (32 -> 4)
/// and the autoencoder decoder's (16 -> 1). Each runs in two forms: as it is (does this host have the defect?) and
/// with its output channels padded to a multiple of 16 (<see cref="OneDnnChannelPadding"/>, the form training runs when
/// oneDNN serves backward passes; the decision rests on it).
/// </summary>
public static class OneDnnSelfTest
{
    /// <summary>Backward passes per case and thread setting in the self-test <see cref="OneDnnBackwardPolicy"/> runs.</summary>
    public const int DefaultPasses = 300;

    /// <summary>The convolutions tested.</summary>
    public static IReadOnlyList<OneDnnSelfTestCase> Cases { get; } =
    [
        new(16, 32, 4, 4),
        new(32, 32, 4, 8),
        new(8, 16, 1, 32),
    ];

    /// <summary>The thread settings tested: 1 and one per core (at least 2, since the defect showed most on 2).</summary>
    public static IReadOnlyList<int> DefaultThreadSettings => [1, Math.Max(2, Environment.ProcessorCount)];

    /// <summary>
    /// Runs <paramref name="passes"/> oneDNN backward passes of every case at every thread setting, as it is and padded
    /// (or only in the <paramref name="forms"/> given), and counts the non-finite ones. oneDNN is switched on for the
    /// test and the thread count and oneDNN setting are restored after.
    /// </summary>
    public static OneDnnSelfTestResult Run(int passes = DefaultPasses, IReadOnlyList<int>? threadSettings = null,
        IReadOnlyList<OneDnnSelfTestCase>? cases = null, bool oneDnn = true, IReadOnlyList<bool>? forms = null)
    {
        Check.AtLeast(passes, 1, "passes");
        threadSettings ??= DefaultThreadSettings;
        cases ??= Cases;
        forms ??= [false, true];
        var clock = Stopwatch.StartNew();
        int threadsBefore = get_num_threads();
        bool mkldnnBefore = TorchBackends.MkldnnEnabled;
        var counts = new List<OneDnnSelfTestCount>();
        try
        {
            TorchBackends.MkldnnEnabled = true;
            foreach (int threads in threadSettings)
            {
                set_num_threads(Check.AtLeast(threads, 1, "threads"));
                foreach (var testCase in cases)
                    foreach (bool padded in forms)
                        counts.Add(new OneDnnSelfTestCount(testCase, threads, passes, CountNonFinite(testCase, passes, oneDnn, padded), padded));
            }
        }
        finally
        {
            set_num_threads(threadsBefore);
            TorchBackends.MkldnnEnabled = mkldnnBefore;
        }
        return new OneDnnSelfTestResult(counts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Non-finite passes of one case at the current thread setting, through <see cref="TorchBackends.Backward(Tensor, bool)"/>;
    /// <paramref name="padded"/> runs the convolution with its output channels padded (<see cref="OneDnnChannelPadding.PaddedConv2d"/>).</summary>
    public static int CountNonFinite(OneDnnSelfTestCase testCase, int passes, bool oneDnn, bool padded = false)
    {
        ArgumentNullException.ThrowIfNull(testCase);
        using var generator = new Generator(1);
        using var conv = nn.Conv2d(testCase.InChannels, testCase.OutChannels, 3, padding: 1);
        var shape = new long[] { testCase.Batch, testCase.InChannels, testCase.Side, testCase.Side };
        int nonFinite = 0;
        for (int i = 0; i < passes; i++)
        {
            using var scope = NewDisposeScope();
            using (full(shape, float.NaN)) { } // freed at once: the allocator hands this memory out next
            var x = randn(shape, generator: generator).requires_grad_(true);                 // (B, Cin, S, S)
            var y = padded
                ? OneDnnChannelPadding.PaddedConv2d(x, conv.weight!, conv.bias, [1, 1], [1, 1], [1, 1], 1)
                : conv.forward(x);                                                                      // (B, Cout, S, S)
            TorchBackends.Backward(y.square().mean(), oneDnn);
            bool finite = x.grad!.isfinite().all().item<bool>() && conv.weight!.grad!.isfinite().all().item<bool>();
            if (!finite) nonFinite++;
            conv.zero_grad();
        }
        return nonFinite;
    }
}
