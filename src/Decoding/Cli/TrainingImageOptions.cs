using System.CommandLine;
using System.Globalization;
using Fmri.Core.Imaging;
using Fmri.Core.Training;
using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>
/// The options the image networks' training commands (train-classifier, train-vae, train-ldm) share for a researcher's
/// own stimuli: which images of a stimulus file are training images (<c>--data</c>, <c>--train-ids</c>,
/// <c>--all-images</c>; see <see cref="TrainingStimuli"/>) and small-data augmentation (<c>--augment</c>).
/// </summary>
public sealed class TrainingImageOptions
{
    private readonly Option<string?> data = new("--data") { Description = "with a stimulus file: the fMRI file (e.g. preprocessed.h5) whose training trials select the images; test stimuli are left out" };
    private readonly Option<string?> trainIds = new("--train-ids") { Description = "with a stimulus file: a text file of the training stimulus ids, one per line" };
    private readonly Option<bool> allImages = new("--all-images") { Description = "with a stimulus file: train on every image, test stimuli included" };
    private readonly Option<bool> augment = new("--augment") { Description = "small-data mode: a random affine transform per image and step (rotation up to 10 degrees, scale +-10%, shift +-10%); recorded" };

    /// <summary>Adds the four options to <paramref name="command"/>.</summary>
    public static TrainingImageOptions AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = new TrainingImageOptions();
        command.Options.Add(options.data);
        command.Options.Add(options.trainIds);
        command.Options.Add(options.allImages);
        command.Options.Add(options.augment);
        return options;
    }

    public TrainingStimuli Selection(ParseResult parse) => new()
    {
        FmriFile = parse.GetValue(data),
        IdsFile = parse.GetValue(trainIds),
        AllImages = parse.GetValue(allImages),
    };

    /// <summary>The augmentation <c>--augment</c> asks for (the defaults of <see cref="AffineAugmentation"/>), or null.</summary>
    public AffineAugmentation? Augmentation(ParseResult parse) => parse.GetValue(augment) ? new AffineAugmentation() : null;
}

/// <summary>Warnings of the small-data mode: one line each on standard error, starting with "warning:".</summary>
public static class SmallDataWarnings
{
    /// <summary>A batch larger than the data is clamped to the data's size; says so.</summary>
    public static int ClampBatch(int batch, int available, string flag, string what)
    {
        if (available <= 0 || batch <= available) return batch;
        Console.Error.WriteLine($"warning: {flag} {batch} is larger than the {available} {what}; using {available}");
        return available;
    }

    /// <summary>
    /// Warns when a loss curve hardly fell: the mean of its last tenth is at least 95% of the mean of its first tenth
    /// (with at least 10 points). Returns whether it warned.
    /// </summary>
    public static bool LearnedLittle(LossCurve curve, string stage, string advice)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var losses = curve.Points.Select(p => p.Loss).Where(double.IsFinite).ToArray();
        if (losses.Length < 10) return false;
        int tenth = Math.Max(1, losses.Length / 10);
        double first = losses.Take(tenth).Average(), last = losses.Skip(losses.Length - tenth).Average();
        if (last < 0.95 * first) return false;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warning: {stage} learned almost nothing: its loss went from {first:G4} (first tenth of the run) to {last:G4} (last tenth); {advice}"));
        return true;
    }

    /// <summary>Warns when a score that should be clearly above <paramref name="floor"/> is not.</summary>
    public static bool BelowFloor(double value, double floor, string stage, string measure, string advice)
    {
        if (value >= floor) return false;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warning: {stage} learned almost nothing: {measure} {value:F3} is below {floor:F3}; {advice}"));
        return true;
    }
}
