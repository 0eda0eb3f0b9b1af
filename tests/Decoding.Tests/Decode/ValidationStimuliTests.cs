using Decoding.Decode;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// The validation's pixel scores are computed where the evaluation computes them: on the stimulus's own region of the
/// decoder's canvas, not on the zero padding every image shares. A fidelity floor given in the evaluation's numbers
/// (the demo's <c>--select-min-ssim 0.461</c> is a test-set SSIM at 28 x 28) is then held against scores on one scale.
/// </summary>
public sealed class ValidationStimuliTests
{
    private const int Canvas = 16, Native = 12, Pad = 2, Count = 6;

    /// <summary>Stimuli: random 12 x 12 images centred on a 16 x 16 canvas with zero padding, as StimulusImageSet.FitTo makes
    /// them; reconstructions: each stimulus exactly inside its region and random values in the padding.</summary>
    private static (StimulusPairs Pairs, Tensor Decoded) Data((int, int)? nativeSize)
    {
        var random = new Random(5);
        var stimuli = new byte[Count * Canvas * Canvas];
        var decoded = new float[Count * Canvas * Canvas];
        for (int i = 0; i < Count; i++)
            for (int y = 0; y < Canvas; y++)
                for (int x = 0; x < Canvas; x++)
                {
                    int at = (i * Canvas + y) * Canvas + x;
                    bool inside = y >= Pad && y < Pad + Native && x >= Pad && x < Pad + Native;
                    stimuli[at] = inside ? (byte)random.Next(256) : (byte)0;
                    decoded[at] = inside ? stimuli[at] / 255f : random.Next(256) / 255f;
                }
        var pairs = new StimulusPairs(new float[Count], 1, tensor(stimuli, new long[] { Count, 1, Canvas, Canvas }),
            Enumerable.Range(0, Count).Select(i => new StimulusId($"s{i}")).ToArray(), new int[Count], Enumerable.Range(0, Count).ToArray())
        {
            NativeSize = nativeSize,
        };
        return (pairs, tensor(decoded, new long[] { Count, 1, Canvas, Canvas }));
    }

    [Fact]
    public void Pixel_scores_are_taken_on_the_stimulus_region_and_ignore_the_padding()
    {
        var (pairs, decoded) = Data((Native, Native));
        var stimuli = ValidationStimuli.Of(pairs);
        Assert.Equal((Native, Native), (stimuli.Images[0].Height, stimuli.Images[0].Width));
        var (pixCorr, ssim, identification) = RouteSelection.PixelScore(decoded, stimuli);
        // Inside the region every reconstruction is its stimulus: a perfect score, whatever the padding holds.
        Assert.Equal(1.0, pixCorr, 6);
        Assert.Equal(1.0, ssim, 6);
        Assert.Equal(1.0, identification, 6);

        // On the whole canvas (no native size known) the noisy padding counts, and the same images score lower.
        var (canvasPixCorr, canvasSsim, _) = RouteSelection.PixelScore(decoded, ValidationStimuli.Of(Data(null).Pairs));
        Assert.True(canvasPixCorr < 0.9 && canvasSsim < 0.999, $"canvas PixCorr {canvasPixCorr}, SSIM {canvasSsim}");
    }

    [Fact]
    public void A_validation_split_keeps_the_stimuli_native_size()
    {
        var (pairs, _) = Data((Native, Native));
        var split = ValidationSplit.Carve(pairs, 2, seed: 1);
        Assert.Equal((Native, Native), split.Validation.NativeSize);
        Assert.Equal((Native, Native), split.Fit.NativeSize);
    }
}
