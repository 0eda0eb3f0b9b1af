using Fmri.Data.Import;

namespace Fmri.Data.Stimuli;

/// <summary>
/// The images a training command's <c>--images</c> names, other than Fashion-MNIST: a stimulus file (HDF5, see
/// <see cref="StimulusImageFile"/>), of which only the training stimuli are used (<see cref="TrainingStimuli"/>), or a
/// folder of PNG/JPEG images (one sub-folder per category), all of them unless <see cref="TrainingStimuli"/> names some.
/// Images come at their stored size; the caller brings them to its model's size by the one rule (<see cref="ImageGeometry.Pad"/>).
/// </summary>
public static class StimulusSource
{
    public static (StimulusImageSet Set, string Description, IReadOnlyList<string> Files) Load(string source, TrainingStimuli selection, string setting = "images")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(selection);
        if (File.Exists(source)) return selection.Select(StimulusImageFile.Read(source), source);
        if (!Directory.Exists(source))
            throw new InvalidSettingException(setting, source, "is neither a stimulus file, a folder of images nor 'fashion-mnist'");
        StimulusImageSet set;
        try
        {
            set = StimulusFolderImport.Read(source, null, null, ImageGeometry.Pad, null);
        }
        catch (InvalidSettingException e) when (e.Setting == "image_size")
        {
            throw new InvalidSettingException(setting, source, $"holds images of different sizes; make a stimulus file of one size first: decoding stimuli import {source} --image-size N -o stimuli.h5", e);
        }
        var files = Directory.GetFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (selection.FmriFile is not null || selection.IdsFile is not null)
        {
            var (subset, description, read) = selection.Select(set, source);
            return (subset, description, [.. files, .. read.Skip(1)]);
        }
        return (set, $"image folder {source}: {set.Count} images of {set.Height}x{set.Width}", files);
    }
}
