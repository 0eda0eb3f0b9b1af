using Decoding.DoubleConditioning;
using Fmri.MaskedBrainModeling;
using Decoding.LatentDiffusion;
using Fmri.Core.IO;
using Fmri.Core.Imaging;
using Fmri.Data;
using Fmri.Data.Stimuli;
using static TorchSharp.torch;

namespace Decoding.Decode;

/// <summary>
/// Decodes every item of a split: K images per item written as <c>&lt;stimulus_id&gt;_&lt;k&gt;.png</c>, all of them
/// in <see cref="DecodedImagesFile"/>, and <c>grid.png</c> (ground truth next to its K decoded images, one row per item).
/// With <see cref="DecodingSettings.ShuffleFmri"/> the fMRI rows are permuted (seeded) before decoding, a control.
/// </summary>
public static class DecodingRun
{
    public const string GridFile = "grid.png";

    /// <returns>The images (N, K, C, S, S) in [0, 1], the items' stimulus ids, and the fMRI row permutation used (identity unless shuffled).</returns>
    public static (Tensor Images, StimulusPairs Items, int[] FmriOrder) Run(DoubleConditionedLdm model, FirstStage firstStage,
        FmriDataset fmri, string dataFile, StimulusImageSet stimuli, string stimuliFile, DecodingSettings settings, string outputFolder,
        IReadOnlyDictionary<string, object> attributes)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(model.Config.Scheduler.NumTrainTimesteps);
        var items = BrainEncoderWidth.Fit(
            StimulusPairs.ForSplit(fmri, dataFile, settings.Split, stimuli, stimuliFile, model.Config.ImageSize, model.Config.ImageChannels),
            model.Config.BrainEncoder, dataFile);
        int n = items.Count, v = items.VoxelCount;
        var order = Enumerable.Range(0, n).ToArray();
        if (settings.ShuffleFmri)
        {
            new Random(unchecked((int)settings.Seed)).Shuffle(order);
        }
        var voxels = new float[items.Voxels.Length];
        for (int i = 0; i < n; i++) Array.Copy(items.Voxels, (long)order[i] * v, voxels, (long)i * v, v);

        using var voxelTensor = tensor(voxels, new long[] { n, v });                                   // (N, V)
        using var generator = new Generator(unchecked((ulong)settings.Seed));
        var images = BrainDecoder.Decode(model, firstStage, voxelTensor, settings.Samples, settings.Sampling, generator);   // (N, K, C, S, S)

        Directory.CreateDirectory(outputFolder);
        long c = images.shape[2], s = images.shape[3];
        using var hwc = (images.clamp(0, 1) * 255.0).round().to(ScalarType.Byte).permute(0, 1, 3, 4, 2).contiguous();   // (N, K, S, S, C)
        var bytes = hwc.data<byte>().ToArray();
        DecodedImagesFile.Write(Path.Combine(outputFolder, DecodedImagesFile.FileName), bytes, n, settings.Samples, (int)s, (int)s, (int)c,
            items.StimulusIds.Select(id => id.Value).ToArray(), items.Categories, attributes);

        var grid = new ImageGrid(scale: Math.Max(1, 96 / (int)s), title: settings.ShuffleFmri ? "decoded (shuffled-fMRI control)" : "decoded",
            columnHeaders: ["stimulus", .. Enumerable.Range(1, settings.Samples).Select(k => $"#{k}")]);
        for (int i = 0; i < n; i++)
        {
            var cells = new List<(float[], int, int, int)> { Cell(items.Images[i].to(ScalarType.Float32) / 255.0) };
            for (int k = 0; k < settings.Samples; k++)
            {
                var cell = Cell(images[i, k]);
                cells.Add(cell);
                PngImage.Save(Path.Combine(outputFolder, $"{SafeName(items.StimulusIds[i].Value)}_{k}.png"), cell.Item1, cell.Item2, cell.Item3, cell.Item4);
            }
            grid.AddRow(items.StimulusIds[i].Value, cells);
        }
        AtomicFile.WriteAllBytes(Path.Combine(outputFolder, GridFile), grid.EncodePng());
        return (images, items, order);
    }

    private static (float[], int, int, int) Cell(Tensor chw)
    {
        using var hwcImage = chw.clamp(0, 1).to(ScalarType.Float32).permute(1, 2, 0).contiguous();   // (H, W, C)
        return (hwcImage.data<float>().ToArray(), (int)chw.shape[1], (int)chw.shape[2], (int)chw.shape[0]);
    }

    /// <summary>A stimulus id as a file name: characters other than letters, digits, '-', '_' and '.' become '_'.</summary>
    public static string SafeName(string id)
        => new(id.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
