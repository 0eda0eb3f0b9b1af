using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Decoding.Cluster;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.Tests.Cli;
using Decoding.Tests.DoubleConditioning;
using Fmri.Data.Layouts;
using Xunit.Abstractions;

namespace Decoding.Tests.Cluster;

/// <summary>
/// On the real (local, single-node) Slurm cluster: a 4-task decode array and the merge waiting on it, submitted by the
/// scripts <see cref="SlurmScripts"/> writes; the merged folder must equal a single-process decode byte for byte. Then one
/// shard's outputs are deleted and submit.sh run again: it must resubmit that task and the merge only.
/// </summary>
public sealed class SlurmDecodeArrayTests(LocalSlurm slurm, ITestOutputHelper output) : IClassFixture<LocalSlurm>
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(4);

    [SkippableFact]
    public void A_four_task_decode_array_and_its_merge_equal_the_single_process_decode()
    {
        Skip.If(!slurm.Available, slurm.Reason);
        var clock = Stopwatch.StartNew();
        using var folder = new TempFolder();
        // 32 test items: 4 chunks of 8, one per shard. The tiny pixel-space DC-LDM of the decode tests.
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 2, testPerClass: 8);
        string data = folder.Sub("pre.h5"), images = folder.Sub("stimuli.h5"), model = folder.Sub("model");
        CanonicalFile.Write(data, fmri);
        stimuli.Write(images);
        var (dcLdm, firstStage) = TinyDcLdm.PixelSpace(voxels: 64, seed: 3, imageSize: 8);
        new DoubleConditionedLdmFolder(model).Save(dcLdm, firstStage);
        string[] decode = ["decode", "--route", "mindvis", "--model", model, "--data", data, "--stimuli", images, "--samples", "2", "--sampler", "ddim",
            "--steps", "4", "--guidance", "2", "--seed", "11", "--threads", "1"];

        string single = folder.Sub("single"), singleControl = folder.Sub("single-control");
        var (exit, stdout, stderr) = DecodingProcess.Run(Wait, [.. decode, "--out", single, "--control-out", singleControl]);
        Assert.True(exit == 0, $"single-process decode failed: {stdout}{stderr}");

        string merged = folder.Sub("merged"), mergedControl = folder.Sub("merged-control");
        var shards = Enumerable.Range(0, 4).Select(i => DecodeShard.Create(i, 4)).ToList();
        string Shard(string root, DecodeShard shard) => Path.Combine(root, "shards", shard.FolderName);
        var steps = new List<ClusterStep>
        {
            new("decode", "4 shards of the test items", shards.Select(s => new ClusterTask($"shard {s}",
                [[.. decode, "--out", Shard(merged, s), "--control-out", Shard(mergedControl, s), "--shard", s.ToString()]],
                [Path.Combine(Shard(merged, s), ShardRecord.FileName)])).ToList(), [], UsesModels: true),
            new("merge", "the shards joined", [new ClusterTask("all", new[] { merged, mergedControl }.Select(root =>
                (IReadOnlyList<string>)["merge", "--shards", .. shards.Select(s => Shard(root, s)), "--out", root]).ToList(),
                [Path.Combine(merged, DecodedImagesFile.FileName), Path.Combine(mergedControl, DecodedImagesFile.FileName)])], ["decode"], UsesModels: false),
        };
        string slurmFolder = folder.Sub("slurm"), prefix = "test" + Guid.NewGuid().ToString("N")[..8];
        string program = Path.ChangeExtension(DecodingProcess.DllPath, null);
        var scripts = SlurmScripts.Write(slurmFolder, prefix, steps, new SlurmResources(Time: "00:10:00", Memory: "2G", CpusPerTask: 1), program);

        var submitted = Submit(scripts[^1]);
        Assert.Equal(["decode", "merge"], submitted.Keys.Order());
        Assert.Equal("0-3", submitted["decode"].Tasks);
        WaitFor(submitted.Values.Select(s => s.Job));
        output.WriteLine($"array of 4 + merge submitted and finished in {clock.Elapsed.TotalSeconds:F1} s");
        AssertSameFiles(single, merged);
        AssertSameFiles(singleControl, mergedControl);
        Assert.True(Directory.GetFiles(Path.Combine(slurmFolder, "logs"), "decode-*.log").Length == 4, "one log per array task");

        // Rerun after losing one shard: only that task and the merge are submitted, and the result is the same again.
        Directory.Delete(Shard(merged, shards[2]), recursive: true);
        var again = Submit(scripts[^1]);
        Assert.Equal("2", again["decode"].Tasks);
        Assert.Equal("0", again["merge"].Tasks);
        WaitFor(again.Values.Select(s => s.Job));
        AssertSameFiles(single, merged);
        var (_, finalRun) = LocalSlurm.Run("bash", [scripts[^1], "--dry-run"]);
        Assert.Contains("decode: done", finalRun);
        Assert.Contains("merge: done", finalRun);
        output.WriteLine($"with the resubmission of shard 2/4 and the merge: {clock.Elapsed.TotalSeconds:F1} s in all");
    }

    /// <summary>Runs submit.sh; step -> (tasks, job id) of what it submitted.</summary>
    private Dictionary<string, (string Tasks, string Job)> Submit(string submitScript)
    {
        var (exit, text) = LocalSlurm.Run("bash", [submitScript]);
        output.WriteLine(text.Trim());
        Assert.True(exit == 0, $"submit.sh failed: {text}");
        return Regex.Matches(text, @"^(\S+): submitted tasks (\S+) as job (\d+)", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => (m.Groups[2].Value, m.Groups[3].Value));
    }

    /// <summary>Waits until none of the jobs is queued or running.</summary>
    private void WaitFor(IEnumerable<string> jobs)
    {
        var clock = Stopwatch.StartNew();
        string list = string.Join(",", jobs);
        while (clock.Elapsed < Wait)
        {
            var (exit, queued) = LocalSlurm.Run("squeue", ["-h", "-j", list, "-o", "%i %T %r"]);
            if (exit == 0 && queued.Trim().Length == 0) return;
            Thread.Sleep(1000);
        }
        var (_, state) = LocalSlurm.Run("squeue", ["-j", list]);
        throw new TimeoutException($"jobs {list} still queued after {Wait}: {state}");
    }

    private static void AssertSameFiles(string expectedFolder, string actualFolder)
    {
        static Dictionary<string, string> Hashes(string folder) => Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != "run.json")
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
        var expected = Hashes(expectedFolder);
        var actual = Hashes(actualFolder);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, hash) in expected)
            Assert.True(hash == actual[name], $"{name}: merged {actual[name][..12]} differs from single-process {hash[..12]}");
    }
}
