using System.Text.Json;
using Decoding.LatentDiffusion;
using Fmri.Core.Checkpoints;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>train-ldm --continue-from SOURCE</c>: a finished (or interrupted) training run carried on into a new folder, so
/// that the model at the source's step stays usable while the copy trains on. The copy is the source's checkpoint
/// (weights, EMA, optimiser, training state with the generator, loss curve and the model folder's static parts); the
/// trainer then resumes it, so with the constant learning rate the result is bit for bit the run that was asked for all
/// the steps at once (a cosine decay instead follows the new step count from the step reached).
/// </summary>
internal static class ContinuedRun
{
    /// <summary>Checks the source before anything is read: a train-ldm checkpoint with its training state, not --out
    /// itself, trained for fewer steps than asked for. Returns the source folder.</summary>
    public static string CheckSource(string source, string outFolder, long steps)
    {
        source = Check.ExistingFolder(source, "continue_from", "run train-ldm first");
        Check.That(!string.Equals(Path.GetFullPath(source).TrimEnd('/'), Path.GetFullPath(outFolder).TrimEnd('/'), StringComparison.Ordinal),
            "continue_from", source, "is --out itself; continue a folder in place with {resume}");
        var checkpoint = new LatentDiffusionModelFolder(source).Checkpoint;
        checkpoint.RecoverInterruptedSave();
        Check.That(checkpoint.Exists, "continue_from", source, $"holds no '{checkpoint.Name}' checkpoint (the --out of train-ldm)");
        long reached = checkpoint.ReadTrainingState()?.Step
            ?? throw new InvalidSettingException("continue_from", source, "holds weights without a training state; it cannot be continued");
        Check.That(reached < steps, "continue_from", source, $"is already at step {reached}; ask for more {{steps}} than that (asked: {steps})");
        return source;
    }

    /// <summary>The source's run.json names the SHA-256 of the images and autoencoder it was trained on; the continuation
    /// must train on the same (<paramref name="inputHashes"/>: this run's, by path; a source without run.json, an
    /// interrupted run, is not checked). Files in <paramref name="notRecordedBefore"/> (the autoencoder's config and EMA
    /// weights, which earlier versions did not hash) may be missing from the source's record.</summary>
    public static void CheckInputs(string source, IReadOnlyDictionary<string, string> inputHashes, IReadOnlyCollection<string>? notRecordedBefore = null)
    {
        string manifest = Path.Combine(source, "run.json");
        if (!File.Exists(manifest)) return;
        RunManifest? recorded;
        try
        {
            recorded = JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(manifest), RunManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidSettingException("continue_from", source, $"has an unreadable run.json: {e.Message}");
        }
        var theirs = (recorded?.InputSha256.Values ?? []).Order(StringComparer.Ordinal).ToList();
        var mine = inputHashes.Values.Order(StringComparer.Ordinal).ToList();
        var mineAsBefore = inputHashes.Where(p => notRecordedBefore?.Contains(p.Key) != true).Select(p => p.Value).Order(StringComparer.Ordinal).ToList();
        Check.That(theirs.SequenceEqual(mine) || theirs.SequenceEqual(mineAsBefore), "continue_from", source,
            "was trained on other images or another autoencoder (the SHA-256 in its run.json differ from this run's inputs); continue it with the same --images and --vae");
    }

    /// <summary>Copies the source's files (all but run.json and the preview, which the continued run writes) into
    /// <paramref name="outFolder"/>, the checkpoint's manifest last: a copy cut short leaves no checkpoint, so it is made
    /// again rather than resumed.</summary>
    public static void Copy(string source, string outFolder)
    {
        Directory.CreateDirectory(outFolder);
        string manifest = new LatentDiffusionModelFolder(source).Checkpoint.ManifestPath;
        var skipped = new HashSet<string>(StringComparer.Ordinal) { "run.json", TrainLdmCommand.PreviewFile, Path.GetFileName(manifest) };
        foreach (var file in Directory.EnumerateFiles(source).Order(StringComparer.Ordinal))
            if (!skipped.Contains(Path.GetFileName(file)))
                File.Copy(file, Path.Combine(outFolder, Path.GetFileName(file)), overwrite: true);
        string target = Path.Combine(outFolder, Path.GetFileName(manifest));
        File.Copy(manifest, target + ".copying", overwrite: true);
        File.Move(target + ".copying", target, overwrite: true);
    }
}
