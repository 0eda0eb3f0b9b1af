using System.Text.Json;
using Fmri.Data.Stimuli;

namespace Decoding.Demo;

/// <summary>
/// The image models the repository ships for a preset (<c>data/pretrained/&lt;preset&gt;/models</c>): the scoring
/// classifier, the VAE and the LDM (both of its stages), trained by this program with the demo's own commands and
/// exported weights-only (<c>decoding export-model</c>). None of them reads the fMRI, so a demo can start from them as
/// MinD-Vis starts from a pretrained LDM, and train only the brain side. The demo uses them only when each was trained
/// by exactly the command the demo would run (each model's <c>run.json</c> records it), apart from where it wrote
/// and with how many threads or on which device: a preset, seed or step count that differs trains the models here.
/// </summary>
public static class PretrainedImageModels
{
    /// <summary>The folder under the repository's <c>data</c> that holds one sub-folder per preset.</summary>
    public const string FolderName = "pretrained";

    /// <summary>The plan's stages that train image models (none of them reads the fMRI).</summary>
    public static IReadOnlyList<string> StageNames { get; } = ["train-classifier", "train-vae", "train-ldm", "continue-ldm"];

    /// <summary>Options whose values say where a model is written or read, compared by the folder's name only.</summary>
    private static readonly string[] FolderOptions = ["--out", "--vae", "--continue-from"];

    /// <summary>Options that change how a command runs but are left out of the comparison (see the class remarks).</summary>
    private static readonly string[] RunOptions = ["--threads", "--device", "--onednn-backward"];

    /// <summary>The run folder (holding <c>models</c>) the repository ships for <paramref name="preset"/>, or null.</summary>
    /// <param name="dataFolder">The repository's data folder; null: found from the program's location (<see cref="RepositoryData"/>).</param>
    public static string? Find(string preset, string? dataFolder = null)
    {
        string data;
        try
        {
            data = dataFolder ?? RepositoryData.FindDataFolder();
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        string folder = Path.Combine(data, FolderName, preset);
        return Directory.Exists(Path.Combine(folder, "models")) ? folder : null;
    }

    /// <summary>
    /// Why the models in <paramref name="shipped"/> cannot stand in for the image-model stages of <paramref name="plan"/>
    /// (a plan made without image models to reuse), or null when each was trained by the command its stage would run.
    /// </summary>
    public static string? Mismatch(IReadOnlyList<DemoStage> plan, string shipped)
    {
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var stage in plan.Where(s => StageNames.Contains(s.Name)))
        {
            int output = stage.Arguments.ToList().IndexOf("--out");
            string model = Path.GetFileName(stage.Arguments[output + 1].TrimEnd('/', '\\'));
            string record = Path.Combine(shipped, "models", model, "run.json");
            if (!File.Exists(record)) return $"{record} is missing";
            IReadOnlyList<string> recorded;
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(record));
                recorded = [.. json.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString() ?? "")];
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"{record} records no command line ({e.Message})";
            }
            var wanted = Comparable(stage.Arguments);
            var trained = Comparable(recorded);
            if (!wanted.SequenceEqual(trained, StringComparer.Ordinal))
                return $"models/{model} was trained by `{string.Join(' ', trained)}`; this demo's stage {stage.Name} runs `{string.Join(' ', wanted)}`";
        }
        return null;
    }

    /// <summary>A command line without <see cref="RunOptions"/> and with each of <see cref="FolderOptions"/> naming only its folder.</summary>
    private static List<string> Comparable(IReadOnlyList<string> arguments)
    {
        var kept = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            if (RunOptions.Contains(arguments[i]) && i + 1 < arguments.Count)
            {
                i++;
                continue;
            }
            kept.Add(arguments[i]);
            if (FolderOptions.Contains(arguments[i]) && i + 1 < arguments.Count)
                kept.Add(Path.GetFileName(arguments[++i].TrimEnd('/', '\\')));
        }
        return kept;
    }
}
