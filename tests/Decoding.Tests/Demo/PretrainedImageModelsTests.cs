using System.Text.Json;
using Decoding.Cli;
using Decoding.Demo;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.LatentDiffusion;
using Decoding.Models.Vae;
using Decoding.Tests.Cli;
using Fmri.Core.Checkpoints;
using Fmri.Core.Runs;

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
        void Record(DemoStage stage, Func<string, string> edit, LatentDiffusionPreset? preset = null)
        {
            // As the stage's command records itself: written elsewhere (--out and the models it reads), on 2 threads,
            // resumed once; the VAE and LDM commands record their preset's settings, the steps as they ran.
            var arguments = stage.Arguments.Select(a => a.Replace(run.Path, "/elsewhere/demo")).Select(edit).ToList();
            arguments.InsertRange(1, ["--threads", "2"]);
            arguments.Add("--resume");
            var ran = (preset ?? LatentDiffusionPreset.Small) with { VaeTraining = LatentDiffusionPreset.Small.VaeTraining with { MaxTrainSteps = 600 } };
            object config = stage.Arguments.Contains("--preset") ? new { preset = ran } : new { };
            string model = Path.GetFileName(stage.Arguments[stage.Arguments.ToList().IndexOf("--out") + 1]);
            Directory.CreateDirectory(Path.Combine(shipped.Path, "models", model));
            new RunManifest { Command = stage.Arguments[0], Arguments = arguments, Config = config }
                .Write(Path.Combine(shipped.Path, "models", model, "run.json"));
        }

        Assert.Contains("run.json is missing", PretrainedImageModels.Mismatch(plan, shipped.Path));
        foreach (var stage in training) Record(stage, a => a);
        Assert.Null(PretrainedImageModels.Mismatch(plan, shipped.Path));

        // A preset whose settings changed in the code since (here the UNet's widths) is not this program's preset.
        var ldmStage = training.Single(s => s.Name == "train-ldm");
        Record(ldmStage, a => a, LatentDiffusionPreset.Small with { Unet = LatentDiffusionPreset.Small.Unet with { BlockOutChannels = [32, 64, 64] } });
        Assert.Contains("models/ldm-1200 was trained with other preset settings than this program's (unet.block_out_channels[2]", PretrainedImageModels.Mismatch(plan, shipped.Path));
        Record(ldmStage, a => a);
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
    public void A_plan_without_training_stages_is_not_compared_and_a_changed_fingerprint_redoes_a_stage()
    {
        using var run = new TempFolder();
        var reusing = DemoPlan.Stages(run.Path, "small", 1, imageModels: run.Sub("other"), sideBySideThreads: 1);
        Assert.Throws<ArgumentException>(() => PretrainedImageModels.Mismatch(reusing, run.Path));

        // The fingerprint follows the models' checkpoint manifests, and only those of the image models.
        string models = Path.Combine(run.Sub("other"), "models");
        foreach (var model in new[] { "vae", "ldm", "mbm" }) Directory.CreateDirectory(Path.Combine(models, model));
        File.WriteAllText(Path.Combine(models, "vae", "vae.checkpoint.json"), "{\"files\": {\"vae.safetensors\": \"aa\"}}");
        File.WriteAllText(Path.Combine(models, "ldm", "ldm.checkpoint.json"), "{\"files\": {\"ldm.safetensors\": \"bb\"}}");
        string before = PretrainedImageModels.Fingerprint(run.Sub("other"));
        File.WriteAllText(Path.Combine(models, "mbm", "mbm.checkpoint.json"), "{}");
        Assert.Equal(before, PretrainedImageModels.Fingerprint(run.Sub("other")));
        File.WriteAllText(Path.Combine(models, "ldm", "ldm.checkpoint.json"), "{\"files\": {\"ldm.safetensors\": \"cc\"}}");
        string after = PretrainedImageModels.Fingerprint(run.Sub("other"));
        Assert.NotEqual(before, after);

        // A stage finished with the old fingerprint is not complete with the new one; its marker holds both lines.
        var stage = reusing.Single(s => s.Name == "decode-ldm-class") with { InputsFingerprint = before };
        foreach (var output in stage.Outputs) { Directory.CreateDirectory(Path.GetDirectoryName(output)!); File.WriteAllText(output, "{}"); }
        Directory.CreateDirectory(run.Sub("stages"));
        File.WriteAllText(stage.MarkerPath(run.Path), stage.MarkerText + "\n");
        Assert.True(stage.IsComplete(run.Path));
        Assert.False((stage with { InputsFingerprint = after }).IsComplete(run.Path));
        Assert.False((stage with { InputsFingerprint = null }).IsComplete(run.Path));
        Assert.Equal([stage.CommandLine, before], File.ReadAllLines(stage.MarkerPath(run.Path)));
    }

    [Fact]
    public void Export_model_refuses_a_used_destination_in_one_line_and_records_itself()
    {
        using var run = new TempFolder();
        string shipped = Path.Combine(DataFolder, PretrainedImageModels.FolderName, "small", "models", "classifier");
        var (exit, output, error) = CliTestHarness.Run("export-model", shipped, "--out", run.Sub("classifier"));
        Assert.True(exit == 0, error);
        Assert.Contains("export-model: classifier from", output);
        Assert.True(File.Exists(Path.Combine(run.Sub("classifier"), ExportModelCommand.RecordFile)));
        // Exporting an exported folder changes nothing a model loads.
        foreach (var file in new[] { "classifier.safetensors", "classifier.config.json", "classifier.checkpoint.json", "run.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(shipped, file)), File.ReadAllBytes(Path.Combine(run.Sub("classifier"), file)));
        CliTestHarness.AssertRefused(["export-model", shipped, "--out", run.Sub("classifier")], "--out", run.Sub("nothing"));
        CliTestHarness.AssertRefused(["export-model", run.Sub("none"), "--out", run.Sub("copy")], "model", run.Sub("copy"));
        Assert.False(Directory.Exists(run.Sub("copy")));
    }

    [Fact]
    public void Sampling_an_exported_ldm_with_its_live_weights_is_refused()
    {
        using var run = new TempFolder();
        string ldm = Path.Combine(DataFolder, PretrainedImageModels.FolderName, "small", "models", "ldm");
        CliTestHarness.AssertRefused(["generate", "--model", ldm, "--prompt", "Bag", "--no-ema", "--out", run.Sub("samples")], "no-ema", run.Sub("samples"));
        Assert.False(Directory.Exists(run.Sub("samples")));
    }

    [Fact]
    public void The_demo_takes_given_models_first_then_the_shipped_ones_when_they_fit_else_trains()
    {
        using var run = new TempFolder();
        IReadOnlyList<DemoStage> Plan(long seed) => DemoPlan.Stages(run.Path, "small", seed, sideBySideThreads: 1);
        var given = PretrainedImageModels.Choose("small", run.Sub("other"), train: false, () => Plan(1), DataFolder);
        Assert.Equal((ImageModelSource.Given, run.Sub("other")), (given.Kind, given.Folder));
        var trained = PretrainedImageModels.Choose("small", null, train: true, () => Plan(1), DataFolder);
        Assert.Equal((ImageModelSource.Trained, null), (trained.Kind, trained.Folder));
        var shipped = PretrainedImageModels.Choose("small", null, train: false, () => Plan(1), DataFolder);
        Assert.Equal((ImageModelSource.Shipped, PretrainedImageModels.Find("small", DataFolder)), (shipped.Kind, shipped.Folder));
        var otherSeed = PretrainedImageModels.Choose("small", null, train: false, () => Plan(2), DataFolder);
        Assert.Equal(ImageModelSource.Trained, otherSeed.Kind);
        Assert.Null(otherSeed.Folder);
        Assert.Contains("--seed 1", otherSeed.Reason);
        var none = PretrainedImageModels.Choose("tiny", null, train: false, () => DemoPlan.Stages(run.Path, "tiny", 1), DataFolder);
        Assert.Equal(ImageModelSource.Trained, none.Kind);
        Assert.Contains("no shipped image models for preset tiny", none.Reason);
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
