using System.CommandLine;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Fmri.Core.Torch;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;
using Fmri.MaskedBrainModeling;
using static TorchSharp.torch;

namespace Decoding.Cli;

/// <summary>
/// The items the commands that re-decode with a MinD-Vis model work on (`attention`, `edit-decoded`): the first items of
/// a split of the fMRI file, paired with their stimuli and fitted to the brain encoder's width, each decoded from its own
/// voxels with its own generator (seed and stimulus id, as `decode` draws them).
/// </summary>
internal static class BrainItems
{
    /// <summary>The `--split` option of these commands.</summary>
    public static Option<string> SplitOption() => new("--split") { Description = "test | train", DefaultValueFactory = _ => "test" };

    /// <summary>The split a `--split` value names; anything else is a one-line error naming the option.</summary>
    public static DataSplit Split(string? name) =>
        Check.OneOf(name, new Dictionary<string, DataSplit> { ["test"] = DataSplit.Test, ["train"] = DataSplit.Train }, "split");

    /// <summary>The split's fMRI samples paired with their stimuli at the model's image format and brain encoder width.</summary>
    public static StimulusPairs Pairs(DoubleConditionedLdm model, FmriDataset fmri, string dataFile, StimulusImageSet images, string stimuliFile, DataSplit split)
    {
        var pairs = StimulusPairs.ForSplit(fmri, dataFile, split, images, stimuliFile, model.Config.ImageSize, model.Config.ImageChannels);
        return BrainEncoderWidth.Fit(pairs, model.Config.BrainEncoder, dataFile);
    }

    /// <summary>Item <paramref name="i"/>'s voxels as a (1, V) tensor on the current device.</summary>
    public static Tensor Voxels(StimulusPairs pairs, int i) =>
        tensor(pairs.Voxels.AsSpan(i * pairs.VoxelCount, pairs.VoxelCount).ToArray(), new long[] { 1, pairs.VoxelCount }).to(TorchDevice.Current);

    /// <summary>Item <paramref name="i"/>'s generator, as `decode` seeds it.</summary>
    public static Generator Generator(long seed, StimulusPairs pairs, int i) => new(ItemGenerators.Seed(seed, pairs.StimulusIds[i].Value));
}
