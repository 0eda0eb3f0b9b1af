using System.Text.Json;
using System.Text.Json.Serialization;
using Fmri.Core.IO;

namespace Fmri.Core.Runs;

/// <summary>
/// What a run did, written next to what it produced (<c>run.json</c>): the command, its configuration,
/// the seeds, the SHA-256 of every input file, the tool and runtime versions, and the wall time.
/// </summary>
public sealed record RunManifest
{
    public string Command { get; init; } = "";
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public object? Config { get; init; }
    public IReadOnlyDictionary<string, long> Seeds { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, string> InputSha256 { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Outputs { get; init; } = [];
    public string ToolVersion { get; init; } = ToolInfo.Version;
    public string Runtime { get; init; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    /// <summary>
    /// The libtorch settings of the run (threads and why, device, whether backward passes used oneDNN and the self-test
    /// behind it): what <see cref="Torch.TorchSetup"/> applied in this process, null for commands that run no model.
    /// </summary>
    public Torch.TorchRunSettings? Torch { get; init; } = Fmri.Core.Torch.TorchSetup.Current;
    public DateTimeOffset StartedUtc { get; init; }
    public double WallSeconds { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Hashes each input (SHA-256) for the manifest: a file by its path, a folder as every file in it (recursively,
    /// in ordinal order). Paths that do not exist are left out (optional inputs a command did not have).
    /// </summary>
    public static IReadOnlyDictionary<string, string> HashInputs(params string[] files)
        => files.SelectMany(f => Directory.Exists(f) ? Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : (IEnumerable<string>)[f])
            .Where(File.Exists).Distinct().ToDictionary(f => f, FileHash.Sha256);

    /// <summary>
    /// The files an earlier run of <paramref name="command"/> recorded as its outputs in <paramref name="folder"/>'s
    /// run.json and that still exist there (none when the folder holds no such record). Only names directly in the
    /// folder count, so a record can never point at a file elsewhere. A command that replaces its folder's results
    /// removes those it does not write again, so a rerun with fewer outputs leaves no file of the earlier run behind.
    /// </summary>
    public static IReadOnlyList<string> EarlierOutputs(string folder, string command)
    {
        string record = Path.Combine(folder, "run.json");
        if (!File.Exists(record)) return [];
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(record));
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("command", out var recorded) || recorded.ValueKind != JsonValueKind.String || recorded.GetString() != command
                || !root.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Array)
                return [];
            string full = Path.GetFullPath(folder);
            return [.. outputs.EnumerateArray()
                .Where(o => o.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(Path.GetFileName(o.GetString())))
                .Select(o => Path.Combine(full, Path.GetFileName(o.GetString()!)))
                .Where(path => File.Exists(path) && !string.Equals(Path.GetFileName(path), "run.json", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal)];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Removes the files of <paramref name="earlier"/> (from <see cref="EarlierOutputs"/>) that are not among <paramref name="outputs"/>.</summary>
    public static void RemoveStale(IReadOnlyList<string> earlier, IEnumerable<string> outputs)
    {
        var kept = outputs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        foreach (string stale in earlier)
            if (!kept.Contains(Path.GetFullPath(stale))) File.Delete(stale);
    }

    /// <summary>
    /// Writes one run's files into <paramref name="folder"/> in place of an earlier run of the same command: every file of
    /// <paramref name="outputs"/> (written by <paramref name="writeOutputs"/>) and then run.json (from
    /// <paramref name="manifest"/>, built after the outputs so its wall time covers them), all or none
    /// (<see cref="AtomicFile.AllOrNone"/>); the files the earlier run recorded and this one does not write are removed
    /// (<see cref="EarlierOutputs"/>), so the folder never mixes two runs' results.
    /// </summary>
    public static void ReplaceRun(string folder, IReadOnlyList<string> outputs, Action writeOutputs, Func<RunManifest> manifest)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(writeOutputs);
        ArgumentNullException.ThrowIfNull(manifest);
        string record = Path.Combine(folder, "run.json");
        Directory.CreateDirectory(folder);
        AtomicFile.AllOrNone([.. outputs, record], () =>
        {
            writeOutputs();
            var run = manifest();
            RemoveStale(EarlierOutputs(folder, run.Command), outputs);
            run.Write(record);
        });
    }

    /// <summary>Writes the manifest as JSON, atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
}
