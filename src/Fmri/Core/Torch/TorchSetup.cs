using System.Text.Json.Serialization;

namespace Fmri.Core.Torch;

/// <summary>The libtorch settings a run used, recorded in its run.json (<see cref="Runs.RunManifest.Torch"/>).</summary>
public sealed record TorchRunSettings(
    [property: JsonPropertyName("threads")] ThreadChoice Threads,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("onednn_backward")] OneDnnBackwardDecision? OneDnnBackward,
    [property: JsonPropertyName("native_heap")] NativeHeapSetting? NativeHeap = null,
    [property: JsonPropertyName("attention_kernel")] string? AttentionKernel = null);

/// <summary>
/// The libtorch settings every entry point applies before it builds a model: libtorch's warnings hidden unless asked
/// for (<see cref="TorchLogging"/>), the intra-op thread count (<see cref="ThreadDefault"/>), the device
/// (<see cref="TorchDevice"/>), the attention kernel for that thread count and device (<see cref="Torch.AttentionKernel"/>),
/// the C allocator told to keep freed memory (<see cref="NativeHeap"/>), and for training
/// commands whether backward passes use oneDNN (<see cref="OneDnnBackwardPolicy"/>). What was applied is <see cref="Current"/>, which run.json records.
/// </summary>
public static class TorchSetup
{
    /// <summary>The settings applied in this process so far; null before <see cref="ApplyThreads"/>.</summary>
    public static TorchRunSettings? Current { get; private set; }

    /// <summary>
    /// A thread choice made once for every later command of this process that is not given <c>--threads</c>: the demo
    /// runs its stages in one process, and the load average after a stage counts that stage's own threads, so choosing
    /// per stage would let the demo's own work turn later stages to one thread (and change their numbers). Null: each
    /// command chooses by <see cref="ThreadDefault"/>.
    /// </summary>
    public static ThreadChoice? ProcessDefault { get; set; }

    /// <summary>Chooses (<see cref="ThreadDefault"/>, or <see cref="ProcessDefault"/>) and applies the thread count; <paramref name="requested"/> null = the default rule.</summary>
    public static ThreadChoice ApplyThreads(int? requested)
    {
        var choice = requested is null && ProcessDefault is { } fixedChoice
            ? fixedChoice
            : ThreadDefault.Choose(requested, Environment.ProcessorCount, requested is null ? ThreadDefault.ReadLoadAverage() : null, () => BusyCoresNow(windows: 1));
        TorchLogging.HideWarningsUnlessAsked();
        var heap = NativeHeap.KeepFreedMemory();
        TorchSharp.torch.set_num_threads(choice.Threads);
        Current = new TorchRunSettings(choice, TorchDevice.Name(TorchDevice.Current), null, heap, AttentionKernel.Apply(choice.Threads, TorchDevice.Current));
        return choice;
    }

    /// <summary>
    /// Other processes' CPU use: the least of up to <paramref name="windows"/> quarter-second windows
    /// (<see cref="ThreadDefault.LeastBusy"/>). A single command looks once; the demo, whose one choice serves every
    /// stage and which `dotnet run` starts right after a build, waits up to eight windows for a burst to pass.
    /// </summary>
    public static double? BusyCoresNow(int windows) =>
        ThreadDefault.LeastBusy(() => ThreadDefault.ReadBusyCores(TimeSpan.FromMilliseconds(250), Environment.ProcessorCount), windows);

    /// <param name="threads">libtorch intra-op threads, at least 1.</param>
    public static void Apply(int threads) => ApplyThreads(Check.AtLeast(threads, 1, "threads"));

    /// <summary>Decides and applies whether backward passes use oneDNN (<see cref="OneDnnBackwardPolicy.Apply"/>).</summary>
    public static OneDnnBackwardDecision ApplyOneDnnBackward(OneDnnBackwardMode mode)
    {
        TorchLogging.HideWarningsUnlessAsked();
        var decision = OneDnnBackwardPolicy.Apply(mode);
        var threads = Current?.Threads ?? ThreadDefault.Choose(TorchSharp.torch.get_num_threads(), Environment.ProcessorCount, null);
        Current = new TorchRunSettings(threads, TorchDevice.Name(TorchDevice.Current), decision, NativeHeap.KeepFreedMemory(),
            AttentionKernel.Apply(threads.Threads, TorchDevice.Current));
        return decision;
    }

    /// <summary>Applies the device setting (<see cref="TorchDevice.Use"/>) and records it.</summary>
    public static void ApplyDevice(string? name)
    {
        TorchDevice.Use(name);
        if (Current is not null)
            Current = Current with { Device = TorchDevice.Name(TorchDevice.Current), AttentionKernel = AttentionKernel.Apply(Current.Threads.Threads, TorchDevice.Current) };
    }
}
