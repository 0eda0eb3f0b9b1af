using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Core.Imaging;

/// <summary>
/// Small-data augmentation for the image networks: a random affine transform per image (rotation, isotropic scale,
/// shift), every draw from the caller's generator. With few images (90 training stimuli) the VAE, the LDM and the
/// scoring classifier otherwise memorise them. The defaults are mild, so shapes stay recognisable:
/// <code>
///   angle θ ~ U(−r, r) degrees,  scale s ~ U(1 − m, 1 + m),  shift (tx, ty) ~ U(−d, d)² (fraction of the image side)
///   output(p) = input(A⁻¹ (p − t)),  A = s R(θ)     sampled bilinearly; outside the input is the background
/// </code>
/// </summary>
/// <param name="MaxRotationDegrees">r: largest rotation either way.</param>
/// <param name="MaxScaleChange">m: largest relative change of size.</param>
/// <param name="MaxShift">d: largest shift either way, as a fraction of the image side.</param>
public sealed record AffineAugmentation(
    [property: JsonPropertyName("max_rotation_degrees")] double MaxRotationDegrees = 10,
    [property: JsonPropertyName("max_scale_change")] double MaxScaleChange = 0.1,
    [property: JsonPropertyName("max_shift")] double MaxShift = 0.1)
{
    /// <summary>Throws an <see cref="InvalidSettingException"/> naming the first value out of range.</summary>
    public AffineAugmentation Validate()
    {
        Check.InRange(MaxRotationDegrees, 0, 180, "augmentation.max_rotation_degrees");
        Check.InRange(MaxScaleChange, 0, 0.9, "augmentation.max_scale_change");
        Check.InRange(MaxShift, 0, 0.5, "augmentation.max_shift");
        return this;
    }

    /// <summary>Transforms each image of <paramref name="images"/> (B, C, H, W) with its own draws; <paramref name="background"/> fills what comes from outside.</summary>
    public Tensor Apply(Tensor images, Generator generator, double background)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        long b = images.shape[0];
        var device = images.device;
        Tensor Uniform(double half) => (rand(new long[] { b }, ScalarType.Float32, generator: generator) * 2 - 1) * half;   // (B) on the host
        var theta = Uniform(MaxRotationDegrees * Math.PI / 180);
        var scale = 1 + Uniform(MaxScaleChange);
        // affine_grid works in normalised coordinates [-1, 1]: a shift of a fraction d of the side is 2d there.
        var tx = Uniform(2 * MaxShift);
        var ty = Uniform(2 * MaxShift);
        // The grid maps output coordinates to input coordinates, so it holds the inverse transform A⁻¹ = R(−θ) / s and −A⁻¹ t.
        var cos = theta.cos() / scale;
        var sin = theta.sin() / scale;
        var row0 = stack(new[] { cos, sin, -(cos * tx + sin * ty) }, 1);                    // (B, 3)
        var row1 = stack(new[] { -sin, cos, -(-sin * tx + cos * ty) }, 1);                  // (B, 3)
        var inverse = stack(new[] { row0, row1 }, 1).to(device);                            // (B, 2, 3)
        var grid = nn.functional.affine_grid(inverse, images.shape, align_corners: false);  // (B, H, W, 2)
        var shifted = images - background;                                                  // background at 0, what zero padding fills
        var sampled = nn.functional.grid_sample(shifted, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        return (sampled + background).MoveToOuterDisposeScope();
    }
}
