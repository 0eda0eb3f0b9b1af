namespace Decoding.Metrics;

/// <summary>
/// The scoring network of the semantic metrics: class probabilities for <see cref="NWayTopOneAccuracy"/> and
/// a feature vector for <see cref="TwoWayIdentification"/>, for a batch of images. Outputs are plain managed
/// arrays so the metrics never depend on how the classifier is implemented.
/// </summary>
public interface IImageClassifier
{
    /// <summary>C, the length of each probability vector.</summary>
    int ClassCount { get; }

    /// <summary>Length of each feature vector.</summary>
    int FeatureSize { get; }

    /// <summary>Probabilities (softmax, sum 1) and features for each image, in input order. Deterministic
    /// (inference mode).</summary>
    /// <exception cref="ArgumentException">An image does not have the size or channels the classifier takes.</exception>
    ClassifierOutput Classify(IReadOnlyList<ImageTensor> images);
}
