namespace Fmri.Core.Checkpoints;

/// <summary>
/// A trained model folder made ready to share: every checkpoint in it (each <c>&lt;name&gt;.checkpoint.json</c>) becomes
/// a weights-only checkpoint with its EMA weights folded in (<see cref="ModelCheckpoint.ExportWeightsOnly"/>), and every
/// other file beside them (the training's <c>run.json</c>, loss curves, tokenizer, sample grids, descriptions) is copied
/// as it is. Optimiser state is left behind: an exported folder is for the commands that load a model, not for
/// resuming its training. The copy is written into a hidden folder next to the destination and moved into place
/// at the end, so an interrupted export leaves no half-written destination.
/// </summary>
public static class ModelFolderExport
{
    private const string ManifestSuffix = ".checkpoint.json";

    /// <summary>Names of the checkpoints in <paramref name="folder"/> (from their manifests), sorted.</summary>
    public static IReadOnlyList<string> CheckpointNames(string folder)
        => Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, "*" + ManifestSuffix).Select(p => Path.GetFileName(p)[..^ManifestSuffix.Length]).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Exports <paramref name="source"/> into <paramref name="destination"/>, which must not exist yet (or be empty).</summary>
    /// <param name="finish">Called with the hidden folder the copy is written into, after the copy and before it moves
    /// into place (to add a record of the export); null: nothing.</param>
    /// <returns>The files written, relative to <paramref name="destination"/>, sorted.</returns>
    /// <exception cref="InvalidSettingException">The source holds no checkpoint or a sub-folder (hidden ones, such as an
    /// interrupted save's staging folder, aside), or the destination holds files.</exception>
    public static IReadOnlyList<string> Export(string source, string destination, Action<string>? finish = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var names = CheckpointNames(source);
        if (names.Count == 0)
            throw new InvalidSettingException("model", source, $"holds no checkpoint (no *{ManifestSuffix}); name a folder a training command wrote");
        if (Directory.GetDirectories(source).Select(Path.GetFileName).FirstOrDefault(d => d is not null && !d.StartsWith('.')) is { } folder)
            throw new InvalidSettingException("model", source, $"holds the folder {folder}; a model folder a training command wrote holds files only");
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            throw new InvalidSettingException("out", destination, "already holds files; name a new folder");
        string full = Path.GetFullPath(destination).TrimEnd(Path.DirectorySeparatorChar);
        string staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.exporting");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            // A checkpoint's own files: what its manifest governs (weights, config, EMA, optimiser state, manifest).
            var checkpointFiles = names.SelectMany(n => new[] { ".safetensors", ".config.json", ".ema.safetensors", ".optimizer.bin", ManifestSuffix }
                .Select(suffix => n + suffix)).ToHashSet(StringComparer.Ordinal);
            foreach (string name in names) new ModelCheckpoint(source, name).ExportWeightsOnly(staging);
            foreach (string file in Directory.GetFiles(source))
            {
                string fileName = Path.GetFileName(file);
                if (checkpointFiles.Contains(fileName) || fileName.StartsWith('.')) continue;
                File.Copy(file, Path.Combine(staging, fileName));
            }
            finish?.Invoke(staging);
            var written = Directory.GetFiles(staging).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            if (Directory.Exists(full)) Directory.Delete(full);   // empty, checked above
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            Directory.Move(staging, full);
            return written;
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
