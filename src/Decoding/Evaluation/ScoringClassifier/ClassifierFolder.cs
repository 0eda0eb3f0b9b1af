using System.Text.Json;
using Fmri.Core.Checkpoints;
using Fmri.Core.IO;
using Fmri.Core.Runs;
using Fmri.Core.Torch;

namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>
/// The folder <c>decoding train-classifier</c> writes and <c>decoding evaluate</c> reads: the checkpoint
/// <c>classifier.*</c> (safetensors weights with the BatchNorm statistics, <see cref="SmallCnnConfig"/> as JSON,
/// training state; see <see cref="ModelCheckpoint"/>) and <c>classifier.json</c> (<see cref="ClassifierDescription"/>:
/// class names, training data, held-out accuracy), written once training has finished.
/// </summary>
public sealed class ClassifierFolder(string path)
{
    public const string CheckpointName = "classifier";
    public const string DescriptionFile = "classifier.json";

    /// <summary>Weights file of versions before 0.2 (TorchSharp's own format), recognised to say what to do.</summary>
    public const string OldWeightsFile = "classifier.pt";

    public string Path { get; } = path;

    public ModelCheckpoint Checkpoint => new(Path, CheckpointName);

    public string WeightsPath => Checkpoint.WeightsPath;

    public string DescriptionPath => System.IO.Path.Combine(Path, DescriptionFile);

    /// <summary>Writes the description of the trained network (the weights are the training run's checkpoint).</summary>
    public void SaveDescription(ClassifierDescription description)
    {
        Directory.CreateDirectory(Path);
        AtomicFile.WriteAllText(DescriptionPath, JsonSerializer.Serialize(description, RunManifest.JsonOptions) + "\n");
    }

    /// <summary>Loads the trained network (strictly, its config checked against the description) in evaluation mode.</summary>
    public (SmallCnnClassifier Classifier, ClassifierDescription Description) Load()
    {
        if (!Directory.Exists(Path)) throw new InvalidSettingException("classifier", Path, "folder not found (run decoding train-classifier first)");
        if (!Checkpoint.Exists && File.Exists(System.IO.Path.Combine(Path, OldWeightsFile)))
            throw new DataFormatException(System.IO.Path.Combine(Path, OldWeightsFile), "format",
                "is a classifier saved in TorchSharp's .pt format, which this version no longer reads; train it again with decoding train-classifier (it now saves safetensors)");
        if (!File.Exists(DescriptionPath)) throw new DataFormatException(DescriptionPath, "file", "is missing; this folder was not written by decoding train-classifier, or its training did not finish");
        ClassifierDescription? description;
        try
        {
            description = JsonSerializer.Deserialize<ClassifierDescription>(File.ReadAllText(DescriptionPath), RunManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(DescriptionPath, "json", $"is not a classifier description: {e.Message}", e);
        }
        if (description?.Network is null || description.ClassNames is null)
            throw new DataFormatException(DescriptionPath, "network", "is missing");
        try
        {
            description.Network.Validate();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(DescriptionPath, "network", e.Message, e);
        }
        if (!Checkpoint.Exists) throw new DataFormatException(Checkpoint.ManifestPath, "file", "is missing; the classifier's weights were not saved");
        // The initial weights are overwritten by the checkpoint, so the generator's seed does not matter.
        var model = TorchDevice.Place(new SmallCnnClassifier(description.Network, new TorchSharp.torch.Generator(0)));
        Checkpoint.LoadWeights(model, description.Network);
        model.eval();
        return (model, description);
    }
}
