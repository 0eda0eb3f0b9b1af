using Decoding.Metrics;
using Fmri.Core.IO;
using Fmri.Core.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Evaluation.ScoringClassifier;

/// <summary>
/// A small convolutional image classifier used as the evaluation network where no pretrained ImageNet
/// classifier is available. Three blocks of 3x3 convolution, BatchNorm, ReLU and 2x2 max pooling, then a
/// hidden fully connected layer with ReLU whose output is the feature vector, then a linear head:
///   input (B, C, S, S) in [0, 1], mapped to [-1, 1]
///   block 1: (B, b, S/2, S/2)   block 2: (B, 2b, S/4, S/4)   block 3: (B, 4b, S/8, S/8)
///   flatten: (B, 4b (S/8)^2)    hidden: (B, FeatureSize) = features    head: (B, classes)
/// (S/2 etc. are floor divisions: 28 -> 14 -> 7 -> 3.) No dropout, so training draws nothing but the
/// minibatch order. Parameter names (conv1, norm1, ..., hidden, head) are the checkpoint keys.
/// </summary>
public sealed class SmallCnnClassifier : Module<Tensor, Tensor>, IImageClassifier
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d norm1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d norm2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d norm3;
    private readonly Linear hidden;
    private readonly Linear head;

    /// <summary>Builds the network and draws its initial weights from <paramref name="generator"/>.</summary>
    /// <param name="config">Network size; validated.</param>
    /// <param name="generator">Seeded generator for the initial weights: the same seed gives the same network.</param>
    public SmallCnnClassifier(SmallCnnConfig config, Generator generator) : base(nameof(SmallCnnClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generator);
        config.Validate();
        Config = config;
        int b = config.BaseChannels;
        conv1 = Conv2d(config.InputChannels, b, kernel_size: 3, padding: 1);
        norm1 = BatchNorm2d(b);
        conv2 = Conv2d(b, 2 * b, kernel_size: 3, padding: 1);
        norm2 = BatchNorm2d(2 * b);
        conv3 = Conv2d(2 * b, 4 * b, kernel_size: 3, padding: 1);
        norm3 = BatchNorm2d(4 * b);
        hidden = Linear(config.FlattenedSize, config.FeatureSize);
        head = Linear(config.FeatureSize, config.ClassCount);
        RegisterComponents();
        InitialiseWeights(generator);
    }

    public SmallCnnConfig Config { get; }

    public int ClassCount => Config.ClassCount;

    public int FeatureSize => Config.FeatureSize;

    /// <summary>Class logits for a batch (B, C, S, S) of images in [0, 1].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return head.forward(Features(images)).MoveToOuterDisposeScope();
    }

    /// <summary>The feature vector (B, FeatureSize): the hidden layer's output after ReLU.</summary>
    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = images.Times(2.0).Minus(1.0);                                              // [0, 1] -> [-1, 1]
        x = functional.max_pool2d(functional.relu(norm1.forward(OneDnnChannelPadding.Conv2d(conv1, x))), 2);  // (B, b, S/2, S/2)
        x = functional.max_pool2d(functional.relu(norm2.forward(OneDnnChannelPadding.Conv2d(conv2, x))), 2);  // (B, 2b, S/4, S/4)
        x = functional.max_pool2d(functional.relu(norm3.forward(OneDnnChannelPadding.Conv2d(conv3, x))), 2);  // (B, 4b, S/8, S/8)
        x = x.flatten(1);                                                                 // (B, 4b (S/8)^2)
        x = functional.relu(hidden.forward(x));                                           // (B, FeatureSize)
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Fraction of images whose most probable class is their label.</summary>
    public double Evaluate(IReadOnlyList<ImageTensor> images, IReadOnlyList<int> labels)
    {
        EvaluationChecks.SameNonZeroCount(images, labels, nameof(images), nameof(labels));
        CheckLabels(labels);
        var probabilities = Classify(images).Probabilities;
        int correct = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            var p = probabilities[i];
            int best = 0;
            for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Count;
    }

    /// <inheritdoc />
    public ClassifierOutput Classify(IReadOnlyList<ImageTensor> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        const int batchSize = 256;
        var probabilities = new List<float[]>(images.Count);
        var features = new List<float[]>(images.Count);
        eval();
        using var noGrad = no_grad();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, images.Count - start);
            var batch = ToBatchTensor(images, start, count);                              // (B, C, S, S)
            var f = Features(batch);                                                      // (B, FeatureSize)
            var p = functional.softmax(head.forward(f), 1);                               // (B, classes)
            var fData = TorchDevice.HostArray<float>(f);
            var pData = TorchDevice.HostArray<float>(p);
            for (int i = 0; i < count; i++)
            {
                features.Add(fData.AsSpan(i * FeatureSize, FeatureSize).ToArray());
                probabilities.Add(pData.AsSpan(i * ClassCount, ClassCount).ToArray());
            }
        }
        return new ClassifierOutput(probabilities, features);
    }

    /// <summary>
    /// Class probabilities from feature vectors that need not come from an image: the final linear head (the layer
    /// after <see cref="Features"/> in <see cref="forward"/>) and softmax, in inference mode. For features computed by
    /// <see cref="Features"/> this gives exactly the probabilities of <see cref="Classify"/>; for predicted features
    /// (e.g. a ridge map from fMRI) it is what the classifier would conclude from them.
    /// </summary>
    /// <param name="features">Per item: a vector of length <see cref="FeatureSize"/>.</param>
    /// <exception cref="ArgumentException">A vector is missing or has the wrong length.</exception>
    public IReadOnlyList<float[]> ProbabilitiesFromFeatures(IReadOnlyList<float[]> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var data = new float[(long)features.Count * FeatureSize];
        for (int i = 0; i < features.Count; i++)
        {
            var f = features[i] ?? throw new ArgumentException($"features[{i}] is null");
            if (f.Length != FeatureSize) throw new ArgumentException($"features[{i}] has {f.Length} values; this classifier's features have {FeatureSize}");
            f.CopyTo(data, (long)i * FeatureSize);
        }
        if (features.Count == 0) return [];
        eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var p = functional.softmax(head.forward(tensor(data, new long[] { features.Count, FeatureSize }, device: head.weight!.device)), 1).contiguous(); // (B, classes)
        var pData = TorchDevice.HostArray<float>(p);
        return Enumerable.Range(0, features.Count).Select(i => pData.AsSpan(i * ClassCount, ClassCount).ToArray()).ToArray();
    }

    /// <summary>PyTorch's default initialisation for Conv2d and Linear (weights and biases uniform in
    /// +-1/sqrt(fan_in), i.e. kaiming_uniform with a = sqrt(5)), drawn from the given generator. BatchNorm
    /// starts at weight 1, bias 0.</summary>
    private void InitialiseWeights(Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (weight, bias) in new (Tensor, Tensor?)[]
                 { (conv1.weight!, conv1.bias), (conv2.weight!, conv2.bias), (conv3.weight!, conv3.bias), (hidden.weight!, hidden.bias), (head.weight!, head.bias) })
        {
            long fanIn = weight.shape.Skip(1).Aggregate(1L, (a, d) => a * d);
            double bound = 1.0 / Math.Sqrt(fanIn);
            weight.uniform_(-bound, bound, generator);
            bias?.uniform_(-bound, bound, generator);
        }
    }

    internal Tensor ToBatchTensor(IReadOnlyList<ImageTensor> images) => ToBatchTensor(images, 0, images.Count);

    /// <summary>Images start..start+count-1 as a (count, C, S, S) float tensor (HWC -> CHW).</summary>
    private Tensor ToBatchTensor(IReadOnlyList<ImageTensor> images, int start, int count)
    {
        int s = Config.ImageSize, c = Config.InputChannels;
        int plane = s * s;
        var data = new float[(long)count * c * plane];
        for (int i = 0; i < count; i++)
        {
            var image = images[start + i] ?? throw new ArgumentException($"images[{start + i}] is null");
            if (image.Height != s || image.Width != s || image.Channels != c)
                throw new ArgumentException($"images[{start + i}] is {image}; this classifier takes {s}x{s}x{c} images");
            var pixels = image.Pixels;
            int offset = i * c * plane;
            for (int p = 0; p < plane; p++)
                for (int ch = 0; ch < c; ch++)
                    data[offset + ch * plane + p] = pixels[p * c + ch];
        }
        return tensor(data, new long[] { count, c, s, s }, device: head.weight!.device); // (B, C, S, S)
    }

    internal void CheckLabels(IReadOnlyList<int> labels)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= ClassCount)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside 0..{ClassCount - 1}", nameof(labels));
    }
}
