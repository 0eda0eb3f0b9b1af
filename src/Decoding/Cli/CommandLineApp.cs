using System.CommandLine;

namespace Decoding.Cli;

/// <summary>The `decoding` command-line program: one subcommand per pipeline stage.</summary>
public static class CommandLineApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("decoding: decode seen images from fMRI with a masked brain autoencoder and latent diffusion (MinD-Vis style).")
        {
            DemoCommand.Create(),
            SimulateCommand.Create(),
            ImportCommand.Create(),
            StimuliCommand.Create(),
            InspectCommand.Create(),
            PreprocessCommand.Create(),
            TrainVaeCommand.Create(),
            TrainLdmCommand.Create(),
            GenerateCommand.Create(),
            EditCommand.Create(),
            PretrainMbmCommand.Create(),
            ImportWeightsCommand.Create(),
            ExportModelCommand.Create(),
            TrainAdapterCommand.Create(),
            DecodeCommand.Create(),
            MergeCommand.Create(),
            SlurmCommand.Create(),
            SweepTableCommand.Create(),
            EditDecodedCommand.Create(),
            AttentionCommand.Create(),
            PersonalizeCommand.Create(),
            TrainClassifierCommand.Create(),
            EvaluateCommand.Create(),
            BenchmarkCommand.Create(),
        };
        return root;
    }

    private static readonly AsyncLocal<IReadOnlyList<string>?> Running = new();

    /// <summary>
    /// The arguments of the command running now, as <see cref="Run"/> received them: what each command records in its
    /// run.json. A demo stage run inside the demo's process records its own command line, not the demo's.
    /// </summary>
    public static IReadOnlyList<string> Arguments => Running.Value ?? [.. Environment.GetCommandLineArgs().Skip(1)];

    /// <summary>Parses and runs; a malformed command line gets one line on standard error and exit code 2, like bad input.</summary>
    public static int Run(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "--help" or "-h" or "-?"))
        {
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(Describe))} (see 'decoding {string.Join(" ", args.TakeWhile(a => !a.StartsWith('-')).Take(1))} --help')");
            return CliErrors.BadInput;
        }
        var outer = Running.Value;
        Running.Value = [.. args];
        try
        {
            return parse.Invoke();
        }
        finally
        {
            Running.Value = outer;
        }
    }

    /// <summary>A parser error on one line, led by the option and value the user typed when it is about one
    /// (<c>--preset huge: Argument 'huge' not recognized. Must be one of: 'tiny', 'small'</c>).</summary>
    private static string Describe(System.CommandLine.Parsing.ParseError error)
    {
        var option = error.SymbolResult switch
        {
            System.CommandLine.Parsing.OptionResult o => o,
            System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o,
            _ => null,
        };
        string text = OneLine(error.Message);
        if (option is null) return text;
        string value = string.Join(" ", option.Tokens.Select(t => t.Value));
        return value.Length == 0 ? $"{option.Option.Name}: {text}" : $"{option.Option.Name} {value}: {text}";
    }

    /// <summary>A parser message on one line: the list of accepted values System.CommandLine puts on lines of its own
    /// ("Must be one of:\n\t'tiny'\n\t'small'") joined with commas.</summary>
    private static string OneLine(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())).Replace("' '", "', '");
}
