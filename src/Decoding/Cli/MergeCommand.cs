using System.CommandLine;
using System.Diagnostics;
using Decoding.Decode;
using Fmri.Core.IO;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding merge --shards DIR... --out DIR</c>: joins the outputs of <c>decode --shard i/N</c> into the folder a single
/// process writes (decoded.h5, the PNGs, grid.png, run.json). Every shard is checked first (<see cref="DecodedShards"/>):
/// none missing or repeated, all of one split, one set of inputs, one selection and one group of settings; then the
/// stimuli are read again from the files the shards name (their SHA-256 must not have changed) to draw the grid.
/// </summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var shards = CommonOptions.Files("--shards", "The shard folders written by decode --shard i/N (all N of them)", required: true);
        var output = new Option<string?>("--out") { Description = "Output folder: decoded.h5, PNGs, grid.png and run.json, as one decode writes them", Required = true };
        var command = new Command("merge", "Join the shards of a decode (decode --shard i/N) into one decoded.h5, PNGs and grid, as one process writes them") { shards, output };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var folders = parse.GetValue(shards) ?? [];
            // A merged folder holds what one decode would have written: either may write where the other did.
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", ["merge", "decode"], [.. folders.Select(f => ((string?)f, "shards"))]);
            var merged = DecodedShards.Read(folders);

            // The items as decode built them, from the inputs the shards name, which must be the files they were decoded from.
            string Attribute(string name) => merged.Attributes.FirstOrDefault(a => a.Key == name).Value as string
                ?? throw new InvalidSettingException("shards", folders[0], $"hold no '{name}' attribute in decoded.h5 (written by an older decode?)");
            string dataFile = Attribute("data"), stimuliFile = Attribute("stimuli");
            var inputs = merged.Records[0].InputSha256;
            foreach (var file in new[] { dataFile, stimuliFile })
            {
                Check.That(File.Exists(file), "shards", folders[0], $"were decoded from {file}, which no longer exists");
                Check.That(inputs.TryGetValue(file, out var hash) && hash == FileHash.Sha256(file), "shards", folders[0], $"were decoded from {file}, which has changed since");
            }
            var split = Check.OneOf(Attribute("split"), DecodeCommand.Splits, "split");
            var items = StimulusPairs.ForSplit(CanonicalFile.Read(dataFile), dataFile, split, StimulusImageSet.Read(stimuliFile), stimuliFile, merged.Height, merged.Channels);
            Check.That(items.StimulusIds.Select(id => id.Value).SequenceEqual(merged.StimulusIds), "shards", folders[0],
                $"hold {merged.Count} items that are not the {split.ToString().ToLowerInvariant()} split of {dataFile} ({items.Count} items)");

            using var pixels = tensor(merged.Pixels, [merged.Count, merged.Samples, merged.Height, merged.Width, merged.Channels], ScalarType.Byte);   // (N, K, H, W, C)
            using var images = pixels.permute(0, 1, 4, 2, 3).to(ScalarType.Float32) / 255.0f;                                                    // (N, K, C, H, W)
            var attributes = new Dictionary<string, object>();
            foreach (var (name, value) in merged.Attributes) attributes[name] = value;
            DecodingRun.Write(images, items, merged.Method, merged.Control, outDir, attributes);
            items.Images.Dispose();

            long Seed(string name) => merged.Attributes.FirstOrDefault(a => a.Key == name).Value is long v ? v : 0;
            // The decode settings and libtorch setup of the shards (the first shard's run.json; the shards share inputs,
            // method and seeds, which DecodedShards checks), so the merged run.json says how the images were made.
            System.Text.Json.JsonElement? shardRun = null;
            string shardRunPath = Path.Combine(merged.Folders[0], "run.json");
            try
            {
                if (File.Exists(shardRunPath))
                    using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(shardRunPath))) shardRun = json.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
                // an unreadable record is left out; the images are checked by DecodedShards
            }
            System.Text.Json.JsonElement? ShardRecord(string property) =>
                shardRun is { ValueKind: System.Text.Json.JsonValueKind.Object } run && run.TryGetProperty(property, out var value) ? value : null;
            new RunManifest
            {
                Command = "merge",
                Arguments = CommandLineApp.Arguments,
                Config = new
                {
                    Method = merged.Method,
                    Items = merged.Count,
                    Shards = merged.Records.Zip(merged.Folders, (r, f) => new { Shard = r.Shard.ToString(), Folder = f, r.FirstItem, r.Items }),
                    FmriOrder = merged.Control?.Order,
                    ControlSameCategoryDonors = merged.Control?.SameCategory,
                    SelectionSha256 = merged.Records[0].SelectionSha256,
                    FirstShardDecode = new { Config = ShardRecord("config"), Torch = ShardRecord("torch") },
                },
                Seeds = new Dictionary<string, long> { ["seed"] = Seed("seed"), ["control_seed"] = Seed("control_seed") },
                InputSha256 = inputs,
                Outputs = [DecodedImagesFile.FileName, DecodingRun.GridFile, "<stimulus_id>_<k>.png"],
                StartedUtc = started,
                WallSeconds = clock.Elapsed.TotalSeconds,
            }.Write(Path.Combine(outDir, "run.json"));
            Console.Out.WriteLine($"merge: {merged.Method.Name}: {merged.Records.Count} shards, {merged.Count} items x {merged.Samples} images; {clock.Elapsed.TotalSeconds:F1} s -> {outDir}");
            return 0;
        }));
        return command;
    }
}
