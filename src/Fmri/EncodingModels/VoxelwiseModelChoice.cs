using System.Globalization;
using static TorchSharp.torch;

namespace Fmri.EncodingModels;

/// <summary>
/// Two encoding models of the same voxels, each voxel predicted by the one with the smaller held-out error in its own
/// cross-validation on the training samples (<see cref="IEncodingModel.HeldOutErrors"/>): voxelwise model selection, as
/// encoding studies compare feature spaces voxel by voxel. Early visual voxels are best described by a local pooling
/// field (<see cref="FeatureWeightedReceptiveFields"/>); voxels that see the whole shape by a map from every part of the
/// image (<see cref="GaborEncodingModel"/>). Both models must be cross-validated on the same folds. The error of a
/// model that picks among many candidates per voxel (the receptive field's place and size) is the smallest of them and
/// so slightly optimistic; where the two are close that tilts the choice toward it.
/// </summary>
public sealed class VoxelwiseModelChoice : IEncodingModel
{
    private readonly IEncodingModel first;
    private readonly IEncodingModel second;
    private readonly Tensor useFirst;   // (V) bool

    public VoxelwiseModelChoice(IEncodingModel first, IEncodingModel second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.VoxelCount != second.VoxelCount)
            throw new ArgumentException($"voxelwise model choice: models of {first.VoxelCount} and {second.VoxelCount} voxels");
        this.first = first;
        this.second = second;
        VoxelCount = first.VoxelCount;
        var choice = Enumerable.Range(0, VoxelCount).Select(v => first.HeldOutErrors[v] <= second.HeldOutErrors[v]).ToArray();
        FirstCount = choice.Count(c => c);
        HeldOutErrors = Enumerable.Range(0, VoxelCount).Select(v => Math.Min(first.HeldOutErrors[v], second.HeldOutErrors[v])).ToArray();
        useFirst = tensor(choice);
        Description = string.Create(CultureInfo.InvariantCulture,
            $"each voxel predicted by the encoding model with the smaller held-out error on the training samples: {FirstCount} voxels by {first.Description}; "
            + $"{VoxelCount - FirstCount} by {second.Description}");
    }

    /// <summary>Voxels predicted by the first model.</summary>
    public int FirstCount { get; }

    public int VoxelCount { get; }

    public string Description { get; }

    public IReadOnlyList<double> HeldOutErrors { get; }

    public Tensor Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        return where(useFirst, first.Predict(images), second.Predict(images)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        useFirst.Dispose();
        first.Dispose();
        second.Dispose();
    }
}
