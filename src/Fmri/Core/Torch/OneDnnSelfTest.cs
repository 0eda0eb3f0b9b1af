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

/// <summary>The count of one case at one thread setting: passes run and passes that gave a non-finite gradient.</summary>
public sealed record OneDnnSelfTestCount(
    [property: JsonPropertyName("case")] OneDnnSelfTestCase Case,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("passes")] int Passes,
    [property: JsonPropertyName("non_finite")] int NonFinite);

/// <summary>What a self-test found: one count per case and thread setting, and how long it took.</summary>
public sealed record OneDnnSelfTestResult(
    [property: JsonPropertyName("counts")] IReadOnlyList<OneDnnSelfTestCount> Counts,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    /// <summary>Passes with a non-finite gradient, over all cases and thread settings.</summary>
    [JsonIgnore] public int NonFinite => Counts.Sum(c => c.NonFinite);

    /// <summary>Passes run, over all cases and thread settings.</summary>
    [JsonIgnore] public int Passes => Counts.Sum(c => c.Passes);

    /// <summary>One line: "0 of 3,600 passes non-finite (1 thread: 0/1,800; 2 threads: 0/1,800)".</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{NonFinite} of {Passes} backward passes non-finite ({string.Join("; ", Counts.GroupBy(c => c.Threads).Select(g => $"{g.Key} thread{(g.Key == 1 ? "" : "s")}: {g.Sum(c => c.NonFinite)}/{g.Sum(c => c.Passes)}"))})");
}

/// <summary>
/// The defect <see cref="TorchBackends"/> guards against, as a test that runs in a few seconds: oneDNN's backward pass
/// of a 3x3 convolution into few channels, each pass run right after a NaN-filled buffer of the input's size was
/// freed (so memory the kernel reads without writing holds NaN), counting passes whose input or weight gradients are
/// not finite. Inputs, weights and output gradients are finite, so any non-finite gradient is the defect. The cases are
/// the convolutions into few channels the project trains: the UNet's conv_out of the tiny and small presets (32 -> 4)
/// and the autoencoder decoder's (16 -> 1).
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
    /// Runs <paramref name="passes"/> oneDNN backward passes of every case at every thread setting and counts the
    /// non-finite ones. oneDNN is switched on for the test and the thread count and oneDNN setting are restored after.
    /// </summary>
    public static OneDnnSelfTestResult Run(int passes = DefaultPasses, IReadOnlyList<int>? threadSettings = null,
        IReadOnlyList<OneDnnSelfTestCase>? cases = null, bool oneDnn = true)
    {
        Check.AtLeast(passes, 1, "passes");
        threadSettings ??= DefaultThreadSettings;
        cases ??= Cases;
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
                    counts.Add(new OneDnnSelfTestCount(testCase, threads, passes, CountNonFinite(testCase, passes, oneDnn)));
            }
        }
        finally
        {
            set_num_threads(threadsBefore);
            TorchBackends.MkldnnEnabled = mkldnnBefore;
        }
        return new OneDnnSelfTestResult(counts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Non-finite passes of one case at the current thread setting, through <see cref="TorchBackends.Backward(Tensor, bool)"/>.</summary>
    public static int CountNonFinite(OneDnnSelfTestCase testCase, int passes, bool oneDnn)
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
            TorchBackends.Backward(conv.forward(x).square().mean(), oneDnn);
            bool finite = x.grad!.isfinite().all().item<bool>() && conv.weight!.grad!.isfinite().all().item<bool>();
            if (!finite) nonFinite++;
            conv.zero_grad();
        }
        return nonFinite;
    }
}
