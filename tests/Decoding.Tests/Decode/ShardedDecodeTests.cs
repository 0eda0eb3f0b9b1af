using System.CommandLine;
using System.Security.Cryptography;
using Decoding.Cli;
using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Tests.Decode.Routes;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// <c>decode --shard i/N</c> + <c>merge</c> against one process: the img2img route with its settings chosen once on the
/// validation split (<c>--select --select-only</c>, then <c>--selection</c> in every shard) and its shuffled-fMRI control,
/// on the route tests' data (12 test items: 2 chunks of 8, so 3 shards include an empty one).
/// </summary>
public sealed class ShardedDecodeTests(ITestOutputHelper output)
{
    private static RootCommand Root() => new() { DecodeCommand.Create(), MergeCommand.Create() };

    private static string[] Common(RouteTestData data, int seed = 5) =>
        ["decode", "--route", "img2img", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile,
            "--samples", "2", "--steps", "4", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1"];

    private static readonly string[] Selecting = ["--select", "--validation-stimuli", "8", "--select-steps", "3", "--low-level-prior", "choose"];

    [Fact]
    public void Merged_shards_are_byte_identical_to_one_process_and_bad_shard_sets_are_refused()
    {
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string single = folder.Sub("single"), singleControl = folder.Sub("single-control");
        Assert.Equal(0, Root().Parse([.. Common(data), .. Selecting, "--out", single, "--control-out", singleControl]).Invoke());

        // Selection once, then three shards that reuse it (shard 0 of 3 has no whole chunk of the 2).
        string selection = folder.Sub("selection");
        Assert.Equal(0, Root().Parse([.. Common(data), .. Selecting, "--select-only", "--out", selection]).Invoke());
        Assert.False(File.Exists(Path.Combine(selection, DecodedImagesFile.FileName)));
        string chosen = Path.Combine(selection, SelectionFile.FileName);
        Assert.Equal(File.ReadAllText(Path.Combine(single, SelectionFile.FileName)), File.ReadAllText(chosen));   // the same choice, made in another run
        string prior = SelectionFile.Read(chosen, "selection").LowLevelPrior;                                     // the low-level form chosen too
        Assert.Contains(prior, new[] { "none", "category" });
        output.WriteLine($"chosen low-level prior: {prior}");
        var shards = new List<string>();
        var controls = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            string shard = folder.Sub($"shards/{DecodeShard.Create(i, 3).FolderName}"), control = folder.Sub($"control-shards/{DecodeShard.Create(i, 3).FolderName}");
            Assert.Equal(0, Root().Parse([.. Common(data), "--selection", chosen, "--shard", $"{i}/3", "--out", shard, "--control-out", control]).Invoke());
            shards.Add(shard);
            controls.Add(control);
        }
        Assert.Equal(0, ShardRecord.Read(shards[0]).Items);
        Assert.False(File.Exists(Path.Combine(shards[0], DecodedImagesFile.FileName)));
        Assert.Equal((0, 8), (ShardRecord.Read(shards[1]).FirstItem, ShardRecord.Read(shards[1]).Items));

        string merged = folder.Sub("merged"), mergedControl = folder.Sub("merged-control");
        Assert.Equal(0, Root().Parse(["merge", "--shards", .. shards, "--out", merged]).Invoke());
        Assert.Equal(0, Root().Parse(["merge", "--shards", .. controls.AsEnumerable().Reverse(), "--out", mergedControl]).Invoke());   // any order
        foreach (var (one, joined) in new[] { (single, merged), (singleControl, mergedControl) })
        {
            var expected = Files(one);
            var actual = Files(joined);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, hash) in expected)
                Assert.True(hash == actual[name], $"{name} differs between the single-process decode and the merged shards");
            output.WriteLine($"{Path.GetFileName(one)}: {expected.Count} files identical; decoded.h5 SHA-256 {expected[DecodedImagesFile.FileName][..16]}");
        }
        // The chosen candidate's validation scores, recorded for evaluate's choice between routes (the same in the merged
        // shards, which took the choice from selection.json, as the byte-identical files above say).
        var record = ValidationRecord.FromAttributes(DecodedImagesFile.Read(single).Attributes);
        Assert.NotNull(record);
        using (var selected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(chosen)))
        {
            var result = selected.RootElement.GetProperty("result");
            Assert.Equal(result.GetProperty("chosen_score").GetProperty("category_agreement").GetDouble(), record.Score.CategoryAgreement);
            Assert.Equal(result.GetProperty("validation_stimulus_ids").GetArrayLength(), record.Stimuli);
        }
        var file = DecodedImagesFile.Read(mergedControl);
        Assert.True(file.IsControl);
        Assert.Equal(12, file.FmriOrder!.Count);

        // The records: a decode hashes each file it loads from the LDM folder (EMA weights, the VAE, configs, tokenizer
        // and class means, not only ldm.safetensors) and the selection it was given; merge keeps the shards' settings.
        using (var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(shards[1], "run.json"))))
        {
            var hashed = run.RootElement.GetProperty("input_sha256").EnumerateObject().Select(p => p.Name).ToHashSet();
            var ldm = new Decoding.LatentDiffusion.LatentDiffusionModelFolder(data.LdmFolder);
            foreach (var modelFile in ldm.ModelFiles.Where(File.Exists))
                Assert.Contains(Path.GetFullPath(modelFile), hashed);
            Assert.Contains(Path.GetFullPath(ldm.VaeCheckpoint.WeightsPath), hashed);
            Assert.Contains(Path.GetFullPath(chosen), hashed);
        }
        using (var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(merged, "run.json"))))
        {
            var shardDecode = run.RootElement.GetProperty("config").GetProperty("first_shard_decode");
            Assert.Equal(System.Text.Json.JsonValueKind.Object, shardDecode.GetProperty("config").GetProperty("settings").ValueKind);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, shardDecode.GetProperty("torch").ValueKind);
        }

        // Refusals: one line naming what is wrong, exit code 2, nothing written.
        string refused = folder.Sub("refused");
        Refused("1/3", ["merge", "--shards", shards[0], shards[2], "--out", refused]);                   // 1/3 missing
        Refused("and so is", ["merge", "--shards", .. shards, shards[1], "--out", refused]);
        Refused("was decoded with the method 'control", ["merge", "--shards", shards[0], shards[1], controls[2], "--out", refused]);
        // Shards decoded with other settings under the same method name: the refusal names the settings that differ.
        string otherSteps = folder.Sub("other-steps");
        var stepsRun = Decoding.Tests.Cli.CliTestHarness.Run([.. Common(data).Select(a => a == "4" ? "3" : a), "--selection", chosen, "--shard", "2/3", "--out", otherSteps]);
        Assert.True(stepsRun.Exit == 0, stepsRun.Err);
        Refused("was decoded with settings '", ["merge", "--shards", shards[0], shards[1], otherSteps, "--out", refused]);
        string otherSeed = folder.Sub("other-seed");
        Refused("seed", [.. Common(data, seed: 6), "--selection", chosen, "--shard", "2/3", "--out", otherSeed]);   // chosen for seed 5
        Assert.Equal(0, Root().Parse([.. Common(data), "--selection", chosen, "--shard", "2/3", "--control-seed", "3", "--out", otherSeed]).Invoke());
        Refused("control_seed = 3", ["merge", "--shards", shards[0], shards[1], otherSeed, "--out", refused]);     // other settings
        Refused("select", [.. Common(data), .. Selecting, "--shard", "0/3", "--out", refused]);         // would choose in every shard
        // The chosen strength runs no step of a 1-step decode: refused naming the file, before anything is decoded.
        string[] oneStep = [.. Common(data).Select(a => a == "4" ? "1" : a)];
        Refused("runs no denoising step at this decode's 1 steps", [.. oneStep, "--selection", chosen, "--shard", "2/3", "--out", refused]);
        Refused("--shard", [.. Common(data), "--shard", "3/3", "--out", refused]);
        Refused("--shard", [.. Common(data), "--shard", "1-3", "--out", refused]);
        Refused("--out", ["merge", "--shards", .. shards, "--out", shards[1]]);                           // into a shard
        Assert.False(Directory.Exists(refused));
    }

    private void Refused(string expected, string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = Root().Parse(args).Invoke();
        }
        finally
        {
            Console.SetError(previous);
        }
        output.WriteLine($"exit {exit}: {error.ToString().Trim()}");
        Assert.Equal(2, exit);
        Assert.Contains(expected, error.ToString());
        Assert.Single(error.ToString().Trim().Split('\n'));
    }

    [Fact]
    public void Aligned_chunks_repeat_the_single_process_batches_exactly_and_shards_cover_the_split()
    {
        // Shards are whole chunks of DecodingRun.ItemsPerCall, spread evenly; a shard past the last chunk is empty.
        Assert.Equal([(0, 8), (8, 8), (16, 8), (24, 6)], Enumerable.Range(0, 4).Select(i => DecodeShard.Create(i, 4).ItemRange(30)));
        Assert.Equal([(0, 0), (0, 8), (8, 4)], Enumerable.Range(0, 3).Select(i => DecodeShard.Create(i, 3).ItemRange(12)));
        Assert.Equal([(0, 16), (16, 14)], Enumerable.Range(0, 2).Select(i => DecodeShard.Create(i, 2).ItemRange(30)));
        foreach (int items in new[] { 1, 7, 8, 9, 50, 1200 })
            foreach (int count in new[] { 1, 2, 3, 4, 7, 16 })
            {
                var ranges = Enumerable.Range(0, count).Select(i => DecodeShard.Create(i, count).ItemRange(items)).ToList();
                Assert.Equal(items, ranges.Sum(r => r.Length));
                for (int i = 1; i < count; i++) Assert.Equal(ranges[i - 1].First + ranges[i - 1].Length, ranges[i].First);
                Assert.All(ranges.Where(r => r.First + r.Length < items), r => Assert.Equal(0, (r.First + r.Length) % DecodingRun.ItemsPerCall));
            }

        // `--shard slurm` reads the array's task id and count, only for an array numbered 0..N-1.
        var env = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "4", ["SLURM_ARRAY_TASK_MIN"] = "0", ["SLURM_ARRAY_TASK_MAX"] = "3" };
        Assert.Equal(DecodeShard.Create(2, 4), DecodeShard.Parse("slurm", name => env.GetValueOrDefault(name)));
        env["SLURM_ARRAY_TASK_MIN"] = "1";   // a resubmission of tasks 1-3 only: N is not the task count
        Assert.Throws<InvalidSettingException>(() => DecodeShard.Parse("slurm", name => env.GetValueOrDefault(name)));
        Assert.Throws<InvalidSettingException>(() => DecodeShard.Parse("slurm", _ => null));
        Assert.Equal("shard-03-of-12", DecodeShard.Create(3, 12).FolderName);

        // What alignment buys: an item decoded in another batch composition can differ in the last bits.
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var ldm = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Samples = 2, Sampling = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 4, GuidanceScale = 3 }, Seed = 5 };
        var route = RouteCatalog.Build(settings, new RouteModels(ldm), train, data.Stimuli.CategoryNames);
        var ids = test.StimulusIds.Select(id => id.Value).ToArray();
        Tensor Decode(int first, int count)
        {
            var generators = ItemGenerators.For(settings.Seed, ids[first..(first + count)]);
            var voxels = test.Voxels[(first * test.VoxelCount)..((first + count) * test.VoxelCount)];
            return route.Decode(new DecodeBatch(voxels, test.VoxelCount, ids[first..(first + count)], null, generators), 2);
        }
        using var chunk = Decode(0, 8);            // the first chunk, as one process decodes it
        using var again = Decode(0, 8);
        using var shifted = Decode(3, 8);          // items 3..10 in one call: items 3..7 with another batch
        Assert.True(chunk.equal(again).all().item<bool>(), "the same chunk must decode to the same bits");
        using var difference = (chunk.narrow(0, 3, 5) - shifted.narrow(0, 0, 5)).abs();
        output.WriteLine($"items 3-7 decoded in a batch shifted by 3: largest difference {difference.max().item<float>():G3} (float pixels in [0, 1]); bit-identical: {difference.max().item<float>() == 0}");
        train.Images.Dispose();
        test.Images.Dispose();
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.GetFiles(folder).Where(f => Path.GetFileName(f) is not ("run.json" or "selection.json"))
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
}
