namespace Decoding.Metrics;

/// <summary>What an <see cref="IImageClassifier"/> returns for a batch of images.</summary>
/// <param name="Probabilities">Per image: class probabilities (length C, sum 1).</param>
/// <param name="Features">Per image: the feature vector (the classifier's penultimate layer).</param>
public sealed record ClassifierOutput(IReadOnlyList<float[]> Probabilities, IReadOnlyList<float[]> Features);
