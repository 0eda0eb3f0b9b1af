using static TorchSharp.torch;

namespace Fmri.EncodingModels;

/// <summary>
/// An encoding model: the voxels' responses predicted from the image (image -> brain), fitted on training samples
/// only and differentiable in the image, so that a decoder can invert it (the <c>encoding</c> decoding route, <c>Decoding.Decode.Routes.EncodingInversionRoute</c>).
/// </summary>
public interface IEncodingModel : IDisposable
{
    /// <summary>Voxels predicted.</summary>
    int VoxelCount { get; }

    /// <summary>What the model is and how it was fitted, for run records.</summary>
    string Description { get; }

    /// <summary>Each voxel's held-out squared error in the cross-validation that fitted the model on the training
    /// samples, summed over the samples (each held out once): how well the model predicts that voxel.</summary>
    IReadOnlyList<double> HeldOutErrors { get; }

    /// <summary>Predicted voxels (N, V) of images (N, C, S, S) in [0, 1]; gradients flow to the images.</summary>
    Tensor Predict(Tensor images);
}
