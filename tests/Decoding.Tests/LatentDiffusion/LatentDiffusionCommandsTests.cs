using Fmri.Core;
using System.CommandLine;
using System.Text.Json;
using Decoding.Cli;
using Fmri.Core.Imaging;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.LatentDiffusion;

/// <summary>
/// Console redirection is process-wide, so these tests run alone (not in parallel with any other collection).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LatentDiffusionCommandsCollection
{
    public const string Name = "latent diffusion commands";
}

/// <summary>
/// A tiny model trained through the commands themselves: a folder of 16x16 PNGs (discs and bars), train-vae, then
/// train-ldm, each for a few steps.
/// </summary>
public sealed class TinyTrainedModel : IDisposable
{
    private readonly TempFolder folder = new();

    public TinyTrainedModel()
    {
        var images = SyntheticImages.VariedShapes(size: 16, count: 8, seed: 2);
        for (int i = 0; i < images.Count; i++)
        {
            string classFolder = Path.Combine(ImageFolder, images.ClassNames[images.Labels[i]]);
            Directory.CreateDirectory(classFolder);
            var pixels = images.Pixels.Skip(i * 256).Take(256).Select(b => b / 255f).ToArray();
            PngImage.Save(Path.Combine(classFolder, $"{i:D2}.png"), pixels, 16, 16, 1);
        }
        VaeRun = LatentDiffusionCommandsTests.Run(TrainVaeCommand.Create(),
            "--images", ImageFolder, "--preset", "tiny", "--out", VaeFolder, "--steps", "3", "--seed", "4");
        LdmRun = LatentDiffusionCommandsTests.Run(TrainLdmCommand.Create(),
            "--vae", VaeFolder, "--images", ImageFolder, "--preset", "tiny", "--out", ModelFolder, "--steps", "3", "--seed", "4", "--preview-steps", "2");
    }

    public string ImageFolder => folder.Sub("images");
    public string VaeFolder => folder.Sub("vae");
    public string ModelFolder => folder.Sub("model");
    public string Sub(string name) => folder.Sub(name);
    public (int Exit, string Out, string Err) VaeRun { get; }
    public (int Exit, string Out, string Err) LdmRun { get; }

    public void Dispose() => folder.Dispose();
}

[Collection(LatentDiffusionCommandsCollection.Name)]
public class LatentDiffusionCommandsTests(TinyTrainedModel model) : IClassFixture<TinyTrainedModel>
{
    private static readonly Lock ConsoleGate = new();

    /// <summary>Invokes a command in-process and captures standard output and error.</summary>
    internal static (int Exit, string Out, string Err) Run(Command command, params string[] args)
    {
        lock (ConsoleGate)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                int exit = command.Parse(args).Invoke();
                return (exit, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    [Fact]
    public void Train_vae_and_train_ldm_write_their_folders()
    {
        Assert.True(model.VaeRun.Exit == 0, model.VaeRun.Err);
        Assert.True(model.LdmRun.Exit == 0, model.LdmRun.Err);
        foreach (var file in new[] { "vae.safetensors", "vae.config.json", "vae_loss.csv", "vae_loss.png", "reconstructions.png", "run.json" })
            Assert.True(File.Exists(Path.Combine(model.VaeFolder, file)), $"train-vae did not write {file}");
        foreach (var file in new[] { "ldm.safetensors", "ldm.ema.safetensors", "vae.safetensors", "tokenizer.json", "samples.png", "run.json" })
            Assert.True(File.Exists(Path.Combine(model.ModelFolder, file)), $"train-ldm did not write {file}");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.ModelFolder, "run.json")));
        Assert.Equal("train-ldm", manifest.RootElement.GetProperty("command").GetString());
        Assert.Equal(4, manifest.RootElement.GetProperty("seeds").GetProperty("training").GetInt64());
    }

    [Fact]
    public void Generate_writes_one_png_per_sample_a_grid_and_run_json()
    {
        string output = model.Sub("generated");
        var (exit, _, err) = Run(GenerateCommand.Create(), "--model", model.ModelFolder, "--prompt", "disc", "--n", "3",
            "--sampler", "ddim", "--steps", "3", "--guidance", "3", "--seed", "5", "--out", output);
        Assert.True(exit == 0, err);
        for (int i = 0; i < 3; i++)
        {
            var (pixels, height, width) = PngImage.Decode(File.ReadAllBytes(Path.Combine(output, $"sample_{i:D3}.png")), 1);
            Assert.Equal((16, 16), (height, width));
            Assert.Equal(256, pixels.Length);
        }
        Assert.False(File.Exists(Path.Combine(output, "sample_003.png")));
        Assert.True(File.Exists(Path.Combine(output, GenerateCommand.GridFile)));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        Assert.Equal(5, manifest.RootElement.GetProperty("seeds").GetProperty("sampling").GetInt64());
    }

    [Fact]
    public void The_quality_check_writes_its_measurement()
    {
        string output = model.Sub("quality");
        var (exit, stdout, err) = Run(GenerateCommand.Create(), "--model", model.ModelFolder, "--quality-check", "2", "--steps", "2", "--seed", "5", "--out", output);
        Assert.True(exit == 0, err);
        Assert.Contains("class consistency", stdout);
        using var quality = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, GenerateCommand.QualityFile)));
        double overall = quality.RootElement.GetProperty("result").GetProperty("overall").GetDouble();
        Assert.InRange(overall, 0.0, 1.0);
        Assert.Equal(2, quality.RootElement.GetProperty("result").GetProperty("per_class").GetArrayLength());
        Assert.InRange(quality.RootElement.GetProperty("training_images").GetProperty("overall").GetDouble(), 0.0, 1.0);
        Assert.Contains("the real training images", stdout);
    }

    [Theory]
    [InlineData("--steps 0", "--steps 0: must be at least 1")]
    [InlineData("--prompt triangle", "'triangle'")]
    [InlineData("--n 0", "--n")]
    [InlineData("--sampler ddim --eta -1", "eta")]
    public void Bad_generate_arguments_are_one_line_errors_with_exit_code_2(string arguments, string expected)
    {
        var args = new List<string> { "--model", model.ModelFolder, "--out", model.Sub("bad"), "--prompt", "disc" };
        var extra = arguments.Split(' ');
        if (extra[0] == "--prompt") args.RemoveRange(4, 2);
        args.AddRange(extra);
        var (exit, _, err) = Run(GenerateCommand.Create(), [.. args]);
        AssertOneLineError(exit, err, expected);
    }

    [Fact]
    public void A_missing_model_or_autoencoder_folder_is_a_one_line_error()
    {
        var (exit, _, err) = Run(GenerateCommand.Create(), "--model", model.Sub("nowhere"), "--prompt", "disc", "--out", model.Sub("x"));
        AssertOneLineError(exit, err, "nowhere");
        (exit, _, err) = Run(TrainLdmCommand.Create(), "--vae", model.Sub("no-vae"), "--images", model.ImageFolder, "--preset", "tiny", "--out", model.Sub("y"));
        AssertOneLineError(exit, err, "no-vae");
    }

    [Fact]
    public void A_non_positive_snr_gamma_and_an_unknown_lr_scheduler_are_one_line_errors()
    {
        var (exit, _, err) = Run(TrainLdmCommand.Create(), "--vae", model.VaeFolder, "--images", model.ImageFolder, "--preset", "tiny", "--out", model.Sub("g"), "--snr-gamma", "0");
        AssertOneLineError(exit, err, "error: --snr-gamma 0: must be a positive finite number");
        // Parse errors go through the program's own parser (exit code 2, one line listing the accepted values).
        (exit, _, err) = Decoding.Tests.Cli.CliTestHarness.Run("train-ldm", "--vae", model.VaeFolder, "--images", model.ImageFolder, "--preset", "tiny", "--out", model.Sub("c"), "--lr-scheduler", "linear");
        Assert.Equal(2, exit);
        Assert.Contains("error: --lr-scheduler linear: Argument 'linear' not recognized. Must be one of: 'constant', 'cosine'", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Zero_training_steps_are_a_one_line_error()
    {
        var (exit, _, err) = Run(TrainVaeCommand.Create(), "--images", model.ImageFolder, "--preset", "tiny", "--out", model.Sub("z"), "--steps", "0");
        // The preset field vae_training.max_train_steps is named by the flag the user typed.
        AssertOneLineError(exit, err, "error: --steps 0: must be at least 1");
    }

    [Fact]
    public void Resuming_an_autoencoder_with_another_preset_is_the_checkpoint_config_mismatch()
    {
        var (exit, _, err) = Run(TrainVaeCommand.Create(), "--images", model.ImageFolder, "--preset", "small", "--out", model.VaeFolder, "--steps", "5", "--resume");
        AssertOneLineError(exit, err, "different AutoencoderKLConfig");
        Assert.Contains("block_out_channels", err);
    }

    [Fact]
    public void A_latent_diffusion_preset_that_does_not_match_the_autoencoder_is_a_one_line_error()
    {
        var (exit, _, err) = Run(TrainLdmCommand.Create(), "--vae", model.VaeFolder, "--images", model.ImageFolder, "--preset", "small", "--out", model.Sub("w"), "--steps", "2");
        AssertOneLineError(exit, err, "preset 'small'");
    }

    /// <summary>
    /// <c>train-ldm --continue-from</c>: 2 steps, then continued to 5 in another folder, gives the weights, EMA weights,
    /// optimiser state and loss curve of one 5-step run byte for byte; the source folder is left as it was; and a source
    /// trained on other images, already at the steps asked for, or without a checkpoint is one line naming the flag.
    /// </summary>
    [Fact]
    public void Continuing_a_finished_run_into_another_folder_is_the_longer_run_byte_for_byte()
    {
        // One thread for every run: the default follows the load average, and another thread count sums in another order,
        // so the runs would be bit-identical only while the load stays on one side of the core count.
        string[] Common(string output, int steps, string seed = "9") => ["--vae", model.VaeFolder, "--images", model.ImageFolder, "--preset", "tiny", "--out", output,
            "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", seed, "--preview-steps", "0", "--checkpoint-every", "100", "--threads", "1"];
        string straight = model.Sub("straight5"), first = model.Sub("first2"), continued = model.Sub("continued5");
        Assert.Equal(0, Run(TrainLdmCommand.Create(), Common(straight, 5)).Exit);
        Assert.Equal(0, Run(TrainLdmCommand.Create(), Common(first, 2)).Exit);
        var before = Directory.GetFiles(first).Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        // Another --seed on the continuation: a continued run keeps the source's seed and generator state, so only a real
        // continuation (not a fresh 5-step run) can match the seed-9 run.
        var (exit, output, _) = Run(TrainLdmCommand.Create(), [.. Common(continued, 5, seed: "10"), "--continue-from", first]);
        Assert.Equal(0, exit);
        Assert.Contains("to step 5", output);
        foreach (var file in new[] { "ldm.safetensors", "ldm.ema.safetensors", "ldm.optimizer.bin", "ldm_loss.csv", "class_means.safetensors", "vae.safetensors" })
            Assert.True(File.ReadAllBytes(Path.Combine(straight, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(continued, file))), $"{file} differs from the 5-step run's");
        Assert.Equal(before.Keys, Directory.GetFiles(first).Order().Select(f => Path.GetFileName(f)));
        Assert.All(before, f => Assert.True(f.Value.SequenceEqual(File.ReadAllBytes(Path.Combine(first, f.Key))), $"the source's {f.Key} changed"));
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(continued, "run.json"))))
            Assert.Equal(Path.GetFullPath(first), manifest.RootElement.GetProperty("config").GetProperty("continued_from").GetString());

        // Another image set than the source's: refused before any copy.
        string otherImages = model.Sub("other-images");
        foreach (var dir in Directory.GetDirectories(model.ImageFolder))
        {
            string target = Path.Combine(otherImages, Path.GetFileName(dir));
            Directory.CreateDirectory(target);
            foreach (var png in Directory.GetFiles(dir).Skip(1)) File.Copy(png, Path.Combine(target, Path.GetFileName(png)));
        }
        string refused = model.Sub("refused");
        string[] otherArgs = ["--vae", model.VaeFolder, "--images", otherImages, "--preset", "tiny", "--out", refused, "--steps", "5", "--seed", "9", "--continue-from", first];
        (exit, _, var err) = Run(TrainLdmCommand.Create(), otherArgs);
        AssertOneLineError(exit, err, $"--continue-from {first}: was trained on other images or another autoencoder");
        Assert.False(File.Exists(Path.Combine(refused, "ldm.checkpoint.json")));
        (exit, _, err) = Run(TrainLdmCommand.Create(), [.. Common(model.Sub("again"), 2), "--continue-from", first]);
        AssertOneLineError(exit, err, $"--continue-from {first}: is already at step 2; ask for more --steps than that (asked: 2)");
        (exit, _, err) = Run(TrainLdmCommand.Create(), [.. Common(model.Sub("none"), 5), "--continue-from", model.VaeFolder]);
        AssertOneLineError(exit, err, "holds no 'ldm' checkpoint");
        (exit, _, err) = Run(TrainLdmCommand.Create(), [.. Common(first, 5), "--continue-from", first]);
        AssertOneLineError(exit, err, "is --out itself; continue a folder in place with --resume");
    }

    private static void AssertOneLineError(int exit, string err, string expected)
    {
        Assert.Equal(CliErrors.BadInput, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on standard error, got:\n{err}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }
}
