using System.Text.Json;
using Fmri.Core;
using Fmri.Core.IO;
using Fmri.Core.Runs;

namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>
/// The folder <c>decoding train-classifier</c> writes and <c>decoding evaluate</c> reads: <c>classifier.pt</c>
/// (weights, TorchSharp format) and <c>classifier.json</c> (<see cref="ClassifierDescription"/>).
/// </summary>
public sealed class ClassifierFolder(string path)
{
    public const string WeightsFile = "classifier.pt";
    public const string DescriptionFile = "classifier.json";

    public string Path { get; } = path;

    public string WeightsPath => System.IO.Path.Combine(Path, WeightsFile);

    public string DescriptionPath => System.IO.Path.Combine(Path, DescriptionFile);

    /// <summary>Writes weights and description atomically (creates the folder).</summary>
    public void Save(SmallCnnClassifier classifier, ClassifierDescription description)
    {
        Directory.CreateDirectory(Path);
        classifier.Save(WeightsPath);
        AtomicFile.WriteAllText(DescriptionPath, JsonSerializer.Serialize(description, RunManifest.JsonOptions) + "\n");
    }

    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="DataFormatException">classifier.json is missing or unreadable, or the weights do not match it.</exception>
    public (SmallCnnClassifier Classifier, ClassifierDescription Description) Load()
    {
        if (!Directory.Exists(Path)) throw new DirectoryNotFoundException($"--classifier: folder '{Path}' not found (run decoding train-classifier first)");
        if (!File.Exists(DescriptionPath)) throw new DataFormatException(DescriptionPath, "file", "is missing; this folder was not written by decoding train-classifier");
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
        return (SmallCnnClassifier.Load(WeightsPath, description.Network), description);
    }
}
