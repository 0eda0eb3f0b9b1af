using System.Globalization;
using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.Ridge;
using static TorchSharp.torch;

namespace Fmri.EncodingModels;

/// <summary>
/// The feature-weighted receptive field encoding model (fwRF, St-Yves &amp; Naselaris 2018): each voxel sees the image
/// through one Gaussian pooling field g_v and weighs a few feature channels,
/// <code>
///   ŷ_v(image) = b_v + Σ_c w_vc φ_c(Σ_p g_v(p) E_c(p))
/// </code>
/// where E_c are the Gabor energy maps of <see cref="GaborEnergyFeatures.EnergyMaps"/> (every period and orientation,
/// and the luminance), φ the compressive square root of the pooled energy (Kay et al. 2013; luminance stays linear),
/// the features standardised over the training images. The pooling field is chosen for each voxel from a grid of
/// <see cref="CentresPerSide"/>² centres x <see cref="FieldSizes"/> (as fractions of the working side) together with
/// its ridge penalty, by the held-out error of k-fold cross-validation on the training samples (every trial of a
/// stimulus in one fold); the weights are then refitted on every training sample. A voxel has a dozen weights instead
/// of the thousands of a linear map from every feature (<see cref="GaborEncodingModel"/>), which is what lets a model
/// fitted on noisy single trials predict well. Differentiable in the image (<see cref="Predict"/>), so a decoder can
/// invert it (the <c>encoding</c> decoding route, <c>Decoding.Decode.Routes.EncodingInversionRoute</c>).
/// </summary>
public sealed class FeatureWeightedReceptiveFields : IEncodingModel
{
    /// <summary>Centres of the candidate pooling fields per side of the working field (evenly spaced, cell centres).</summary>
    public const int CentresPerSide = 10;

    /// <summary>Standard deviations of the candidate pooling fields, as fractions of the working side.</summary>
    public static IReadOnlyList<double> FieldSizes { get; } = [1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4];

    /// <summary>The ridge penalties tried for each voxel, as multiples of the training samples n (the standardised
    /// features' Gram matrix has diagonal n).</summary>
    public static IReadOnlyList<double> PenaltyShares { get; } = [1e-3, 1e-2, 1e-1, 1, 10];

    private const int BatchSize = 64;
    private const int VoxelBlock = 512;
    private const int CandidateChunk = 40;
    private const double Epsilon = 1e-6;

    private readonly Tensor fields;     // (K', W·W) the pooling fields some voxel uses, each summing to 1
    private readonly Tensor fieldOf;    // (V) int64: each voxel's row of fields
    private readonly Tensor mean;       // (C, V) the standardisation of each voxel's features
    private readonly Tensor scale;      // (C, V)
    private readonly Tensor weights;    // (C, V) on standardised features
    private readonly Tensor intercept;  // (V)

    private FeatureWeightedReceptiveFields(GaborEnergyFeatures features, Tensor fields, Tensor fieldOf, Tensor mean, Tensor scale, Tensor weights,
        Tensor intercept, double[] heldOutErrors, string description)
    {
        HeldOutErrors = heldOutErrors;
        Features = features;
        this.fields = fields;
        this.fieldOf = fieldOf;
        this.mean = mean;
        this.scale = scale;
        this.weights = weights;
        this.intercept = intercept;
        VoxelCount = (int)weights.shape[1];
        Description = description;
    }

    /// <summary>The energy maps the fields pool.</summary>
    public GaborEnergyFeatures Features { get; }

    public int VoxelCount { get; }

    public IReadOnlyList<double> HeldOutErrors { get; }

    public string Description { get; }

    /// <summary>Fits the model on <paramref name="train"/> (uint8 images at the decode geometry).</summary>
    /// <param name="random">Assigns the cross-validation folds; pass a seeded generator.</param>
    public static FeatureWeightedReceptiveFields Fit(StimulusPairs train, Random random, int folds = RidgeMap.DefaultFolds)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(random);
        var features = new GaborEnergyFeatures((int)train.Images.shape[2]);
        try
        {
            return Fit(train, features, random, folds);
        }
        catch
        {
            features.Dispose();
            throw;
        }
    }

    private static FeatureWeightedReceptiveFields Fit(StimulusPairs train, GaborEnergyFeatures features, Random random, int folds)
    {
        int n = train.Count, voxels = train.VoxelCount;
        int channels = features.EnergyChannels, width = features.WorkingSize;
        using var candidates = CandidateFields(width);                                             // (K, W·W)
        int k = (int)candidates.shape[0];

        // Pooled features of every training image in every candidate field: (n, C, K), then standardised per (C, K).
        using var pooled = zeros(n, channels, k, ScalarType.Float64);
        using (no_grad())
            for (int start = 0; start < n; start += BatchSize)
            {
                using var batchScope = NewDisposeScope();
                int count = Math.Min(BatchSize, n - start);
                var images = train.Images.narrow(0, start, count).to(ScalarType.Float32).DividedBy(255.0);
                pooled.narrow(0, start, count).copy_(Pool(features, images, candidates).to(ScalarType.Float64));
            }
        using var featureMean = pooled.mean([0L]);                                                  // (C, K)
        using var featureScale = pooled.std(0, keepdim: false).clamp_min(1e-8);                    // (C, K)
        pooled.sub_(featureMean).div_(featureScale);

        using var y = tensor(train.Voxels, new long[] { n, voxels }).to(ScalarType.Float64);       // (n, V)
        int[] foldOf = RidgeCrossValidation.AssignFolds(n, folds, random, train.StimulusGroups());
        var penalties = PenaltyShares.Select(s => s * n).ToArray();
        int augmented = channels + 1;
        using var scope = NewDisposeScope();
        var unpenalised = Unpenalised(augmented);                                                  // (C+1, C+1): 1 on the slopes, 0 on the intercept
        var design = Augment(pooled);                                                               // (n, K, C+1)
        var gram = Gram(design);                                                                    // (K, C+1, C+1)
        var testRows = Enumerable.Range(0, folds).Select(f => tensor(Enumerable.Range(0, n).Where(i => foldOf[i] == f).Select(i => (long)i).ToArray())).ToArray();
        var testDesigns = testRows.Select(rows => design.index_select(0, rows)).ToArray();         // (n_f, K, C+1)
        // (X'X + lambda U)⁻¹ of every fold's training part, every penalty and every field: [fold][penalty] (K, C+1, C+1).
        var inverses = testDesigns.Select(d =>
        {
            var trainGram = gram.sub(Gram(d));
            return penalties.Select(l => linalg.inv(trainGram.add(unpenalised.mul(l)))).ToArray();
        }).ToArray();

        // Held-out squared error of every (penalty, field) for every voxel, summed over folds: (L, K, V); in blocks of
        // voxels and fields, so that no temporary is large.
        var error = zeros(penalties.Length, k, voxels, ScalarType.Float64);
        for (int first = 0; first < voxels; first += VoxelBlock)
        {
            int blockWidth = Math.Min(VoxelBlock, voxels - first);
            for (int field = 0; field < k; field += CandidateChunk)
            {
                using var blockScope = NewDisposeScope();
                int count = Math.Min(CandidateChunk, k - field);
                var block = y.narrow(1, first, blockWidth);                                             // (n, b)
                var cross = Cross(design.narrow(1, field, count), block);                           // (c, C+1, b)
                for (int f = 0; f < folds; f++)
                {
                    var testY = block.index_select(0, testRows[f]);
                    var testDesign = testDesigns[f].narrow(1, field, count);
                    var testCross = Cross(testDesign, testY);                                       // (c, C+1, b)
                    var testGram = Gram(testDesign);                                                // (c, C+1, C+1)
                    var squares = testY.square().sum([0L]);                                         // (b)
                    var trainCross = cross.sub(testCross);
                    for (int l = 0; l < penalties.Length; l++)
                    {
                        using var penaltyScope = NewDisposeScope();
                        var b = inverses[f][l].narrow(0, field, count).matmul(trainCross);         // (c, C+1, b)
                        // |y − Xb|² on the held-out rows: y'y − 2 b'X'y + b'X'X b.
                        var foldError = squares.sub(b.mul(testCross).sum([1L]).mul(2)).add(testGram.matmul(b).mul(b).sum([1L]));
                        error[l].narrow(0, field, count).narrow(1, first, blockWidth).add_(foldError);
                    }
                }
            }
        }

        // Each voxel's field and penalty: the smallest held-out error.
        var flat = error.reshape(penalties.Length * k, voxels);
        long[] choice = flat.argmin(0).data<long>().ToArray();                                      // over (L, K)
        double[] heldOut = flat.amin(0).data<double>().ToArray();
        int[] fieldIndex = choice.Select(c => (int)(c % k)).ToArray();
        int[] penaltyIndex = choice.Select(c => (int)(c / k)).ToArray();

        // Refit every voxel on all training samples with its field and penalty, the voxels of one field together.
        var crossOfVoxel = zeros(voxels, augmented, ScalarType.Float64);
        foreach (var group in Enumerable.Range(0, voxels).GroupBy(v => fieldIndex[v]))
        {
            using var groupScope = NewDisposeScope();
            var members = tensor(group.Select(v => (long)v).ToArray());
            var x = design.select(1, group.Key);                                                   // (n, C+1)
            crossOfVoxel.index_copy_(0, members, x.t().matmul(y.index_select(1, members)).t());
        }
        var fieldOfVoxel = tensor(fieldIndex.Select(f => (long)f).ToArray());
        var penaltyOfVoxel = tensor(penaltyIndex.Select(i => penalties[i]).ToArray());
        var system = gram.index_select(0, fieldOfVoxel).add(unpenalised.unsqueeze(0).mul(penaltyOfVoxel.reshape(voxels, 1, 1)));
        var solution = linalg.solve(system, crossOfVoxel.unsqueeze(2)).squeeze(2);                  // (V, C+1)

        // Keep only the fields some voxel uses.
        int[] used = fieldIndex.Distinct().Order().ToArray();
        var rowOfField = used.Select((f, i) => (f, i)).ToDictionary(t => t.f, t => (long)t.i);
        var usedIndex = tensor(used.Select(f => (long)f).ToArray());
        var description = Describe(width, penaltyIndex, penalties, fieldIndex, used.Length, voxels, n, folds);
        return new FeatureWeightedReceptiveFields(features,
            candidates.index_select(0, usedIndex).to(ScalarType.Float32).MoveToOuterDisposeScope(),
            tensor(fieldIndex.Select(f => rowOfField[f]).ToArray()).MoveToOuterDisposeScope(),
            featureMean.index_select(1, fieldOfVoxel).to(ScalarType.Float32).MoveToOuterDisposeScope(),
            featureScale.index_select(1, fieldOfVoxel).to(ScalarType.Float32).MoveToOuterDisposeScope(),
            solution.narrow(1, 0, channels).t().contiguous().to(ScalarType.Float32).MoveToOuterDisposeScope(),
            solution.select(1, channels).contiguous().to(ScalarType.Float32).MoveToOuterDisposeScope(),
            heldOut, description);
    }

    /// <summary>Predicted voxels (N, V) of images (N, C, S, S) in [0, 1]; gradients flow to the images.</summary>
    public Tensor Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        var pooled = Pool(Features, images, fields);                                                // (N, C, K')
        var perVoxel = pooled.index_select(2, fieldOf).sub(mean).div(scale);                        // (N, C, V)
        return perVoxel.mul(weights).sum([1L]).add(intercept).MoveToOuterDisposeScope();
    }

    /// <summary>The compressed pooled features (N, C, K) of images in every field of <paramref name="fields"/> (K, W·W).</summary>
    private static Tensor Pool(GaborEnergyFeatures features, Tensor images, Tensor fields)
    {
        using var scope = NewDisposeScope();
        var maps = features.EnergyMaps(images);                                                     // (N, C, W, W)
        long n = maps.shape[0], c = maps.shape[1];
        var pooled = maps.reshape(n, c, -1).matmul(fields.t());                                     // (N, C, K)
        var energy = pooled.narrow(1, 0, c - 1).add(Epsilon).sqrt();                                // compressive summation
        return cat([energy, pooled.narrow(1, c - 1, 1)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The candidate pooling fields (K, W·W): Gaussians at every centre and size, each normalised to sum 1 over
    /// the working field, sizes fastest.</summary>
    private static Tensor CandidateFields(int width)
    {
        int count = CentresPerSide * CentresPerSide * FieldSizes.Count;
        var values = new float[(long)count * width * width];
        int f = 0;
        for (int row = 0; row < CentresPerSide; row++)
            for (int column = 0; column < CentresPerSide; column++)
                foreach (double share in FieldSizes)
                {
                    double cy = (row + 0.5) * width / CentresPerSide - 0.5, cx = (column + 0.5) * width / CentresPerSide - 0.5;
                    double sigma = share * width, total = 0;
                    var field = values.AsSpan(f * width * width, width * width);
                    for (int i = 0; i < width; i++)
                        for (int j = 0; j < width; j++)
                        {
                            double g = Math.Exp(-((i - cy) * (i - cy) + (j - cx) * (j - cx)) / (2 * sigma * sigma));
                            field[i * width + j] = (float)g;
                            total += g;
                        }
                    for (int p = 0; p < field.Length; p++) field[p] = (float)(field[p] / total);
                    f++;
                }
        return tensor(values, new long[] { count, width * width });
    }

    /// <summary>The standardised features (n, c, C) with a column of ones appended: (n, c, C + 1).</summary>
    private static Tensor Augment(Tensor standardised)
        => cat([standardised.permute(0, 2, 1), ones(standardised.shape[0], standardised.shape[2], 1, ScalarType.Float64)], 2);

    /// <summary>X'X (c, C+1, C+1) of every field's design X (n, c, C+1).</summary>
    private static Tensor Gram(Tensor design)
    {
        var byField = design.permute(1, 2, 0);                                                      // (c, C+1, n)
        return byField.matmul(byField.transpose(1, 2));
    }

    /// <summary>X'Y (c, C+1, b) of every field's design X (n, c, C+1) with the voxels Y (n, b).</summary>
    private static Tensor Cross(Tensor design, Tensor y) => design.permute(1, 2, 0).matmul(y);

    private static Tensor Unpenalised(int augmented)
    {
        var diagonal = Enumerable.Repeat(1.0, augmented).ToArray();
        diagonal[^1] = 0;
        return diag(tensor(diagonal));
    }

    private static string Describe(int width, int[] penaltyIndex, double[] penalties, int[] fieldIndex, int usedFields, int voxels, int n, int folds)
    {
        var sizes = fieldIndex.GroupBy(f => f % FieldSizes.Count).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{FieldSizes[g.Key] * width:G3} px: {g.Count()}"));
        var lambdas = penaltyIndex.GroupBy(i => i).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{penalties[g.Key]:G3}: {g.Count()}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"feature-weighted receptive fields (fwRF): per voxel one Gaussian pooling field of Gabor energy and luminance "
            + $"({CentresPerSide}x{CentresPerSide} centres x {FieldSizes.Count} sizes; {usedFields} fields used by {voxels} voxels; field sizes {string.Join(", ", sizes)}) "
            + $"and its ridge penalty (voxels per lambda {string.Join(", ", lambdas)}) chosen by {folds}-fold cross-validation on {n} training samples");
    }

    public void Dispose()
    {
        fields.Dispose();
        fieldOf.Dispose();
        mean.Dispose();
        scale.Dispose();
        weights.Dispose();
        intercept.Dispose();
        Features.Dispose();
    }
}
