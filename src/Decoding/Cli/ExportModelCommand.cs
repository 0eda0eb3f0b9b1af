using System.CommandLine;
using System.Diagnostics;
using Fmri.Core.Checkpoints;
using Fmri.Core.Runs;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding export-model FOLDER --out FOLDER</c>: a trained model folder (train-classifier, train-vae, train-ldm,
/// pretrain-mbm, train-adapter) as a weights-only copy to share or ship: EMA weights folded in, no optimiser state,
/// the training's own records kept (<see cref="ModelFolderExport"/>). Every command that loads the model reads the
/// copy as it reads the original, with the same numbers.
/// </summary>
public static class ExportModelCommand
{
    /// <summary>The export's own record, beside the training's <c>run.json</c> it copies.</summary>
    public const string RecordFile = "export-model.run.json";

    public static Command Create()
    {
        var source = new Argument<string>("model") { Description = "a model folder a training command wrote" };
        var output = new Option<string?>("--out", "-o") { Description = "new folder for the copy (must not hold files)", Required = true };
        var command = new Command("export-model", "Copy a trained model folder for sharing: weights only (EMA weights folded in), config, the training's records; no optimizer state") { source, output };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            string from = Check.ExistingFolder(parse.GetValue(source), "model");
            string to = Check.OutputFolder(parse.GetValue(output), "out");
            var checkpoints = ModelFolderExport.CheckpointNames(from);
            var written = ModelFolderExport.Export(from, to, staging => new RunManifest
            {
                Command = "export-model",
                Arguments = CommandLineApp.Arguments,
                Config = new { source = Path.GetFullPath(from), checkpoints },
                InputSha256 = RunManifest.HashInputs([.. Directory.GetFiles(from).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)]),
                Outputs = [to],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(staging, RecordFile)));
            if (!File.Exists(Path.Combine(from, "run.json")))
                Console.Error.WriteLine($"export-model: warning: {from} has no run.json (a training that has not finished?); the copy records nothing of how it was trained");
            Console.WriteLine($"export-model: {string.Join(", ", checkpoints)} from {from} -> {to} ({written.Count} files, no optimizer state)");
            return 0;
        }));
        return command;
    }
}
