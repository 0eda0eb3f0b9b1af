using Fmri.Core.Imaging;
using Fmri.Core.IO;
using Fmri.Data;
using static TorchSharp.torch;
using Fmri.Core.Torch;

namespace Decoding.Decode;

/// <summary>What one decode run produced.</summary>
/// <param name="Images">(N, K, C, S, S) in [0, 1].</param>
/// <param name="Method">What the images are (for a control, the control of the route).</param>
/// <param name="Control">For a shuffled-fMRI control, the fMRI row each item was given.</param>
public sealed record DecodingResult(Tensor Images, DecodedMethod Method, FmriPermutation? Control) : IDisposable
{
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Decodes every item of a split with one route and writes the result: <c>decoded.h5</c> (<see cref="DecodedImagesFile"/>),
/// one PNG per image (<c>&lt;stimulus_id&gt;_&lt;k&gt;.png</c>) and <c>grid.png</c> (stimulus next to its K images, one row per
/// item). Each item draws from its own generator (<see cref="ItemGenerators"/>); with <see cref="DecodingSettings.ShuffleFmri"/>
/// the items are decoded from each other's fMRI (<see cref="ShuffledFmriControl"/>), the control of the route.
/// </summary>
public static class DecodingRun
{
    public const string GridFile = "grid.png";

    /// <summary>Items decoded per route call (progress is reported after each).</summary>
    public const int ItemsPerCall = 8;

    /// <param name="shard">Decode only this shard's items (<see cref="DecodeShard.ItemRange"/>); the control's permutation is still
    /// drawn over all items, so each shard gives its items the donors they get in a single process. Null: every item.</param>
    public static DecodingResult Run(IDecodingRoute route, StimulusPairs items, DecodingSettings settings, string outputFolder,
        IReadOnlyDictionary<string, object> attributes, IProgress<ProgressUpdate>? progress = null, DecodeShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var method = settings.MethodName is { Length: > 0 } name ? route.Method with { Name = name } : route.Method;
        FmriPermutation? control = null;
        float[] voxels = items.Voxels;
        if (settings.ShuffleFmri)
        {
            if (!method.UsesFmri)
                throw new InvalidSettingException("shuffle_fmri", null, $"applies to routes that decode fMRI; '{method.RouteName}' does not use it");
            control = ShuffledFmriControl.Draw(items.Categories, settings.ControlSeed);
            voxels = Permute(items.Voxels, items.VoxelCount, control.Order);
            method = method with
            {
                Name = $"control: {method.Name}, shuffled fMRI",
                Kind = DecodedMethod.Control,
                ControlOf = method.RouteName,
                Description = $"{method.Description}; each test item decoded from another item's fMRI (a derangement; "
                    + $"{control.SameCategory} of {items.Count} items got a same-category donor; control seed {settings.ControlSeed})",
            };
        }

        int samples = route.Stochastic ? settings.Samples : 1;
        var ids = items.StimulusIds.Select(id => id.Value).ToArray();
        var generators = ItemGenerators.For(settings.Seed, ids);
        var (first, length) = shard?.ItemRange(items.Count) ?? (0, items.Count);
        var chunks = new List<Tensor>();
        try
        {
            var batch = DecodeBatch.For(route, voxels, items.VoxelCount, ids, items.Categories, generators);
            progress?.Report(new ProgressUpdate(0, $"0/{length} items"));
            for (int start = first; start < first + length; start += ItemsPerCall)                               // the chunks of a single process
            {
                int count = Math.Min(ItemsPerCall, first + length - start);
                chunks.Add(route.Decode(batch.Slice(start, count), samples));                                  // (b, K, C, S, S)
                progress?.Report(new ProgressUpdate((start + count - first) / (double)Math.Max(1, length), $"{start + count - first}/{length} items"));
            }
        }
        finally
        {
            foreach (var g in generators) g.Dispose();
        }
        if (length == 0) return new DecodingResult(zeros(0), method, control);                                 // a shard past the last chunk
        var images = cat(chunks, 0);                                                                           // (n, K, C, S, S)
        foreach (var c in chunks) c.Dispose();
        if (shard is null)
        {
            Write(images, items, method, control, outputFolder, attributes);
        }
        else
        {
            // The shard's items, their donors (indices into the whole split) and an attribute naming the shard.
            using var shardImages = items.Images.narrow(0, first, length);
            var shardItems = items with
            {
                Images = shardImages,
                StimulusIds = items.StimulusIds[first..(first + length)],
                Categories = items.Categories[first..(first + length)],
                SampleIndices = items.SampleIndices[first..(first + length)],
                Voxels = items.Voxels[(first * items.VoxelCount)..((first + length) * items.VoxelCount)],
            };
            var shardControl = control is null ? null : control with { Order = control.Order[first..(first + length)] };
            var shardAttributes = new Dictionary<string, object>(attributes) { [DecodedShards.ShardAttribute] = shard.ToString() };
            Write(images, shardItems, method, shardControl, outputFolder, shardAttributes);
        }
        return new DecodingResult(images, method, control);
    }

    /// <summary>Writes decoded.h5, the PNGs and the grid for images (N, K, C, S, S) in [0, 1].</summary>
    public static void Write(Tensor images, StimulusPairs items, DecodedMethod method, FmriPermutation? control, string outputFolder,
        IReadOnlyDictionary<string, object> attributes)
    {
        Directory.CreateDirectory(outputFolder);
        RemovePreviousImages(outputFolder);
        int n = (int)images.shape[0], k = (int)images.shape[1], c = (int)images.shape[2], s = (int)images.shape[3];
        using var hwc = images.Clamped(0, 1).Times(255.0).round().to(ScalarType.Byte).permute(0, 1, 3, 4, 2).contiguous();   // (N, K, S, S, C)
        var bytes = TorchDevice.HostArray<byte>(hwc);
        var all = new Dictionary<string, object>(attributes);
        if (control is not null)
        {
            all["control_same_category"] = control.SameCategory;
        }
        var decoded = new DecodedImages(bytes, n, k, s, s, c, items.StimulusIds.Select(id => id.Value).ToArray(), items.Categories, method,
            control?.Order, new Dictionary<string, string>());
        DecodedImagesFile.Write(Path.Combine(outputFolder, DecodedImagesFile.FileName), decoded, all);

        var grid = new ImageGrid(scale: Math.Max(1, 96 / s), title: method.Name, columnHeaders: ["stimulus", .. Enumerable.Range(1, k).Select(j => $"#{j}")]);
        for (int i = 0; i < n; i++)
        {
            var cells = new List<(float[], int, int, int)> { Cell(items.Images[i].to(ScalarType.Float32).DividedBy(255.0)) };
            for (int j = 0; j < k; j++)
            {
                var cell = Cell(images[i, j]);
                cells.Add(cell);
                PngImage.Save(Path.Combine(outputFolder, $"{SafeName(items.StimulusIds[i].Value)}_{j}.png"), cell.Item1, cell.Item2, cell.Item3, cell.Item4);
            }
            grid.AddRow(items.StimulusIds[i].Value, cells);
        }
        AtomicFile.WriteAllBytes(Path.Combine(outputFolder, GridFile), grid.EncodePng());
    }

    /// <summary>
    /// Deletes the PNGs an earlier decode wrote into the same folder (named by its decoded.h5), so a run with fewer
    /// samples or other items leaves no image of the old one beside its own. Nothing else in the folder is touched.
    /// </summary>
    private static void RemovePreviousImages(string outputFolder)
    {
        string previous = Path.Combine(outputFolder, DecodedImagesFile.FileName);
        if (!File.Exists(previous)) return;
        (string[] ids, int samples) old;
        try
        {
            old = DecodedImagesFile.ReadImageNames(previous);
        }
        catch (DataFormatException)
        {
            return;   // not a decoded file of this program: its images are not known by name
        }
        foreach (string id in old.ids)
            for (int j = 0; j < old.samples; j++)
                File.Delete(Path.Combine(outputFolder, $"{SafeName(id)}_{j}.png"));
    }

    /// <summary>Row i of the result is row <paramref name="order"/>[i] of <paramref name="voxels"/> (N x V).</summary>
    public static float[] Permute(float[] voxels, int voxelCount, IReadOnlyList<int> order)
    {
        var result = new float[(long)order.Count * voxelCount];
        for (int i = 0; i < order.Count; i++) Array.Copy(voxels, (long)order[i] * voxelCount, result, (long)i * voxelCount, voxelCount);
        return result;
    }

    private static (float[], int, int, int) Cell(Tensor chw)
    {
        using var hwcImage = chw.Clamped(0, 1).to(ScalarType.Float32).permute(1, 2, 0).contiguous();   // (H, W, C)
        return (TorchDevice.HostArray<float>(hwcImage), (int)chw.shape[1], (int)chw.shape[2], (int)chw.shape[0]);
    }

    /// <summary>A stimulus id as a file name: characters other than letters, digits, '-', '_' and '.' become '_'.</summary>
    public static string SafeName(string id)
        => new(id.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
