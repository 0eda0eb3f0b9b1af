namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>Size of a <see cref="SmallCnnClassifier"/>. Defaults fit Fashion-MNIST (1 x 28 x 28, 10 classes).</summary>
/// <param name="InputChannels">1 (greyscale) or 3 (RGB).</param>
/// <param name="ImageSize">Side of the square input images, e.g. 28 or 32 (at least 8).</param>
/// <param name="ClassCount">Number of classes, at least 2.</param>
/// <param name="BaseChannels">Channels of the first convolution block; the second and third have 2x and 4x this.</param>
/// <param name="FeatureSize">Width of the hidden fully connected layer, whose output is the feature vector.</param>
public sealed record SmallCnnConfig(int InputChannels = 1, int ImageSize = 28, int ClassCount = 10, int BaseChannels = 32, int FeatureSize = 128)
{
    /// <summary>Side of block 3's output after three 2x2 max pools (floor division): 3 for 28, 4 for 32.</summary>
    public int FinalGridSize => ImageSize / 2 / 2 / 2;

    /// <summary>Length of block 3's flattened output: 4 x BaseChannels x FinalGridSize^2.</summary>
    public int FlattenedSize => 4 * BaseChannels * FinalGridSize * FinalGridSize;

    /// <exception cref="ArgumentException">A value is out of range (named).</exception>
    public void Validate()
    {
        if (InputChannels != 1 && InputChannels != 3) throw new ArgumentException($"SmallCnnConfig.InputChannels must be 1 or 3, got {InputChannels}");
        if (ImageSize < 8) throw new ArgumentException($"SmallCnnConfig.ImageSize must be at least 8, got {ImageSize}");
        if (ClassCount < 2) throw new ArgumentException($"SmallCnnConfig.ClassCount must be at least 2, got {ClassCount}");
        if (BaseChannels < 1) throw new ArgumentException($"SmallCnnConfig.BaseChannels must be at least 1, got {BaseChannels}");
        if (FeatureSize < 1) throw new ArgumentException($"SmallCnnConfig.FeatureSize must be at least 1, got {FeatureSize}");
    }
}
