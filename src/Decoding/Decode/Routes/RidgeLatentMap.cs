using Decoding.Metrics;
using Decoding.LatentDiffusion;
using Fmri.Ridge;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode.Routes;

/// <summary>
/// Ridge regression from the voxel vector to the latent of a frozen autoencoder, decoded by that autoencoder: the
/// target of each training sample is the posterior mean of its stimulus (<see cref="FirstStage.Encode"/>, unscaled z,
/// flattened C x h x w), the stimulus put in model range as the decoder's training pairs are
/// (<see cref="ImageTensors.ToModelRange"/>). One linear map, fitted on training samples only with the penalty chosen
/// by k-fold cross-validation on those samples; predicted latents are decoded to images and clamped to [0, 1].
/// The autoencoder is only read (no gradients, evaluation mode); it is not owned.
/// <para>
/// With the training samples' categories (<see cref="LowLevelPrior.Category"/>), the latent is the predicted category's
/// mean latent plus a ridge map of the rest: z = μ_ĉ + W v, where μ_k is the mean training latent of category k, W is
/// fitted to z_i − μ_(c_i) (penalty again by cross-validation), and ĉ is the category a ridge map from the voxels to
/// the one-hot category scores highest (a category used as a fixed effect). With few training samples the category
/// mean is better estimated from the images than the ridge map can learn it from noisy voxels; it only helps when the
/// test stimuli come from the training categories.
/// </para>
/// </summary>
public sealed class RidgeLatentMap
{
    private const int BatchSize = 64;

    private readonly RidgeRegression ridge;
    private readonly FirstStage firstStage;
    private readonly CategoryMeans? categoryMeans;

    /// <summary>The classifier that predicts the category and the mean latent (C h w) of each of its categories.</summary>
    private sealed record CategoryMeans(CategoryMap Classifier, float[][] Means);

    private RidgeLatentMap(RidgeRegression ridge, FirstStage firstStage, int[] latentShape, int imageSize, CategoryMeans? categoryMeans)
    {
        this.ridge = ridge;
        this.firstStage = firstStage;
        this.categoryMeans = categoryMeans;
        LatentShape = latentShape;
        ImageSize = imageSize;
    }

    /// <summary>Whether the latent adds the predicted category's mean latent (see the class remarks).</summary>
    public LowLevelPrior Prior => categoryMeans is null ? LowLevelPrior.None : LowLevelPrior.Category;

    /// <summary>The penalty of the voxels-to-category map (NaN without the category prior).</summary>
    public double CategoryLambda => categoryMeans?.Classifier.Lambda ?? double.NaN;

    /// <summary>(C, h, w) of one latent.</summary>
    public IReadOnlyList<int> LatentShape { get; }

    /// <summary>Side of the images encoded and decoded.</summary>
    public int ImageSize { get; }

    /// <summary>Channels of the decoded images.</summary>
    public int ImageChannels => firstStage.ImageChannels;

    /// <summary>The cross-validated penalty.</summary>
    public double Lambda => ridge.Lambda;

    /// <summary>The cross-validation that chose <see cref="Lambda"/>.</summary>
    public RidgeCrossValidationResult? CrossValidation => ridge.CrossValidation;

    /// <summary>Fits voxels (n x v, row-major) -> posterior mean latents of the training stimuli.</summary>
    /// <param name="trainImages">uint8 (n, C, S, S) stimulus of each training sample at the model's image format
    /// (<see cref="Fmri.Data.StimulusPairs.Images"/>).</param>
    /// <param name="firstStage">The frozen autoencoder.</param>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    /// <param name="noise">The trial noise, when the samples to decode average several trials (see <see cref="TrialNoise"/>).</param>
    /// <param name="groups">A group per sample kept in one cross-validation fold (its stimulus); null: every sample its own.</param>
    /// <param name="categories">Each training sample's category, to fit the latent as the predicted category's mean plus a
    /// ridge map of the rest (see the class remarks); null: one ridge map of the whole latent.</param>
    public static RidgeLatentMap Fit(float[] trainVoxels, int voxelCount, Tensor trainImages, FirstStage firstStage, Random random,
        int folds = RidgeMap.DefaultFolds, TrialNoise? noise = null, int[]? groups = null, IReadOnlyList<int>? categories = null)
    {
        ArgumentNullException.ThrowIfNull(trainVoxels);
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(firstStage);
        ArgumentNullException.ThrowIfNull(random);
        if (trainImages.dim() != 4 || trainImages.shape[2] != trainImages.shape[3])
            throw new ArgumentException($"VAE ridge baseline: training images are ({string.Join(", ", trainImages.shape)}); expected (N, C, S, S)");
        if (trainImages.shape[1] != firstStage.ImageChannels)
            throw new ArgumentException($"VAE ridge baseline: training images have {trainImages.shape[1]} channels; the autoencoder takes {firstStage.ImageChannels}");
        int n = (int)trainImages.shape[0], size = (int)trainImages.shape[2];
        if (n < folds) throw new ArgumentException($"VAE ridge baseline: {n} training samples; {folds}-fold cross-validation needs at least {folds}");
        if (voxelCount < 1 || trainVoxels.LongLength != (long)n * voxelCount)
            throw new ArgumentException($"VAE ridge baseline: {trainVoxels.LongLength} voxel values for {n} samples x {voxelCount} voxels");
        int latentSize = firstStage.LatentSize(size);
        int[] latentShape = [firstStage.LatentChannels, latentSize, latentSize];
        int q = latentShape[0] * latentShape[1] * latentShape[2];
        var targets = new float[(long)n * q]; // (n, C h w)
        for (int start = 0; start < n; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(BatchSize, n - start);
            var x = ImageTensors.ToModelRange(trainImages.narrow(0, start, count));          // (B, C, S, S) in [−1, 1]
            var mean = firstStage.Encode(x).Mean.contiguous();                                // (B, C_z, h, w)
            TorchDevice.HostArray<float>(mean).CopyTo(targets, (long)start * q);
        }
        CategoryMeans? means = null;
        if (categories is not null)
        {
            if (categories.Count != n) throw new ArgumentException($"VAE ridge baseline: {categories.Count} categories for {n} training samples");
            var classifier = CategoryMap.Fit(trainVoxels, voxelCount, categories, new Random(random.Next()), groups, folds);
            var labels = classifier.Labels;
            var meanLatents = labels.Select(_ => new float[q]).ToArray();
            var index = labels.Select((label, k) => (label, k)).ToDictionary(p => p.label, p => p.k);
            var counts = new int[labels.Count];
            for (int i = 0; i < n; i++)
            {
                var mean = meanLatents[index[categories[i]]];
                counts[index[categories[i]]]++;
                for (int j = 0; j < q; j++) mean[j] += targets[(long)i * q + j];
            }
            for (int k = 0; k < labels.Count; k++)
                for (int j = 0; j < q; j++) meanLatents[k][j] /= counts[k];
            for (int i = 0; i < n; i++)
            {
                var mean = meanLatents[index[categories[i]]];
                for (int j = 0; j < q; j++) targets[(long)i * q + j] -= mean[j];                 // the rest: z_i − μ_(c_i)
            }
            means = new CategoryMeans(classifier, meanLatents);
        }
        var lambdas = RidgeCrossValidation.DefaultLambdas(n, voxelCount);
        var ridge = RidgeRegression.FitCrossValidated(trainVoxels, n, voxelCount, targets, q, lambdas, folds, random, groups: groups, noise: noise);
        return new RidgeLatentMap(ridge, firstStage, latentShape, size, means);
    }

    /// <summary>The predicted (unscaled) latent z of each row of <paramref name="voxels"/> (m x v): (m, C_z, h, w).</summary>
    public Tensor PredictLatents(float[] voxels, int count)
    {
        var predicted = ridge.Predict(voxels, count);                                                   // (m, C h w)
        if (categoryMeans is not null)
        {
            var predictedCategories = categoryMeans.Classifier.PredictIndices(voxels, count);            // ĉ of each row
            int q = predicted.Length / Math.Max(1, count);
            for (int i = 0; i < count; i++)
            {
                var mean = categoryMeans.Means[predictedCategories[i]];                                 // μ_ĉ
                for (int j = 0; j < q; j++) predicted[(long)i * q + j] += mean[j];
            }
        }
        return tensor(predicted, new long[] { count, LatentShape[0], LatentShape[1], LatentShape[2] });   // (m, C_z, h, w)
    }

    /// <summary>Latents z (m, C_z, h, w) decoded by the frozen first stage: images (m, C, S, S) in [0, 1].</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var noGrad = no_grad();
        var chunks = new List<Tensor>();
        try
        {
            for (long start = 0; start < latents.shape[0]; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                long batch = Math.Min(BatchSize, latents.shape[0] - start);
                var decoded = ImageTensors.ToUnitRange(firstStage.Decode(latents.narrow(0, start, batch)));   // (B, C, S, S)
                chunks.Add(decoded.to(ScalarType.Float32).to(TorchDevice.Host).MoveToOuterDisposeScope());
            }
            return cat(chunks, 0);
        }
        finally
        {
            foreach (var c in chunks) c.Dispose();
        }
    }

    /// <summary>The frozen first stage the latents belong to.</summary>
    public FirstStage FirstStage => firstStage;

    /// <summary>The decoded image of each row of <paramref name="voxels"/> (m x v): S x S x C, clamped to [0, 1].</summary>
    public IReadOnlyList<ImageTensor> Predict(float[] voxels, int count)
    {
        using var latents = PredictLatents(voxels, count);
        using var images = DecodeLatents(latents);                                                     // (m, C, S, S)
        using var hwc = images.permute(0, 2, 3, 1).contiguous();                                       // (m, S, S, C)
        var values = TorchDevice.HostArray<float>(hwc);
        int h = (int)hwc.shape[1], w = (int)hwc.shape[2], c = (int)hwc.shape[3], length = h * w * c;
        return Enumerable.Range(0, count).Select(i => new ImageTensor(h, w, c, values.AsSpan(i * length, length).ToArray())).ToArray();
    }
}
