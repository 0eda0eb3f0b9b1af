using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fmri.Core.IO;

namespace Fmri.Core.Torch;

/// <summary>How the user asked for oneDNN in backward passes: decided by the host's self-test, or forced.</summary>
public enum OneDnnBackwardMode
{
    Auto,
    On,
    Off,
}

/// <summary>What the self-test is keyed on: the CPU (model name and a hash of its feature flags) and the libtorch build.</summary>
public sealed record HostIdentity(
    [property: JsonPropertyName("cpu_model")] string CpuModel,
    [property: JsonPropertyName("cpu_flags_sha256")] string CpuFlagsSha256,
    [property: JsonPropertyName("libtorch")] string Libtorch)
{
    /// <summary>A short stable key for file names: the first 16 hex digits of the SHA-256 of the three fields.</summary>
    [JsonIgnore]
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{CpuModel}\n{CpuFlagsSha256}\n{Libtorch}")))[..16];

    /// <summary>This machine: <c>model name</c> and <c>flags</c> of the first processor in <paramref name="cpuinfo"/>, and the libtorch in use.</summary>
    public static HostIdentity Current(string cpuinfo = "/proc/cpuinfo")
        => FromCpuinfo(File.Exists(cpuinfo) ? File.ReadAllText(cpuinfo) : "", LibtorchVersion());

    /// <summary>The identity described by the text of a <c>/proc/cpuinfo</c> and a libtorch version.</summary>
    public static HostIdentity FromCpuinfo(string cpuinfoText, string libtorch)
    {
        ArgumentNullException.ThrowIfNull(cpuinfoText);
        string Field(string name) => cpuinfoText.Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim() == name)
            .Select(parts => parts[1].Trim())
            .FirstOrDefault() ?? "";
        string model = Field("model name");
        string flags = string.Join(' ', Field("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        return new HostIdentity(model.Length > 0 ? model : "unknown", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(flags))), libtorch);
    }

    /// <summary>The libtorch build TorchSharp runs on: libtorch's own version and TorchSharp's.</summary>
    public static string LibtorchVersion()
        => $"libtorch {TorchSharp.torch.__version__}; TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}";
}

/// <summary>
/// Whether backward passes use oneDNN, and why: the mode asked for, the decision, where it came from, and the self-test's
/// counts when one was run or read from the cache. Recorded in the run.json of every training command.
/// </summary>
public sealed record OneDnnBackwardDecision(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("host")] HostIdentity? Host = null,
    [property: JsonPropertyName("self_test")] OneDnnSelfTestResult? SelfTest = null,
    [property: JsonPropertyName("cache_file")] string? CacheFile = null,
    [property: JsonPropertyName("from_cache")] bool FromCache = false);

/// <summary>
/// Decides whether <see cref="TorchBackends.Backward(TorchSharp.torch.Tensor)"/> may use oneDNN on this host. In mode
/// <c>auto</c> a short self-test (<see cref="OneDnnSelfTest"/>) runs once per host and libtorch build and its result is
/// cached as a small JSON file (<c>$XDG_CACHE_HOME/decoding</c>, else <c>~/.cache/decoding</c>), keyed by
/// <see cref="HostIdentity"/>; oneDNN serves backward passes only when every self-test pass of the convolutions as
/// training runs them (few output channels padded to 16, <see cref="OneDnnChannelPadding"/>) was finite. <c>on</c> and
/// <c>off</c> force the choice without a test. The mode comes from the training commands' <c>--onednn-backward</c>, whose
/// default is the environment variable <see cref="EnvironmentVariable"/>, else <c>auto</c>.
/// <para>
/// Whatever the decision, the training scaffold still stops on a non-finite loss or gradient norm before anything is
/// saved, so a defect the self-test missed ends a run with an error instead of a poisoned checkpoint.
/// </para>
/// </summary>
public static class OneDnnBackwardPolicy
{
    /// <summary>The environment variable giving the default mode (<c>auto</c>, <c>on</c> or <c>off</c>).</summary>
    public const string EnvironmentVariable = "DECODING_ONEDNN_BACKWARD";

    /// <summary>Version of the cache files' content; a file of another version is ignored and rewritten.</summary>
    public const int CacheVersion = 2; // 2: the self-test also counts the padded form and decides on it

    public static IReadOnlyDictionary<string, OneDnnBackwardMode> Modes { get; } = new Dictionary<string, OneDnnBackwardMode>
    {
        ["auto"] = OneDnnBackwardMode.Auto,
        ["on"] = OneDnnBackwardMode.On,
        ["off"] = OneDnnBackwardMode.Off,
    };

    /// <summary>
    /// The mode from the option's value, else from <see cref="EnvironmentVariable"/>, else auto. A value that is none
    /// of auto, on, off is an <see cref="InvalidSettingException"/> naming the option or the variable.
    /// </summary>
    public static OneDnnBackwardMode ParseMode(string? option, string? environment)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Check.OneOf(option.Trim().ToLowerInvariant(), Modes, "onednn_backward");
        if (!string.IsNullOrWhiteSpace(environment))
        {
            return Modes.TryGetValue(environment.Trim().ToLowerInvariant(), out var mode)
                ? mode
                : throw new InvalidSettingException(EnvironmentVariable, environment, "must be auto, on or off");
        }
        return OneDnnBackwardMode.Auto;
    }

    /// <summary>The folder of the self-test cache: <c>$XDG_CACHE_HOME/decoding</c>, else <c>~/.cache/decoding</c>.</summary>
    public static string DefaultCacheFolder()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "decoding");
    }

    /// <summary>The cache file of a host: <c>onednn-backward-KEY.json</c> in <paramref name="cacheFolder"/>.</summary>
    public static string CacheFile(string cacheFolder, HostIdentity host) => Path.Combine(cacheFolder, $"onednn-backward-{host.Key}.json");

    /// <summary>
    /// The decision for <paramref name="mode"/>: forced modes as asked; auto from the cache file of
    /// <paramref name="host"/> when it holds a result, else by running <paramref name="selfTest"/> and caching what it
    /// found (a cache that cannot be written only costs a self-test next time).
    /// </summary>
    public static OneDnnBackwardDecision Decide(OneDnnBackwardMode mode, HostIdentity host, string cacheFolder, Func<OneDnnSelfTestResult> selfTest)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(selfTest);
        string name = mode.ToString().ToLowerInvariant();
        switch (mode)
        {
            case OneDnnBackwardMode.On:
                return new OneDnnBackwardDecision(name, true, "forced on (no self-test run)", host);
            case OneDnnBackwardMode.Off:
                return new OneDnnBackwardDecision(name, false, "forced off (no self-test run)", host);
        }
        string file = CacheFile(cacheFolder, host);
        if (ReadCache(file, host) is { } cached)
            return FromResult(name, host, cached, file, fromCache: true);
        var result = selfTest();
        WriteCache(file, host, result);
        return FromResult(name, host, result, file, fromCache: false);
    }

    /// <summary>Whether <see cref="Apply"/> with <paramref name="mode"/> will run the self-test (auto with no cached result for this host).</summary>
    public static bool WillRunSelfTest(OneDnnBackwardMode mode)
    {
        if (mode != OneDnnBackwardMode.Auto) return false;
        var host = HostIdentity.Current();
        return ReadCache(CacheFile(DefaultCacheFolder(), host), host) is null;
    }

    /// <summary>Decides for this host with the default cache folder and the default self-test, and applies the decision.</summary>
    public static OneDnnBackwardDecision Apply(OneDnnBackwardMode mode)
    {
        var decision = Decide(mode, HostIdentity.Current(), DefaultCacheFolder(), () => OneDnnSelfTest.Run());
        TorchBackends.BackwardUsesOneDnn = decision.Enabled;
        return decision;
    }

    private static OneDnnBackwardDecision FromResult(string mode, HostIdentity host, OneDnnSelfTestResult result, string file, bool fromCache)
    {
        bool safe = result.SafeAsTrained;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{(fromCache ? "cached self-test" : "self-test")} on this host: {result.Summary()}");
        return new OneDnnBackwardDecision(mode, safe, reason, host, result, file, fromCache);
    }

    private sealed record CacheEntry(
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("host")] HostIdentity Host,
        [property: JsonPropertyName("tested_utc")] DateTimeOffset TestedUtc,
        [property: JsonPropertyName("tool_version")] string ToolVersion,
        [property: JsonPropertyName("self_test")] OneDnnSelfTestResult SelfTest);

    private static readonly JsonSerializerOptions CacheJson = new() { WriteIndented = true };

    /// <summary>The cached result for <paramref name="host"/>, or null when the file is missing, unreadable or for another host or version.</summary>
    public static OneDnnSelfTestResult? ReadCache(string file, HostIdentity host)
    {
        try
        {
            if (!File.Exists(file)) return null;
            var entry = JsonSerializer.Deserialize<CacheEntry>(File.ReadAllText(file), CacheJson);
            if (entry is null || entry.Version != CacheVersion || entry.Host != host || entry.SelfTest?.Counts is null) return null;
            return entry.SelfTest.Counts.Count > 0 ? entry.SelfTest : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    private static void WriteCache(string file, HostIdentity host, OneDnnSelfTestResult result)
    {
        try
        {
            var entry = new CacheEntry(CacheVersion, host, DateTimeOffset.UtcNow, ToolInfo.Version, result);
            AtomicFile.WriteAllText(file, JsonSerializer.Serialize(entry, CacheJson) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache is not an error: the next run tests again.
        }
    }
}
