using Decoding.LatentDiffusion;
using Fmri.Data;
using Fmri.Ridge;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode.Routes;

/// <summary>What the semantic route's ridge map predicts from the voxels.</summary>
public enum SemanticTarget
{
    /// <summary>The conditioner's context (L x D) of the training stimulus's category; the prediction is used as it is.</summary>
    Context,

    /// <summary>The one-hot category; the most likely category's context is used (a linear classifier on the voxels).</summary>
    Category,
}

/// <summary>
/// Predicts the generative model's conditioning from fMRI, as Takagi &amp; Nishimoto (2023) map ventral cortex to the
/// text conditioning c: one ridge map from the voxels to a target in the conditioner's space, fitted on the training
/// split. The target of a training sample is its stimulus category's context τ(class name) (L x D, flattened), or its
/// one-hot category (<see cref="SemanticTarget"/>). Only categories the model knows by name can be targets: on test
/// categories that never occur in training (Generic Object Decoding's design) it can only answer with a training
/// category, so the images it conditions show category-typical content of the wrong class.
/// </summary>
public sealed class SemanticDecoder
{
    private readonly RidgeMap map;
    private readonly Tensor classContexts;    // (K_train, L, D) contexts of the training categories
    private readonly int[] trainCategories;   // the stimulus-file labels of those K_train categories

    private SemanticDecoder(RidgeMap map, Tensor classContexts, int[] trainCategories, SemanticTarget target, IReadOnlyList<string> names)
    {
        this.map = map;
        this.classContexts = classContexts;
        this.trainCategories = trainCategories;
        Target = target;
        CategoryNames = names;
    }

    public SemanticTarget Target { get; }

    /// <summary>The names of the training categories, in the order of the one-hot target.</summary>
    public IReadOnlyList<string> CategoryNames { get; }

    public double Lambda => map.Lambda;

    /// <summary>Fits on the training pairs; <paramref name="categoryNames"/> names the stimulus file's category labels.</summary>
    public static SemanticDecoder Fit(StimulusPairs train, IReadOnlyList<string> categoryNames, TextToImagePipeline ldm, SemanticTarget target, long seed)
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
        int q = target == SemanticTarget.Context ? (int)(contexts.shape[1] * contexts.shape[2]) : labels.Length;
        var index = labels.Select((label, k) => (label, k)).ToDictionary(p => p.label, p => p.k);
        var flat = TorchDevice.HostArray<float>(contexts.reshape(labels.Length, -1));                        // (K_train, L D)
        var targets = new float[train.Count][];
        for (int i = 0; i < train.Count; i++)
        {
            int k = index[train.Categories[i]];
            targets[i] = target == SemanticTarget.Context
                ? flat.AsSpan(k * q, q).ToArray()
                : Enumerable.Range(0, q).Select(j => j == k ? 1f : 0f).ToArray();
        }
        var map = RidgeMap.Fit(train.Voxels, train.VoxelCount, targets, new Random(RouteImages.SubSeed(seed, "semantic-folds")));
        return new SemanticDecoder(map, contexts, labels, target, names);
    }

    /// <summary>The predicted conditioning context of each voxel row, (N, L, D).</summary>
    public Tensor PredictContexts(float[] voxels, int count)
    {
        var predicted = map.Predict(voxels, count);
        if (Target == SemanticTarget.Context)
        {
            var flat = predicted.SelectMany(p => p).ToArray();
            return tensor(flat, new long[] { count, classContexts.shape[1], classContexts.shape[2] });
        }
        var best = predicted.Select(ArgMax).Select(k => (long)k).ToArray();
        using var index = tensor(best, ScalarType.Int64);
        return classContexts.index_select(0, index);
    }

    /// <summary>The stimulus-file category the map considers most likely for each voxel row (argmax of the one-hot
    /// target; for the context target, the training category whose context is nearest to the predicted one).</summary>
    public int[] PredictCategories(float[] voxels, int count)
    {
        if (Target == SemanticTarget.Category)
            return map.Predict(voxels, count).Select(ArgMax).Select(k => trainCategories[k]).ToArray();
        using var predicted = PredictContexts(voxels, count).reshape(count, -1);                       // (N, L D)
        using var classes = classContexts.reshape(classContexts.shape[0], -1);                          // (K, L D)
        using var distances = cdist(predicted, classes);                                               // (N, K)
        return TorchDevice.HostArray<long>(distances.argmin(1)).Select(k => trainCategories[k]).ToArray();
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
