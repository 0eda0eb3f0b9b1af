using System.Text.Json;
using System.Text.Json.Serialization;
using Fmri.Core.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Core.Checkpoints;

/// <summary>
/// A model checkpoint: files named <c>&lt;name&gt;.*</c> in one folder.
/// <list type="bullet">
/// <item><c>&lt;name&gt;.safetensors</c>: the model's state dict (parameters and buffers).</item>
/// <item><c>&lt;name&gt;.config.json</c>: the model's config record, serialised with the caller's field names.</item>
/// <item><c>&lt;name&gt;.ema.safetensors</c> (optional): exponential-moving-average weights.</item>
/// <item><c>&lt;name&gt;.optimizer.bin</c> (optional): optimiser state in TorchSharp's own format.</item>
/// <item><c>&lt;name&gt;.checkpoint.json</c>: written last; the training state (step, epoch, seed, generator
/// states) and the SHA-256 of every other file, so a checkpoint whose save was interrupted, or whose files were
/// mixed with another's, is refused instead of loading half-new weights.</item>
/// </list>
/// Loading checks the stored config against the one the caller asks for and lists every differing field.
/// <para>
/// A save is a small transaction so that a process killed at any moment leaves a checkpoint that can be resumed:
/// every file, the manifest last, is first written into the hidden staging folder <c>.&lt;name&gt;.saving</c>, then
/// moved over the checkpoint's files, the manifest last. <see cref="RecoverInterruptedSave"/> (run by
/// <see cref="Training.CheckpointedTraining.CheckStart"/>) finishes the moves of a save killed while moving (its
/// staged manifest is there) and discards a save killed while staging (the previous checkpoint is untouched).
/// </para>
/// </summary>
public sealed class ModelCheckpoint
{
    /// <summary>Version of the manifest layout, stored in it.</summary>
    public const int FormatVersion = 1;

    /// <summary>Config serialisation used when the caller gives none: indented, field names as the record declares them.</summary>
    public static readonly JsonSerializerOptions DefaultJsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions ManifestJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public ModelCheckpoint(string folder, string name = "model")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/'))
            throw new ArgumentException($"checkpoint name '{name}' must be a plain file name");
        Folder = folder;
        Name = name;
    }

    public string Folder { get; }
    public string Name { get; }
    public string WeightsPath => Path.Combine(Folder, $"{Name}.safetensors");
    public string ConfigPath => Path.Combine(Folder, $"{Name}.config.json");
    public string EmaWeightsPath => Path.Combine(Folder, $"{Name}.ema.safetensors");
    public string OptimizerStatePath => Path.Combine(Folder, $"{Name}.optimizer.bin");
    public string ManifestPath => Path.Combine(Folder, $"{Name}.checkpoint.json");

    /// <summary>The files a model is built from: weights, EMA weights (when saved) and config (for a run's input hashes).</summary>
    public IReadOnlyList<string> ModelFiles => [WeightsPath, EmaWeightsPath, ConfigPath];

    /// <summary>Where a save writes its files before moving them into <see cref="Folder"/> (removed when the save is done).</summary>
    public string StagingFolder => Path.Combine(Folder, $".{Name}.saving");

    /// <summary>True when a complete checkpoint (its manifest) is present.</summary>
    public bool Exists => File.Exists(ManifestPath);

    /// <summary>
    /// Saves the checkpoint: all files are written into <see cref="StagingFolder"/>, the manifest last, then moved into
    /// the folder, the manifest last (see the class summary); optional files of an earlier checkpoint of the same name
    /// that this save does not include are removed.
    /// </summary>
    /// <param name="model">Module whose state dict is saved.</param>
    /// <param name="config">The model's config record.</param>
    /// <param name="training">Counters, seed and generator states; null for a weights-only checkpoint.</param>
    /// <param name="emaWeights">Exponential-moving-average weights by parameter name, or null.</param>
    /// <param name="emaMetadata">String metadata stored with the EMA weights (decay, optimisation step, ...).</param>
    /// <param name="optimizer">Optimiser whose state is saved, or null.</param>
    /// <param name="json">Serialiser options for the config; <see cref="DefaultJsonOptions"/> when null.</param>
    public void Save<TConfig>(Module model, TConfig config, TrainingState? training = null,
        IReadOnlyDictionary<string, Tensor>? emaWeights = null, IReadOnlyDictionary<string, string>? emaMetadata = null,
        OptimizerHelper? optimizer = null, JsonSerializerOptions? json = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(Folder);
        RecoverInterruptedSave();
        Directory.CreateDirectory(StagingFolder);
        string Staged(string path) => Path.Combine(StagingFolder, Path.GetFileName(path));

        var written = new List<string>();
        ModuleWeights.Save(model, Staged(WeightsPath), new Dictionary<string, string> { ["config_type"] = typeof(TConfig).Name });
        written.Add(Staged(WeightsPath));

        AtomicFile.WriteAllText(Staged(ConfigPath), JsonSerializer.Serialize(config, json ?? DefaultJsonOptions) + "\n");
        written.Add(Staged(ConfigPath));

        if (emaWeights is not null)
        {
            SafetensorsFile.Write(Staged(EmaWeightsPath), emaWeights, emaMetadata);
            written.Add(Staged(EmaWeightsPath));
        }
        if (optimizer is not null)
        {
            AtomicFile.Write(Staged(OptimizerStatePath), optimizer.save_state_dict);
            written.Add(Staged(OptimizerStatePath));
        }

        var manifest = new CheckpointManifest
        {
            FormatVersion = FormatVersion,
            Name = Name,
            ToolVersion = ToolInfo.Version,
            SavedUtc = DateTimeOffset.UtcNow,
            Training = training,
            Files = written.ToDictionary(p => Path.GetFileName(p), FileHash.Sha256, StringComparer.Ordinal),
        };
        AtomicFile.WriteAllText(Staged(ManifestPath), JsonSerializer.Serialize(manifest, ManifestJson) + "\n");
        CommitStaged(manifest);
    }

    /// <summary>
    /// Completes or discards a save that was interrupted (the process killed): with a staged manifest every file was
    /// staged, and the moves into the folder are finished; without one the staged files are discarded and the
    /// previous checkpoint, which the save had not touched, stays. Does nothing when no save was interrupted.
    /// </summary>
    public void RecoverInterruptedSave()
    {
        if (!Directory.Exists(StagingFolder)) return;
        string stagedManifest = Path.Combine(StagingFolder, Path.GetFileName(ManifestPath));
        if (File.Exists(stagedManifest))
            CommitStaged(ReadManifest(stagedManifest));
        else
            Directory.Delete(StagingFolder, recursive: true);
    }

    /// <summary>Moves the staged files of <paramref name="manifest"/> into the folder, the manifest last (files moved before an interruption are skipped).</summary>
    private void CommitStaged(CheckpointManifest manifest)
    {
        foreach (var file in manifest.Files.Keys)
        {
            string staged = Path.Combine(StagingFolder, file);
            if (File.Exists(staged)) File.Move(staged, Path.Combine(Folder, file), overwrite: true);
        }
        File.Move(Path.Combine(StagingFolder, Path.GetFileName(ManifestPath)), ManifestPath, overwrite: true);
        foreach (var optional in new[] { EmaWeightsPath, OptimizerStatePath })
            if (!manifest.Files.ContainsKey(Path.GetFileName(optional)) && File.Exists(optional)) File.Delete(optional);
        Directory.Delete(StagingFolder, recursive: true);
    }

    /// <summary>Reads the stored config record (for callers that build the model from the checkpoint).</summary>
    public TConfig ReadConfig<TConfig>(JsonSerializerOptions? json = null)
    {
        string text = ReadVerifiedText(ConfigPath);
        try
        {
            return JsonSerializer.Deserialize<TConfig>(text, json ?? DefaultJsonOptions)
                ?? throw new DataFormatException(ConfigPath, "config", "is JSON null");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(ConfigPath, e.Path ?? "config", $"cannot be read as {typeof(TConfig).Name}: {FirstLine(e.Message)}");
        }
    }

    /// <summary>
    /// Checks that the stored config equals <paramref name="requested"/> (both serialised with the same options);
    /// otherwise throws one error that lists every differing field with both values.
    /// </summary>
    public void CheckConfig<TConfig>(TConfig requested, JsonSerializerOptions? json = null)
    {
        ArgumentNullException.ThrowIfNull(requested);
        string text = ReadVerifiedText(ConfigPath);
        JsonDocument stored;
        try
        {
            stored = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(ConfigPath, "config", $"is not valid JSON ({FirstLine(e.Message)})");
        }
        using (stored)
        {
            var wanted = JsonSerializer.SerializeToElement(requested, json ?? DefaultJsonOptions);
            var differences = ConfigDifferences.Find(stored.RootElement, wanted);
            if (differences.Count > 0)
                throw new DataFormatException(ConfigPath, "config",
                    $"checkpoint was saved with a different {typeof(TConfig).Name} than requested ({differences.Count} field(s)): {string.Join("; ", differences)}");
        }
    }

    /// <summary>Checks the config, then loads the model weights strictly (see <see cref="ModuleWeights.LoadStrict(Module, string, string?)"/>).</summary>
    public void LoadWeights<TConfig>(Module model, TConfig requested, JsonSerializerOptions? json = null)
    {
        CheckConfig(requested, json);
        VerifyHash(WeightsPath);
        ModuleWeights.LoadStrict(model, WeightsPath);
    }

    /// <summary>True when the checkpoint holds EMA weights.</summary>
    public bool HasEmaWeights => ReadManifest().Files.ContainsKey(Path.GetFileName(EmaWeightsPath));

    /// <summary>True when the checkpoint holds optimiser state.</summary>
    public bool HasOptimizerState => ReadManifest().Files.ContainsKey(Path.GetFileName(OptimizerStatePath));

    /// <summary>Reads the EMA weights and their metadata (the caller disposes the content).</summary>
    public SafetensorsContent ReadEmaWeights()
    {
        if (!HasEmaWeights) throw new DataFormatException(ManifestPath, "files", $"checkpoint '{Name}' holds no EMA weights");
        VerifyHash(EmaWeightsPath);
        return SafetensorsFile.Read(EmaWeightsPath);
    }

    /// <summary>Loads the saved optimiser state into <paramref name="optimizer"/> (built over the same parameters).</summary>
    public void LoadOptimizerState(OptimizerHelper optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!HasOptimizerState) throw new DataFormatException(ManifestPath, "files", $"checkpoint '{Name}' holds no optimizer state");
        VerifyHash(OptimizerStatePath);
        try
        {
            optimizer.load_state_dict(OptimizerStatePath);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new DataFormatException(OptimizerStatePath, "optimizer state", $"does not fit this optimizer: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The saved training state, or null for a weights-only checkpoint.</summary>
    public TrainingState? ReadTrainingState() => ReadManifest().Training;

    /// <summary>Metadata key of the weights of an exported copy that holds the EMA weights in place of the live ones.</summary>
    public const string FoldedEmaKey = "ema_weights";

    /// <summary>
    /// Writes a weights-only copy of this checkpoint into <paramref name="destinationFolder"/> (same name): the model's
    /// state dict with the EMA weights, when the checkpoint has them, in place of the live ones (the weights every
    /// sampling command loads), the config, and a manifest without training state. No optimiser state, so the copy
    /// cannot be resumed; loading it gives a model equal, tensor by tensor, to loading this checkpoint with its EMA weights.
    /// Every file read is checked against this manifest first.
    /// </summary>
    /// <returns>The copy.</returns>
    public ModelCheckpoint ExportWeightsOnly(string destinationFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationFolder);
        var source = ReadManifest();
        if (string.Equals(Path.GetFullPath(destinationFolder).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(Folder).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new ArgumentException($"{destinationFolder}: a weights-only copy cannot replace the checkpoint it is made from", nameof(destinationFolder));
        var copy = new ModelCheckpoint(destinationFolder, Name);
        Directory.CreateDirectory(destinationFolder);
        VerifyHash(WeightsPath);
        VerifyHash(ConfigPath);
        if (HasEmaWeights)
        {
            using var live = SafetensorsFile.Read(WeightsPath);
            using var ema = ReadEmaWeights();
            foreach (var (name, tensor) in ema.Tensors)
                if (!live.Tensors.TryGetValue(name, out var weight) || !weight.shape.SequenceEqual(tensor.shape) || weight.dtype != tensor.dtype)
                    throw new DataFormatException(EmaWeightsPath, name, $"has no tensor of the same shape and type in {WeightsPath}");
            var folded = live.Tensors.ToDictionary(p => p.Key, p => ema.Tensors.TryGetValue(p.Key, out var shadow) ? shadow : p.Value, StringComparer.Ordinal);
            var metadata = live.Metadata.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            metadata[FoldedEmaKey] = "the EMA weights of the checkpoint this copy was exported from";
            foreach (var (key, value) in ema.Metadata) metadata[$"ema_{key}"] = value;
            SafetensorsFile.Write(copy.WeightsPath, folded, metadata);
        }
        else
        {
            File.Copy(WeightsPath, copy.WeightsPath, overwrite: true);
        }
        File.Copy(ConfigPath, copy.ConfigPath, overwrite: true);
        var manifest = source with
        {
            Training = null,
            Files = new[] { copy.WeightsPath, copy.ConfigPath }.ToDictionary(p => Path.GetFileName(p), FileHash.Sha256, StringComparer.Ordinal),
        };
        AtomicFile.WriteAllText(copy.ManifestPath, JsonSerializer.Serialize(manifest, ManifestJson) + "\n");
        return copy;
    }

    private CheckpointManifest ReadManifest() => ReadManifest(ManifestPath);

    private CheckpointManifest ReadManifest(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: checkpoint manifest not found (no checkpoint '{Name}' in {Folder}, or its save did not finish)", path);
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path), ManifestJson);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, e.Path ?? "manifest", $"is not a checkpoint manifest: {FirstLine(e.Message)}");
        }
        if (manifest is null || manifest.Files.Count == 0)
            throw new DataFormatException(path, "files", "the manifest lists no files");
        if (manifest.FormatVersion != FormatVersion)
            throw new DataFormatException(path, "format_version", $"is {manifest.FormatVersion}; this program reads version {FormatVersion}");
        return manifest;
    }

    private string ReadVerifiedText(string path)
    {
        VerifyHash(path);
        return File.ReadAllText(path);
    }

    private void VerifyHash(string path)
    {
        var manifest = ReadManifest();
        string file = Path.GetFileName(path);
        if (!manifest.Files.TryGetValue(file, out var expected))
            throw new DataFormatException(ManifestPath, "files", $"does not list {file}");
        if (!File.Exists(path))
            throw new DataFormatException(ManifestPath, $"files.{file}", "is listed but the file is missing");
        string actual = FileHash.Sha256(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new DataFormatException(path, "sha256",
                $"does not match the checkpoint manifest (file changed after the checkpoint was saved, or the save was interrupted)");
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    /// <summary>The manifest file: written last, it makes a checkpoint complete.</summary>
    private sealed record CheckpointManifest
    {
        [JsonPropertyName("format_version")] public int FormatVersion { get; init; }
        [JsonPropertyName("name")] public string Name { get; init; } = "";
        [JsonPropertyName("tool_version")] public string ToolVersion { get; init; } = "";
        [JsonPropertyName("saved_utc")] public DateTimeOffset SavedUtc { get; init; }
        [JsonPropertyName("training")] public TrainingState? Training { get; init; }
        [JsonPropertyName("files")] public Dictionary<string, string> Files { get; init; } = new(StringComparer.Ordinal);
    }
}
