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

    /// <summary>Writes the manifest as JSON, atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
}
