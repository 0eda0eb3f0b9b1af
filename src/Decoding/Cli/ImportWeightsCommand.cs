using System.CommandLine;
using System.Diagnostics;
using Decoding.LatentDiffusion;
using Decoding.Models;
using Fmri.Core.Checkpoints;
using Fmri.Core.Runs;
using Fmri.MaskedBrainModeling;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding import-weights</c>: released PyTorch weights into a model folder the other commands read.
/// <c>mbm</c>: a MinD-Vis stage-A checkpoint into <c>mbm.*</c> (what pretrain-mbm writes; train-adapter --mbm reads it).
/// <c>vae</c>: diffusers AutoencoderKL weights into <c>vae.*</c> (what train-vae writes; train-ldm --vae reads it).
/// <c>unet</c>: diffusers UNet2DConditionModel weights into <c>unet.*</c>.
/// Loading is strict (<see cref="ModuleWeights.LoadStrict(TorchSharp.torch.nn.Module, IReadOnlyDictionary{string, TorchSharp.torch.Tensor}, string, string?)"/>).
/// </summary>
public static class ImportWeightsCommand
{
    public const string UNetCheckpointName = "unet";

    public static Command Create()
    {
        var command = new Command("import-weights", "Load released PyTorch weights (MinD-Vis stage A; diffusers SD-1.x UNet/VAE, .bin or .safetensors) into a model folder");
        command.Subcommands.Add(Mbm());
        command.Subcommands.Add(Diffusers("vae", "diffusers AutoencoderKL weights (vae/diffusion_pytorch_model.bin or .safetensors) into vae.* (a train-vae folder: train-ldm --vae reads it)"));
        command.Subcommands.Add(Diffusers("unet", "diffusers UNet2DConditionModel weights (unet/diffusion_pytorch_model.bin or .safetensors) into unet.*"));
        return command;
    }

    private static Command Mbm()
    {
        var source = new Argument<string>("checkpoint") { Description = "MinD-Vis stage-A checkpoint (torch.save of {'model': state dict, 'config': Config_MBM_fMRI, ...})" };
        var output = new Option<string?>("--out", "-o") { Description = "folder to write mbm.* into (as pretrain-mbm does)" };
        var command = new Command("mbm", "a MinD-Vis stage-A checkpoint into mbm.* (a pretrain-mbm folder: train-adapter --mbm reads it)") { source, output };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            string path = Check.ExistingFile(parse.GetValue(source), "checkpoint");
            string folder = Check.OutputFolder(parse.GetValue(output), "out");
            var checkpoint = new ModelCheckpoint(folder, PretrainedBrainEncoderConfig.CheckpointName);
            RefuseExisting(checkpoint);
            var imported = MindVisCheckpoint.Read(path);
            using var model = imported.Model;
            var config = new PretrainedBrainEncoderConfig
            {
                Preset = "mindvis-import",
                Model = imported.Config,
                // MinD-Vis's own pretraining pools included test-split fMRI; an imported checkpoint is recorded as such.
                IncludeTestFmri = true,
                DataVoxels = imported.Config.NumVoxels,
                WidthPolicy = WidthPolicyNames.Error,
            };
            checkpoint.Save(model, config);
            WriteManifest("import-weights mbm", folder, path, new { kind = "mbm", imported.Config, notes = imported.Notes, epoch = imported.Epoch }, started, clock);
            foreach (var note in imported.Notes) Console.WriteLine(note);
            Console.WriteLine($"loaded {model.state_dict().Count} tensors ({ParameterListing.Count(model):N0} parameters) strictly; wrote {checkpoint.WeightsPath}");
            return 0;
        }));
        return command;
    }

    private static Command Diffusers(string kind, string description)
    {
        var source = new Argument<string>("weights") { Description = "diffusion_pytorch_model.bin (torch.save) or .safetensors" };
        var config = new Option<string?>("--config") { Description = "the diffusers config.json (default: config.json beside the weights)" };
        var output = new Option<string?>("--out", "-o") { Description = $"folder to write {kind}.* into" };
        var command = new Command(kind, description) { source, config, output };
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            string path = Check.ExistingFile(parse.GetValue(source), "weights");
            string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json");
            if (parse.GetValue(config) is null && !File.Exists(beside))
                throw new InvalidSettingException("weights", path, $"has no config.json beside it ({beside}); name the diffusers config with {{config}}");
            string configPath = Check.ExistingFile(parse.GetValue(config) ?? beside, "config");
            string folder = Check.OutputFolder(parse.GetValue(output), "out");
            var checkpoint = new ModelCheckpoint(folder, kind == "vae" ? VaeTrainer.CheckpointName : UNetCheckpointName);
            RefuseExisting(checkpoint);
            TorchSharp.torch.nn.Module model;
            if (kind == "vae")
            {
                var vae = DiffusersWeights.LoadVae(path, configPath);
                checkpoint.Save(vae, vae.Config);
                model = vae;
            }
            else
            {
                var unet = DiffusersWeights.LoadUNet(path, configPath);
                checkpoint.Save(unet, unet.Config);
                model = unet;
            }
            using (model)
            {
                WriteManifest($"import-weights {kind}", folder, path, new { kind, config = configPath }, started, clock, configPath);
                Console.WriteLine($"loaded {model.state_dict().Count} tensors ({ParameterListing.Count(model):N0} parameters) strictly from {path}; wrote {checkpoint.WeightsPath}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Completes or discards an interrupted save, then refuses a folder that already holds the checkpoint.</summary>
    private static void RefuseExisting(ModelCheckpoint checkpoint)
    {
        checkpoint.RecoverInterruptedSave();
        if (checkpoint.Exists)
            throw new InvalidSettingException("out", checkpoint.Folder, $"already holds a '{checkpoint.Name}' checkpoint; choose another folder");
    }

    private static void WriteManifest(string name, string folder, string input, object config, DateTimeOffset started, Stopwatch clock, params string[] moreInputs)
        => new RunManifest
        {
            Command = name,
            Arguments = CommandLineApp.Arguments,
            Config = config,
            InputSha256 = RunManifest.HashInputs([input, .. moreInputs]),
            Outputs = [folder],
            StartedUtc = started,
            WallSeconds = clock.Elapsed.TotalSeconds,
        }.Write(Path.Combine(folder, "import-weights.run.json"));
}
