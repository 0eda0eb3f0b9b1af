using System.Diagnostics;
using System.Text.Json;
using Decoding.Tests.LatentDiffusion;
using Fmri.Core.Imaging;
using Fmri.Data.Layouts;
using Xunit.Abstractions;

namespace Decoding.Tests.Cli;

/// <summary>
/// A training run of the real `decoding` program killed with SIGKILL between two checkpoints and resumed with
/// --resume must end with the uninterrupted run's files: bit-identical weights, the same loss-curve rows. Each test
/// runs the program three times as a child process: uninterrupted into A, killed into B, resumed in B.
/// </summary>
[Trait("Category", "Slow")]
public sealed class KillAndResumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void Train_vae_killed_between_checkpoints_and_resumed_gives_the_uninterrupted_weights_and_curve()
    {
        using var folder = new TempFolder();
        string images = folder.Sub("images");
        WriteImageFolder(images);
        const int Steps = 60, Every = 5;
        string[] Args(string outFolder, params string[] extra) =>
            ["train-vae", "--preset", "tiny", "--images", images, "--steps", $"{Steps}", "--checkpoint-every", $"{Every}",
             "--seed", "7", "--threads", "1", "--out", outFolder, .. extra];
        string a = folder.Sub("a"), b = folder.Sub("b");

        var clock = Stopwatch.StartNew();
        AssertSucceeded(DecodingProcess.Run(Timeout, Args(a)));
        output.WriteLine($"uninterrupted: {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        string manifest = Path.Combine(b, "vae.checkpoint.json");
        var (killed, exit) = DecodingProcess.RunAndKill(manifest,
            training => training.GetProperty("step").GetInt64() is >= Every and < Steps, Timeout, Args(b));
        long killedAfter = killed.GetProperty("step").GetInt64();
        output.WriteLine($"killed (exit {exit}) after the checkpoint of step {killedAfter}: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.NotEqual(0, exit);
        long onDisk = DecodingProcess.ReadTraining(manifest)!.Value.GetProperty("step").GetInt64();
        Assert.InRange(onDisk, Every, Steps - 1);   // the kill came before the end
        Assert.False(File.Exists(Path.Combine(b, "run.json")), "the killed run got to its end");

        clock.Restart();
        AssertSucceeded(DecodingProcess.Run(Timeout, Args(b, "--resume")));
        output.WriteLine($"resumed from step {onDisk}: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Steps, DecodingProcess.ReadTraining(manifest)!.Value.GetProperty("step").GetInt64());
        AssertSameBytes(a, b, "vae.safetensors");
        AssertSameBytes(a, b, "vae.optimizer.bin");
        Assert.Equal(File.ReadAllText(Path.Combine(a, "vae.config.json")), File.ReadAllText(Path.Combine(b, "vae.config.json"))); // scaling factor
        AssertSameCurve(a, b, "vae_loss.csv", Steps);
    }

    [Fact]
    public void Pretrain_mbm_killed_between_epoch_checkpoints_and_resumed_gives_the_uninterrupted_weights_and_curve()
    {
        using var folder = new TempFolder();
        var (fmri, _) = SyntheticBrainData.Create(trainPerClass: 24);   // 96 train + 4 test samples: 8 steps per epoch at batch 8
        string data = folder.Sub("pre.h5");
        CanonicalFile.Write(data, fmri);
        const int Epochs = 24;
        string[] Args(string outFolder, params string[] extra) =>
            ["pretrain-mbm", "--data", data, "--preset", "tiny", "--epochs", $"{Epochs}", "--batch", "8", "--base-lr", "1e-3",
             "--seed", "7", "--threads", "1", "--out", outFolder, .. extra];
        string a = folder.Sub("a"), b = folder.Sub("b");

        var clock = Stopwatch.StartNew();
        AssertSucceeded(DecodingProcess.Run(Timeout, Args(a)));
        output.WriteLine($"uninterrupted: {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        string manifest = Path.Combine(b, "mbm.checkpoint.json");
        var (killed, exit) = DecodingProcess.RunAndKill(manifest,
            training => training.GetProperty("epoch").GetInt32() is >= 1 and < Epochs, Timeout, Args(b));
        output.WriteLine($"killed (exit {exit}) after the checkpoint of epoch {killed.GetProperty("epoch").GetInt32()}: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.NotEqual(0, exit);
        int onDisk = DecodingProcess.ReadTraining(manifest)!.Value.GetProperty("epoch").GetInt32();
        Assert.InRange(onDisk, 1, Epochs - 1);
        Assert.False(File.Exists(Path.Combine(b, "run.json")), "the killed run got to its end");

        clock.Restart();
        AssertSucceeded(DecodingProcess.Run(Timeout, Args(b, "--resume")));
        output.WriteLine($"resumed from epoch {onDisk}: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Epochs, DecodingProcess.ReadTraining(manifest)!.Value.GetProperty("epoch").GetInt32());
        AssertSameBytes(a, b, "mbm.safetensors");
        AssertSameBytes(a, b, "mbm.optimizer.bin");
        AssertSameCurve(a, b, "mbm_loss.csv", Epochs);
    }

    /// <summary>16x16 greyscale PNGs of discs and bars, one sub-folder per class (as train-vae reads a folder).</summary>
    internal static void WriteImageFolder(string root)
    {
        var images = SyntheticImages.VariedShapes(size: 16, count: 16, seed: 2);
        int length = 16 * 16;
        for (int i = 0; i < images.Count; i++)
        {
            string classFolder = Path.Combine(root, images.ClassNames[images.Labels[i]]);
            Directory.CreateDirectory(classFolder);
            var pixels = images.Pixels.Skip(i * length).Take(length).Select(p => p / 255f).ToArray();
            PngImage.Save(Path.Combine(classFolder, $"{i:D2}.png"), pixels, 16, 16, 1);
        }
    }

    private static void AssertSucceeded((int Exit, string Out, string Err) run) =>
        Assert.True(run.Exit == 0, $"exit {run.Exit}\nstdout: {run.Out}\nstderr: {run.Err}");

    private static void AssertSameBytes(string a, string b, string file)
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(a, file)), actual = File.ReadAllBytes(Path.Combine(b, file));
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{file} of the killed and resumed run differs from the uninterrupted run's");
    }

    private static void AssertSameCurve(string a, string b, string file, int rows)
    {
        var expected = File.ReadAllLines(Path.Combine(a, file));
        var actual = File.ReadAllLines(Path.Combine(b, file));
        Assert.Equal(rows + 1, expected.Length);   // header + one row per unit
        Assert.Equal(expected, actual);
    }
}
