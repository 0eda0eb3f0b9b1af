namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>What a trained scoring classifier is (<c>classifier.json</c> next to its weights).</summary>
/// <param name="Network">Size of the <see cref="SmallCnnClassifier"/>.</param>
/// <param name="ClassNames">Name of each output class, in label order.</param>
/// <param name="TrainingData">Which images it was trained and tested on, in words (e.g. "Fashion-MNIST train (60,000) / t10k (10,000)").</param>
/// <param name="TrainingStimulusIds">Stimulus ids of the training images, so an evaluation can say how many test stimuli the scorer has seen.</param>
/// <param name="TrainCount">Training images.</param>
/// <param name="TestCount">Held-out images the accuracy was measured on.</param>
/// <param name="TestAccuracy">Top-1 accuracy on the held-out images.</param>
public sealed record ClassifierDescription(
    SmallCnnConfig Network,
    IReadOnlyList<string> ClassNames,
    string TrainingData,
    IReadOnlyList<string> TrainingStimulusIds,
    int TrainCount,
    int TestCount,
    double TestAccuracy);
