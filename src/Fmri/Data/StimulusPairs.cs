using Fmri.Data.Stimuli;
using static TorchSharp.torch;

namespace Fmri.Data;

/// <summary>
/// fMRI samples paired with the images they were recorded for, looked up by stimulus id. For training, only
/// training-split samples are used, and a training stimulus that is also a test stimulus stops the run (leakage).
/// </summary>
/// <param name="Voxels">Row-major (Count, VoxelCount).</param>
/// <param name="Images">uint8 (Count, C, S, S), the stimulus of each sample at the model's image format.</param>
public sealed record StimulusPairs(float[] Voxels, int VoxelCount, Tensor Images, StimulusId[] StimulusIds, int[] Categories, int[] SampleIndices)
{
    public int Count => StimulusIds.Length;

    /// <summary>
    /// Each sample's stimulus as a group number (0, 1, ... in order of first appearance), for cross-validation folds that
    /// keep all trials of one image on one side. With every stimulus shown once it is 0, 1, ..., n - 1, which assigns the
    /// same folds as no grouping.
    /// </summary>
    public int[] StimulusGroups()
    {
        var groupOf = new Dictionary<StimulusId, int>();
        return StimulusIds.Select(id => groupOf.TryGetValue(id, out int g) ? g : groupOf[id] = groupOf.Count).ToArray();
    }

    /// <summary>Trials averaged into each sample (the data file's <c>/samples/repeats</c>); null when not known, taken as 1.</summary>
    public int[]? RepeatCounts { get; init; }

    /// <summary>The stimuli's own height and width before they were fitted to the square canvas of <see cref="Images"/>
    /// (null: the canvas is their geometry). Pixel scores on these pairs belong on that region of the canvas, as the
    /// evaluation computes them, not on the padding every image shares.</summary>
    public (int Height, int Width)? NativeSize { get; init; }

    /// <summary>The training pairs: every training-split sample with its stimulus image.</summary>
    /// <exception cref="DataFormatException">A training stimulus id is also a test id, or a stimulus is missing from the image set.</exception>
    public static StimulusPairs ForTraining(FmriDataset data, string dataFile, StimulusImageSet stimuli, string stimuliFile, int imageSize, int channels)
    {
        var testIds = new HashSet<StimulusId>(data.IndicesOf(DataSplit.Test).Concat(data.IndicesOf(DataSplit.TestImagery)).Select(i => data.StimulusIds[i]));
        var train = data.IndicesOf(DataSplit.Train);
        foreach (int i in train)
            if (testIds.Contains(data.StimulusIds[i]))
                throw new DataFormatException(dataFile, "samples/stimulus_id",
                    $"training sample {i} shows stimulus '{data.StimulusIds[i]}', which is also a test stimulus; test stimuli must never be trained on");
        if (train.Length == 0) throw new DataFormatException(dataFile, "samples/split", "holds no training samples");
        return Select(data, train, stimuli, stimuliFile, imageSize, channels);
    }

    /// <summary>The samples of one split (e.g. test) with their stimulus images.</summary>
    public static StimulusPairs ForSplit(FmriDataset data, string dataFile, DataSplit split, StimulusImageSet stimuli, string stimuliFile, int imageSize, int channels)
    {
        var indices = data.IndicesOf(split);
        if (indices.Length == 0) throw new DataFormatException(dataFile, "samples/split", $"holds no {split.ToString().ToLowerInvariant()} samples");
        return Select(data, indices, stimuli, stimuliFile, imageSize, channels);
    }

    private static StimulusPairs Select(FmriDataset data, int[] indices, StimulusImageSet stimuli, string stimuliFile, int imageSize, int channels)
    {
        var fitted = stimuli.FitTo(imageSize, imageSize);
        if (channels == 1 && fitted.Channels == 3) fitted = fitted.ToGreyscale();
        int v = data.VoxelCount, plane = imageSize * imageSize, source = fitted.Channels;
        var voxels = new float[(long)indices.Length * v];
        var pixels = new byte[(long)indices.Length * channels * plane];
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            data.Sample(i).CopyTo(voxels.AsSpan(r * v, v));
            int image = fitted.Find(data.StimulusIds[i]);
            if (image < 0)
                throw new DataFormatException(stimuliFile, "stimulus_id", $"has no image for stimulus '{data.StimulusIds[i]}' (sample {i} of the fMRI file)");
            var hwc = fitted.Image(image);
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < channels; c++)
                    pixels[((long)r * channels + c) * plane + p] = hwc[p * source + (source == 1 ? 0 : c)];
        }
        var images = tensor(pixels, new long[] { indices.Length, channels, imageSize, imageSize }, ScalarType.Byte);   // (N, C, S, S)
        return new StimulusPairs(voxels, v, images, indices.Select(i => data.StimulusIds[i]).ToArray(),
            indices.Select(i => data.CategoryLabels[i]).ToArray(), indices)
        {
            RepeatCounts = indices.Select(i => data.RepeatCounts[i]).ToArray(),
            NativeSize = (stimuli.Height, stimuli.Width),
        };
    }
}
