using System.Globalization;
using System.Text.Json.Serialization;
using Decoding.LatentDiffusion;
using Fmri.Data;
using Fmri.Ridge;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode.Routes;

/// <summary>What the semantic route's ridge map predicts from the voxels.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SemanticTarget>))]
public enum SemanticTarget
{
    /// <summary>The conditioner's context (L x D) of the training stimulus's category; the prediction is used as it is.</summary>
    Context,

    /// <summary>The one-hot category; the most likely category's context is used (a linear classifier on the voxels).</summary>
    Category,

    /// <summary>The context itself, from a linear brain → context mapper trained with a regression plus contrastive
    /// objective (<see cref="ContrastiveContextMapper"/>).</summary>
    Contrastive,
}

/// <summary>
/// Predicts the generative model's conditioning from fMRI, as Takagi &amp; Nishimoto (2023) map ventral cortex to the
/// text conditioning c: one ridge map from the voxels to the one-hot category of the training stimulus, fitted on the
/// training split, and the conditioner's context τ(class name) of each training category (K x L x D):
/// <code>
///   s = ridge(v)                        (K) category scores
///   context target:   c = Σ_k s_k τ_k    the linear map to the context: ridge is linear in its targets, so mapping
///                                         the voxels to τ(category) directly is this same map times the contexts
///   category target:  c = τ_argmax(s)    a linear classifier on the voxels, then that category's context
///   contrastive:      c = W v + b        trained with ‖c − τ_y‖² plus InfoNCE against the K contexts (ContrastiveContextMapper)
/// </code>
/// Only categories the model knows by name can be targets: on test categories that never occur in training (Generic
/// Object Decoding's design) it can only answer in terms of training categories (the category target with one of them,
/// the context target with a weighted sum of their contexts, the contrastive mapper with a map fitted to them), so the
/// images it conditions show category-typical content of the wrong class.
/// </summary>
public sealed class SemanticDecoder
{
    private readonly CategoryMap map;        // voxels -> one-hot category scores (K_train), labels of those K_train categories
    private readonly Tensor classContexts;   // (K_train, L, D) contexts of the training categories
    private readonly ContrastiveContextMapper? mapper;

    private SemanticDecoder(CategoryMap map, Tensor classContexts, SemanticTarget target, IReadOnlyList<string> names,
        ContrastiveContextMapper? mapper)
    {
        if (target == SemanticTarget.Contrastive && mapper is null)
            throw new InvalidOperationException("semantic decoder: the contrastive target needs a trained mapper (fit with that target)");
        this.map = map;
        this.mapper = mapper;
        this.classContexts = classContexts;
        Target = target;
        CategoryNames = names;
    }

    public SemanticTarget Target { get; }

    /// <summary>The names of the training categories, in the order of the one-hot target.</summary>
    public IReadOnlyList<string> CategoryNames { get; }

    public double Lambda => map.Lambda;

    /// <summary>The trained contrastive mapper, when the decoder was fitted with it.</summary>
    public ContrastiveContextMapper? Mapper => mapper;

    /// <summary>The map from the voxels to the conditioning, in words, as run.json's method descriptions give it.</summary>
    public string Describe()
    {
        string categories = $"training categories {string.Join(", ", CategoryNames)}";
        return Target switch
        {
            SemanticTarget.Category => string.Create(CultureInfo.InvariantCulture,
                $"ridge map from the voxels to the category target of the conditioner (lambda {Lambda:G3}, {categories}): the predicted category's context"),
            SemanticTarget.Context => string.Create(CultureInfo.InvariantCulture,
                $"ridge map from the voxels to the context target of the conditioner (lambda {Lambda:G3}, {categories}): the category scores' weighted sum of the training categories' contexts"),
            _ => mapper is null
                ? "a contrastive mapper from the voxels to the conditioner's context (not trained)"
                : string.Create(CultureInfo.InvariantCulture,
                    $"linear map from the voxels to the conditioner's context trained with regression + contrastive (InfoNCE) loss ({categories}; AdamW, the best of {mapper.EpochsRun} epochs by held-out loss: epoch {mapper.BestEpoch}, loss {mapper.HeldOutLoss:G4})"),
        };
    }

    /// <summary>The same fitted maps with another target (the contrastive one only if its mapper was trained).</summary>
    public SemanticDecoder WithTarget(SemanticTarget target) => new(map, classContexts, target, CategoryNames, mapper);

    /// <summary>Fits on the training pairs; <paramref name="categoryNames"/> names the stimulus file's category labels.
    /// The contrastive mapper is trained when <paramref name="target"/> is <see cref="SemanticTarget.Contrastive"/> or
    /// <paramref name="trainMapper"/> is set.</summary>
    public static SemanticDecoder Fit(StimulusPairs train, IReadOnlyList<string> categoryNames, TextToImagePipeline ldm, SemanticTarget target, long seed,
        bool trainMapper = false, ContrastiveMapperOptions? mapperOptions = null)
    {
        ArgumentNullException.ThrowIfNull(ldm);
        var labels = train.Categories.Distinct().Order().ToArray();
        var names = new List<string>();
        foreach (int label in labels)
        {
            string name = label >= 0 && label < categoryNames.Count ? categoryNames[label] : "";
            if (name.Length == 0)
                throw new InvalidSettingException("route", "semantic", $"needs named categories; training category label {label} has no name in the stimulus file");
            if (!ldm.ClassNames.Contains(name))
                throw new InvalidSettingException("ldm", null, $"does not know the training category '{name}' (its classes: {string.Join(", ", ldm.ClassNames)}); the semantic route conditions on class names");
            names.Add(name);
        }
        Tensor contexts;
        using (no_grad())
            contexts = ldm.Model.Conditioner.Encode(names).to(TorchDevice.Host).to(ScalarType.Float32);              // (K_train, L, D)
        var index = labels.Select((label, k) => (label, k)).ToDictionary(p => p.label, p => p.k);
        var map = CategoryMap.Fit(train.Voxels, train.VoxelCount, train.Categories, new Random(RouteImages.SubSeed(seed, "semantic-folds")), train.StimulusGroups());
        var mapper = target == SemanticTarget.Contrastive || trainMapper
            ? ContrastiveContextMapper.Fit(train.Voxels, train.Count, train.VoxelCount, train.Categories.Select(c => index[c]).ToArray(), contexts,
                mapperOptions ?? new ContrastiveMapperOptions(), RouteImages.SubSeed(seed, "contrastive-mapper"), train.StimulusGroups())
            : null;
        return new SemanticDecoder(map, contexts, target, names, mapper);
    }

    /// <summary>The predicted conditioning context of each voxel row, (N, L, D).</summary>
    public Tensor PredictContexts(float[] voxels, int count)
    {
        if (Target == SemanticTarget.Contrastive) return mapper!.Predict(voxels, count);
        var scores = map.Scores(voxels, count);
        if (Target == SemanticTarget.Context)
        {
            using var s = tensor(scores.SelectMany(p => p).ToArray(), new long[] { count, classContexts.shape[0] });   // (N, K)
            using var flat = classContexts.reshape(classContexts.shape[0], -1);                                          // (K, L D)
            return s.matmul(flat).reshape(count, classContexts.shape[1], classContexts.shape[2]);                       // (N, L, D)
        }
        using var best = tensor(map.PredictIndices(voxels, count).Select(k => (long)k).ToArray(), ScalarType.Int64);
        return classContexts.index_select(0, best);
    }

    /// <summary>The stimulus-file category the map scores highest for each voxel row; the contrastive target answers
    /// with the category whose context is nearest in direction (cosine).</summary>
    public int[] PredictCategories(float[] voxels, int count)
    {
        if (Target != SemanticTarget.Contrastive)
            return map.PredictIndices(voxels, count).Select(k => map.Labels[k]).ToArray();
        using var scope = NewDisposeScope();
        var predicted = nn.functional.normalize(mapper!.Predict(voxels, count).reshape(count, -1), dim: 1);           // (N, L D)
        var classes = nn.functional.normalize(classContexts.reshape(classContexts.shape[0], -1), dim: 1);           // (K, L D)
        return TorchDevice.HostArray<long>(predicted.matmul(classes.t()).argmax(1)).Select(k => map.Labels[(int)k]).ToArray();
    }
}
