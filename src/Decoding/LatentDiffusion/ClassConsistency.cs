using System.Text.Json.Serialization;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.LatentDiffusion;

/// <summary>The outcome of a class-consistency measurement.</summary>
/// <param name="ClassNames">Prompts, in label order.</param>
/// <param name="SamplesPerClass">Samples generated for each prompt.</param>
/// <param name="PerClass">Fraction of each prompt's samples whose nearest class mean is the prompt's class.</param>
/// <param name="Overall">The fraction over all samples.</param>
/// <param name="Confusion">Confusion[prompted][nearest]: sample counts.</param>
public sealed record ClassConsistencyResult(
    [property: JsonPropertyName("class_names")] IReadOnlyList<string> ClassNames,
    [property: JsonPropertyName("samples_per_class")] int SamplesPerClass,
    [property: JsonPropertyName("per_class")] IReadOnlyList<double> PerClass,
    [property: JsonPropertyName("overall")] double Overall,
    [property: JsonPropertyName("confusion")] IReadOnlyList<IReadOnlyList<int>> Confusion);

/// <summary>
/// Does a class-conditional generator draw the class it is asked for? For each class name, generate n samples and
/// assign each to the class whose mean training image it correlates with most (Pearson correlation over pixels);
/// report the fraction assigned to the prompted class. Chance is 1/K; a nearest-class-mean classifier is crude
/// (on real Fashion-MNIST images it errs often between shirt, T-shirt, pullover and coat), so the number is a
/// reproducible sanity measure of conditioning, not of image quality.
/// </summary>
public static class ClassConsistency
{
    /// <summary>The mean image of each class, (K, C, S, S) float32 in [0, 1], from uint8 images (N, C, S, S).</summary>
    /// <exception cref="ArgumentException">A class has no images.</exception>
    public static Tensor ClassMeans(Tensor pixels, IReadOnlyList<int> labels, int classCount)
    {
        if (pixels.dim() != 4 || pixels.shape[0] != labels.Count)
            throw new ArgumentException($"class means: {labels.Count} labels for pixels of shape ({string.Join(", ", pixels.shape)})");
        using var scope = NewDisposeScope();
        var images = pixels.to(ScalarType.Float64) / 255.0;                                      // (N, C, S, S)
        using var labelTensor = tensor(labels.Select(l => (long)l).ToArray(), ScalarType.Int64);  // (N)
        var means = new List<Tensor>();
        for (int k = 0; k < classCount; k++)
        {
            var members = labelTensor.eq(k).nonzero().flatten();
            if (members.numel() == 0) throw new ArgumentException($"class means: class {k} has no images");
            means.Add(images.index_select(0, members).mean(new long[] { 0 }));
        }
        return stack(means, 0).to(ScalarType.Float32).MoveToOuterDisposeScope();                 // (K, C, S, S)
    }

    /// <summary>Pearson correlation of each image with each class mean, (B, K).</summary>
    public static Tensor Correlations(Tensor images, Tensor classMeans)
    {
        if (images.dim() != 4 || classMeans.dim() != 4 || !images.shape[1..].SequenceEqual(classMeans.shape[1..]))
            throw new ArgumentException($"class consistency: images ({string.Join(", ", images.shape)}) and class means ({string.Join(", ", classMeans.shape)}) differ in shape");
        using var scope = NewDisposeScope();
        static Tensor Standardise(Tensor x)
        {
            var flat = x.flatten(1).to(ScalarType.Float64);                // (n, P)
            var centred = flat - flat.mean(new long[] { 1 }, keepdim: true);
            return centred / centred.norm(1, keepdim: true).clamp_min(1e-12);
        }
        var a = Standardise(images);                                        // (B, P)
        var b = Standardise(classMeans.to(images.device));                  // (K, P)
        return a.matmul(b.t()).MoveToOuterDisposeScope();                   // (B, K)
    }

    /// <summary>Index of the best-correlated class mean for each image.</summary>
    public static long[] NearestClassMean(Tensor images, Tensor classMeans)
    {
        using var correlations = Correlations(images, classMeans);
        using var best = correlations.argmax(1).to(TorchDevice.Host);
        return TorchDevice.HostArray<long>(best);
    }

    /// <summary>
    /// The same measure on real images (uint8 (N, C, S, S) with their labels): the fraction of each class's images whose
    /// nearest class mean is their own class. On training images it is the reference a generator's number is read against.
    /// </summary>
    public static ClassConsistencyResult OfImages(Tensor pixels, IReadOnlyList<int> labels, Tensor classMeans, IReadOnlyList<string> classNames)
    {
        if (pixels.dim() != 4 || pixels.shape[0] != labels.Count)
            throw new ArgumentException($"class consistency: {labels.Count} labels for pixels of shape ({string.Join(", ", pixels.shape)})");
        int classes = classNames.Count;
        if (classMeans.shape[0] != classes) throw new ArgumentException($"class consistency: {classMeans.shape[0]} class means for {classes} classes");
        var confusion = new int[classes][];
        for (int k = 0; k < classes; k++) confusion[k] = new int[classes];
        const int Batch = 1000;
        for (long start = 0; start < pixels.shape[0]; start += Batch)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(Batch, pixels.shape[0] - start);
            var images = pixels.narrow(0, start, size).to(ScalarType.Float32) / 255.0;   // (b, C, S, S) in [0, 1]
            var nearest = NearestClassMean(images, classMeans);
            for (int i = 0; i < size; i++) confusion[labels[(int)start + i]][nearest[i]]++;
        }
        var counts = confusion.Select(row => row.Sum()).ToArray();
        var perClass = Enumerable.Range(0, classes).Select(k => counts[k] == 0 ? double.NaN : (double)confusion[k][k] / counts[k]).ToArray();
        double overall = Enumerable.Range(0, classes).Sum(k => confusion[k][k]) / (double)labels.Count;
        return new ClassConsistencyResult(classNames, 0, perClass, overall, confusion.Select(row => (IReadOnlyList<int>)row).ToArray());
    }

    /// <summary>
    /// Generates <paramref name="samplesPerClass"/> images for every class name of the pipeline, in batches, and scores
    /// them against <paramref name="classMeans"/> (K, C, S, S). <paramref name="onBatch"/> sees each batch of images in
    /// [0, 1] with its class index (e.g. to keep some for a grid); the images are released after it returns.
    /// </summary>
    public static ClassConsistencyResult Measure(TextToImagePipeline pipeline, Tensor classMeans, int samplesPerClass,
        SamplingOptions options, Generator generator, int batchSize = 50, IProgress<ProgressUpdate>? progress = null,
        Action<int, Tensor>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(classMeans);
        int classes = pipeline.ClassNames.Count;
        if (classMeans.dim() != 4 || classMeans.shape[0] != classes)
            throw new ArgumentException($"class consistency: {classMeans.shape[0]} class means for {classes} classes");
        if (samplesPerClass < 1) throw new ArgumentException($"class consistency: samples per class = {samplesPerClass}; need at least 1");
        if (batchSize < 1) throw new ArgumentException($"class consistency: batch size = {batchSize}; need at least 1");

        var confusion = new int[classes][];
        for (int k = 0; k < classes; k++) confusion[k] = new int[classes];
        long done = 0;
        for (int k = 0; k < classes; k++)
        {
            for (int start = 0; start < samplesPerClass; start += batchSize)
            {
                int count = Math.Min(batchSize, samplesPerClass - start);
                using var scope = NewDisposeScope();
                var prompts = Enumerable.Repeat(pipeline.ClassNames[k], count).ToList();
                var images = pipeline.Generate(prompts, options, generator);       // (b, C, S, S)
                foreach (long nearest in NearestClassMean(images, classMeans)) confusion[k][nearest]++;
                onBatch?.Invoke(k, images);
                done += count;
                progress?.Report(new ProgressUpdate(done, $"{pipeline.ClassNames[k]}: {confusion[k][k]}/{start + count} consistent"));
            }
        }
        var perClass = Enumerable.Range(0, classes).Select(k => (double)confusion[k][k] / samplesPerClass).ToArray();
        double overall = Enumerable.Range(0, classes).Sum(k => confusion[k][k]) / (double)(classes * samplesPerClass);
        return new ClassConsistencyResult(pipeline.ClassNames, samplesPerClass, perClass, overall,
            confusion.Select(row => (IReadOnlyList<int>)row).ToArray());
    }
}
