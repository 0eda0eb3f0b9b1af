namespace Decoding.Evaluation;

/// <summary>The scoring classifier as the report states it.</summary>
/// <param name="TestStimuliSeenInTraining">Test stimuli (by id) that were among the classifier's training images.</param>
public sealed record ClassifierSummary(string Folder, string TrainingData, int ClassCount, IReadOnlyList<string> ClassNames, double TestAccuracy, int TestStimuliSeenInTraining);
