using System.Text.Json;
using Decoding.LatentDiffusion;
using Fmri.Core.Checkpoints;
using Fmri.Core.Runs;
using Fmri.Data.Stimuli;

namespace Decoding.Demo;

/// <summary>Where a demo's scoring classifier, VAE and LDM came from, as its run.json records it.</summary>
/// <param name="Kind"><see cref="Shipped"/> (the repository's), <see cref="Given"/> (another run's, `--image-models`)
/// or <see cref="Trained"/> (by the run's own stages).</param>
/// <param name="Folder">The run folder whose <c>models</c> hold them; null when trained by the run.</param>
/// <param name="Reason">Why.</param>
public sealed record ImageModelSource(
    [property: System.Text.Json.Serialization.JsonPropertyName("kind")] string Kind,
    [property: System.Text.Json.Serialization.JsonPropertyName("folder")] string? Folder,
    [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string Reason)
{
    public const string Shipped = "shipped";
    public const string Given = "image-models";
    public const string Trained = "trained";
}

/// <summary>
/// The image models the repository ships for a preset (<c>data/pretrained/&lt;preset&gt;/models</c>): the scoring
/// classifier, the VAE and the LDM (both of its stages), trained by this program with the demo's own commands and
/// exported weights-only (<c>decoding export-model</c>). None of them reads the fMRI, so a demo can start from them as
/// MinD-Vis starts from a pretrained LDM, and train only the brain side. The demo uses them only when each was trained
/// by exactly the command the demo would run (each model's <c>run.json</c> records it), apart from where it wrote
/// and with how many threads or on which device, and, for the VAE and the LDM, with the preset settings this program
/// has (recorded there too): a preset, seed or step count that differs trains the models here. A change to the
/// training code that shows in neither goes unnoticed; the shipped models are then made again (data/pretrained/README.md).
/// </summary>
public static class PretrainedImageModels
{
    /// <summary>The folder under the repository's <c>data</c> that holds one sub-folder per preset.</summary>
    public const string FolderName = "pretrained";

    /// <summary>The image models' folders under a run's <c>models</c> (the small preset has all four, the tiny one no <c>ldm-1200</c>).</summary>
    public static IReadOnlyList<string> ModelFolders { get; } = ["classifier", "vae", "ldm-1200", "ldm"];

    /// <summary>The plan's stages that train image models (none of them reads the fMRI).</summary>
    public static IReadOnlyList<string> StageNames { get; } = ["train-classifier", "train-vae", "train-ldm", "continue-ldm"];

    /// <summary>Options whose values say where a model is written or read, compared by the folder's name only.</summary>
    private static readonly string[] FolderOptions = ["--out", "--vae", "--continue-from"];

    /// <summary>Options that change how a command runs but are left out of the comparison (see the class remarks).</summary>
    private static readonly string[] RunOptions = ["--threads", "--device", "--onednn-backward"];

    /// <summary>Flags left out of the comparison: `--resume` continues an interrupted run to the same weights.</summary>
    private static readonly string[] RunFlags = ["--resume"];

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
        var training = plan.Where(s => StageNames.Contains(s.Name)).ToList();
        if (training.Count == 0) throw new ArgumentException("the plan trains no image models: make it without image models to reuse", nameof(plan));
        foreach (var stage in training)
        {
            int output = stage.Arguments.ToList().IndexOf("--out");
            string model = Path.GetFileName(stage.Arguments[output + 1].TrimEnd('/', '\\'));
            string record = Path.Combine(shipped, "models", model, "run.json");
            if (!File.Exists(record)) return $"{record} is missing";
            IReadOnlyList<string> recorded;
            JsonElement? recordedPreset;
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(record));
                recorded = [.. json.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString() ?? "")];
                recordedPreset = json.RootElement.TryGetProperty("config", out var config) && config.TryGetProperty("preset", out var preset) ? preset.Clone() : null;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"{record} records no command line ({e.Message})";
            }
            var wanted = Comparable(stage.Arguments);
            var trained = Comparable(recorded);
            if (!wanted.SequenceEqual(trained, StringComparer.Ordinal))
                return $"models/{model} was trained by `{string.Join(' ', trained)}`; this demo's stage {stage.Name} runs `{string.Join(' ', wanted)}`";
            if (PresetDifferences(stage.Arguments, recordedPreset) is { Count: > 0 } differences)
                return $"models/{model} was trained with other preset settings than this program's ({string.Join("; ", differences.Take(3))}{(differences.Count > 3 ? "; ..." : "")})";
        }
        return null;
    }

    /// <summary>
    /// For a stage given `--preset NAME`: how the preset settings its model's run.json recorded differ from this
    /// program's preset of that name (architecture, optimiser, schedule, ...), leaving out the step counts the command
    /// line sets (and <see cref="Mismatch"/> compares); empty when they agree or the stage takes no preset.
    /// <paramref name="recorded"/>: the run.json's <c>config.preset</c>, null when it has none.
    /// </summary>
    private static IReadOnlyList<string> PresetDifferences(IReadOnlyList<string> arguments, JsonElement? recorded)
    {
        int option = arguments.ToList().IndexOf("--preset");
        if (option < 0 || option + 1 >= arguments.Count) return [];
        if (recorded is not { } preset) return ["no preset recorded"];
        var current = JsonSerializer.SerializeToElement(LatentDiffusionPreset.FromName(arguments[option + 1]), RunManifest.JsonOptions);
        return [.. ConfigDifferences.Find(preset, current).Where(difference =>
        {
            // "ldm_training.snr_gamma: checkpoint 5, requested (absent)": the field's path, then the two values.
            string path = difference[..Math.Max(0, difference.IndexOf(": ", StringComparison.Ordinal))];
            return !path.Split('.').Any(field => CommandLineFields.Contains(field.Split('[')[0]));
        })];
    }

    /// <summary>Preset fields the training commands' own options set (`--steps`, `--checkpoint-every`, `--snr-gamma`,
    /// `--prediction-type`, `--lr-scheduler`, the augmentation options), compared through the command line.</summary>
    private static readonly string[] CommandLineFields = ["max_train_steps", "checkpointing_steps", "snr_gamma", "prediction_type", "lr_scheduler", "augmentation"];

    /// <summary>
    /// Where a demo takes its image models from: <paramref name="given"/> (`--image-models`) when set; the repository's
    /// for <paramref name="preset"/> unless <paramref name="train"/> (`--train-image-models`) or they do not fit
    /// <paramref name="plan"/> (the demo's plan made without image models to reuse, <see cref="Mismatch"/>); else its own
    /// training stages. The source's <see cref="ImageModelSource.Folder"/> is the run folder to reuse, null to train.
    /// </summary>
    public static ImageModelSource Choose(string preset, string? given, bool train, Func<IReadOnlyList<DemoStage>> plan, string? dataFolder = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (given is not null) return new ImageModelSource(ImageModelSource.Given, given, "given with --image-models");
        if (train) return new ImageModelSource(ImageModelSource.Trained, null, "--train-image-models");
        if (Find(preset, dataFolder) is not { } shipped)
            return new ImageModelSource(ImageModelSource.Trained, null, $"no shipped image models for preset {preset} were found (data/{FolderName}/{preset} beside Decoding.sln)");
        return Mismatch(plan(), shipped) is { } why
            ? new ImageModelSource(ImageModelSource.Trained, null, $"the shipped ones in {shipped} were trained otherwise: {why}")
            : new ImageModelSource(ImageModelSource.Shipped, shipped, "each trained by this program with the command this demo's stage would run; --train-image-models trains them here");
    }

    /// <summary>
    /// The image models of <paramref name="runFolder"/> (<see cref="ModelFolders"/> under its <c>models</c>) as one
    /// SHA-256: of each checkpoint manifest in each of those folders (each manifest holds the SHA-256 of its checkpoint's files). Models exported or
    /// trained again give another fingerprint, so the demo stages that read them run again (<see cref="DemoStage.InputsFingerprint"/>).
    /// </summary>
    public static string Fingerprint(string runFolder)
    {
        string models = Path.Combine(runFolder, "models");
        var lines = Manifests(runFolder).Select(manifest => $"{Path.GetRelativePath(models, manifest)} {Fmri.Core.IO.FileHash.Sha256(manifest)}");
        return "image models " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines))));
    }

    /// <summary>
    /// Every file the demo's stages load from the image models of <paramref name="runFolder"/>: each checkpoint's
    /// weights, EMA weights and config, and the LDM's tokenizer and class means (not loss curves, previews or optimizer
    /// state). Paths that do not exist are included; hashing leaves them out.
    /// </summary>
    public static IEnumerable<string> LoadedFiles(string runFolder) =>
        Manifests(runFolder).SelectMany(manifest =>
        {
            string folder = Path.GetDirectoryName(manifest)!;
            var checkpoint = new ModelCheckpoint(folder, Path.GetFileName(manifest)[..^CheckpointManifestSuffix.Length]);
            return checkpoint.ModelFiles;
        }).Concat(ModelFolders.Select(name => Path.Combine(runFolder, "models", name)).Where(Directory.Exists).SelectMany(folder => new[]
        {
            Path.Combine(folder, LatentDiffusionModelFolder.TokenizerFile), Path.Combine(folder, LatentDiffusionModelFolder.ClassMeansFile),
        }));

    private const string CheckpointManifestSuffix = ".checkpoint.json";

    /// <summary>The checkpoint manifests of <paramref name="runFolder"/>'s image models, folder by folder in <see cref="ModelFolders"/> order.</summary>
    private static IEnumerable<string> Manifests(string runFolder) =>
        ModelFolders.Select(name => Path.Combine(runFolder, "models", name)).Where(Directory.Exists)
            .SelectMany(folder => Directory.GetFiles(folder, "*" + CheckpointManifestSuffix).Order(StringComparer.Ordinal));

    /// <summary>A command line without <see cref="RunOptions"/> and with each of <see cref="FolderOptions"/> naming only its folder.</summary>
    private static List<string> Comparable(IReadOnlyList<string> arguments)
    {
        var kept = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            if (RunFlags.Contains(arguments[i])) continue;
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
