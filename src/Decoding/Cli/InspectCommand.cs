using System.CommandLine;
using Fmri.Data.Layouts;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding inspect FILE</c>: what a person wants to know first about their own fMRI file: its layout, the HDF5
/// objects with shapes and dtypes, ROIs with voxel counts, samples per split and per run, presentations per
/// stimulus, value ranges and NaN counts. Plain text.
/// </summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "An fMRI file: BData (.h5), NSD betas (betas_sessionNN.hdf5) or a canonical file" };
        var layout = CommonOptions.Layout();
        var roi = new Option<string?>("--roi") { Description = "Only these ROIs' voxels (BData, canonical): VC, ROI_VC = 1, V1+V2+V3 (default: every voxel)" };
        var (mask, design) = CommonOptions.Nsd();
        var nsdSubject = CommonOptions.NsdSubject();
        var nsdSession = CommonOptions.NsdSession();

        var command = new Command("inspect", "Describe an fMRI file: layout, shapes, dtypes, ROIs, samples per split and run, repeats, value ranges, NaNs");
        command.Arguments.Add(file);
        command.Options.Add(layout);
        command.Options.Add(roi);
        command.Options.Add(mask);
        command.Options.Add(design);
        command.Options.Add(nsdSubject);
        command.Options.Add(nsdSession);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string path = Check.ExistingFile(parse.GetValue(file), "file");
            var options = new FmriReadOptions
            {
                Layout = CommonOptions.ParseLayout(parse.GetValue(layout)),
                Roi = parse.GetValue(roi),
                NsdMaskPath = parse.GetValue(mask),
                NsdDesignPath = parse.GetValue(design),
                NsdSubject = parse.GetValue(nsdSubject),
                NsdSessions = parse.GetValue(nsdSession) is { Length: > 0 } sessions ? sessions : null,
            };
            // Reading an NSD session into trials (only NSD files take a mask and a design) takes a while: show how far it has come.
            string report = options.NsdMaskPath is not null && options.NsdDesignPath is not null
                ? ConsoleProgress.Run("reading trials", 1.0, p => FmriFileSummary.Describe(path, options with
                {
                    Progress = new Relay(f => p.Report(new ProgressUpdate(f))),
                }))
                : FmriFileSummary.Describe(path, options);
            Console.Out.Write(report);
            return 0;
        }));
        return command;
    }

    /// <summary>Passes reports on at once, on the reading thread.</summary>
    private sealed class Relay(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
