using System.CommandLine;
using Decoding.Cli;
using Fmri.Core.Checkpoints;
using Fmri.Core.Training;
using Fmri.Data.Layouts;
using Fmri.MaskedBrainModeling;

namespace Decoding.Tests.Cli;

/// <summary>A training run stopped by a non-finite loss is one line on standard error and exit code 1, not a stack trace.</summary>
public sealed class TrainingDivergedCliTests
{
    [Fact]
    public void Pretrain_mbm_with_an_absurd_learning_rate_stops_with_one_line_naming_the_step_and_saves_nothing()
    {
        var (fmri, _) = SyntheticBrainData.Create();
        using var folder = new TempFolder();
        string data = folder.Sub("pre.h5");
        CanonicalFile.Write(data, fmri);
        string output = folder.Sub("mbm");

        var (exit, _, err) = CliTestHarness.Run("pretrain-mbm", "--data", data, "--preset", "tiny", "--out", output, "--epochs", "3",
            "--batch", "8", "--base-lr", "1e30", "--seed", "7", "--threads", "1");

        Assert.Equal(CliErrors.Diverged, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{err}");
        Assert.Matches(@"^error: masked brain modeling stopped at step \d+: the loss is (NaN|-?∞|-?Infinity)", lines[0]);
        Assert.Contains("nothing of this step was saved", lines[0]);
        Assert.DoesNotContain("   at ", err);
        Assert.False(new ModelCheckpoint(output, PretrainedBrainEncoderConfig.CheckpointName).Exists, "a diverged first epoch left a checkpoint");
    }

    [Fact]
    public void CliErrors_turns_a_diverged_run_into_one_line_with_exit_code_1_pointing_at_the_intact_checkpoint()
    {
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(folder.Path, "vae");
        using (var model = TorchSharp.torch.nn.Linear(2, 1)) checkpoint.Save(model, new { width = 2 });
        var parse = new RootCommand().Parse([]);

        var (exit, stdout, err) = CliTestHarness.Capture(() => CliErrors.Run(parse,
            () => throw new TrainingDivergedException("autoencoder training", 7, double.NaN, 3.5, checkpoint)));

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"error: autoencoder training stopped at step 7: the loss is NaN and the gradient norm 3.5; nothing of this step was saved " +
            $"(the last checkpoint in {folder.Path} is intact and can be resumed); lower the learning rate\n",
            err.Replace("\r\n", "\n"));
    }
}
