using System.Text.Json;
using Decoding.Demo;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Decoding.Tests.Cli;
using Fmri.Core.Checkpoints;

namespace Decoding.Tests.Demo;

public class PretrainedImageModelsTests
{
    private static string DataFolder => Path.Combine(RepositoryPaths.Root, "data");

    [Fact]
    public void The_shipped_small_models_were_trained_by_the_small_demos_commands_and_load_with_their_hashes_checked()
    {
        string? shipped = PretrainedImageModels.Find("small", DataFolder);
        Assert.NotNull(shipped);
        Assert.Null(PretrainedImageModels.Find("tiny", DataFolder));
        using var run = new TempFolder();
        // Every design trains the same image models, so every design starts from the shipped ones.
        foreach (var design in DemoPlan.Designs)
            Assert.Null(PretrainedImageModels.Mismatch(DemoPlan.Stages(run.Path, "small", 1, design: design.Name, sideBySideThreads: 1), shipped));
        // Another seed trains its own.
        Assert.NotNull(PretrainedImageModels.Mismatch(DemoPlan.Stages(run.Path, "small", 2, sideBySideThreads: 1), shipped));

        string models = Path.Combine(shipped, "models");
        foreach (var ldm in new[] { "ldm-1200", "ldm" })
        {
            var folder = new LatentDiffusionModelFolder(Path.Combine(models, ldm));
            Assert.Null(folder.Checkpoint.ReadTrainingState());
            Assert.False(folder.Checkpoint.HasOptimizerState);
            Assert.False(folder.Checkpoint.HasEmaWeights);   // folded into the weights
            var pipeline = folder.LoadPipeline();              // checks every file it reads against its manifest
            using (pipeline.Model) Assert.Equal(4_019_012L, pipeline.Model.parameters().Sum(p => p.numel()));
            Assert.NotNull(folder.ReadClassMeans());
        }
        var vae = new ModelCheckpoint(Path.Combine(models, "vae"), VaeTrainer.CheckpointName);
        using (var autoencoder = new AutoencoderKL(vae.ReadConfig<AutoencoderKLConfig>()))
            vae.LoadWeights(autoencoder, autoencoder.Config);
        var (classifier, description) = new ClassifierFolder(Path.Combine(models, "classifier")).Load();
        using (classifier) Assert.Equal(10, description.ClassNames.Count);
        // The training's own record stays beside each model, with the export's.
        foreach (var model in new[] { "classifier", "vae", "ldm-1200", "ldm" })
        {
            Assert.True(File.Exists(Path.Combine(models, model, "run.json")), model);
            Assert.True(File.Exists(Path.Combine(models, model, "export-model.run.json")), model);
        }
    }

    [Fact]
    public void A_model_trained_by_another_command_is_named_with_both_command_lines()
    {
        using var run = new TempFolder();
        using var shipped = new TempFolder();
        var plan = DemoPlan.Stages(run.Path, "small", 1, sideBySideThreads: 1);
        var training = plan.Where(s => PretrainedImageModels.StageNames.Contains(s.Name)).ToList();
        Assert.Equal(PretrainedImageModels.StageNames, training.Select(s => s.Name));
        void Record(DemoStage stage, Func<string, string> edit)
        {
            // As the stage's command records itself: written elsewhere (--out and the models it reads), on 2 threads.
            var arguments = stage.Arguments.Select(a => a.Replace(run.Path, "/elsewhere/demo")).Select(edit).ToList();
            arguments.InsertRange(1, ["--threads", "2"]);
            string model = Path.GetFileName(stage.Arguments[stage.Arguments.ToList().IndexOf("--out") + 1]);
            Directory.CreateDirectory(Path.Combine(shipped.Path, "models", model));
            File.WriteAllText(Path.Combine(shipped.Path, "models", model, "run.json"), JsonSerializer.Serialize(new { command = stage.Arguments[0], arguments }));
        }

        Assert.Contains("run.json is missing", PretrainedImageModels.Mismatch(plan, shipped.Path));
        foreach (var stage in training) Record(stage, a => a);
        Assert.Null(PretrainedImageModels.Mismatch(plan, shipped.Path));

        Record(training.Single(s => s.Name == "train-vae"), a => a == "600" ? "300" : a);
        string? why = PretrainedImageModels.Mismatch(plan, shipped.Path);
        Assert.NotNull(why);
        Assert.Contains("models/vae was trained by `train-vae", why);
        Assert.Contains("--steps 300`", why);
        Assert.Contains("stage train-vae runs", why);
        Assert.Contains("--steps 600`", why);
    }

    [Fact]
    public void Training_the_image_models_and_reusing_another_runs_cannot_both_be_asked_for()
    {
        using var run = new TempFolder();
        var (exit, output, error) = CliTestHarness.Run("demo", "--preset", "tiny", "--out", run.Sub("demo"), "--train-image-models", "--image-models", run.Path);
        Assert.Equal(2, exit);
        Assert.Contains("--train-image-models", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("[1/", output);
        Assert.False(Directory.Exists(run.Sub("demo")));
    }
}
