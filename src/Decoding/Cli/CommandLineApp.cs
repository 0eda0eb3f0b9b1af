using System.CommandLine;

namespace Decoding.Cli;

/// <summary>The `decoding` command-line program: one subcommand per pipeline stage.</summary>
public static partial class CommandLineApp
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
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(Describe))} (see '{CommandPath(parse.CommandResult)} --help')");
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
        if (option is null)
        {
            // "Required argument missing for command: 'import'." names the argument instead: "<file>: is required".
            if (!text.StartsWith("Required argument missing", StringComparison.Ordinal)) return text;
            return error.SymbolResult switch
            {
                System.CommandLine.Parsing.ArgumentResult a => $"<{a.Argument.Name}>: is required",
                System.CommandLine.Parsing.CommandResult { Command.Arguments.Count: > 0 } c => $"{string.Join(" ", c.Command.Arguments.Select(a => $"<{a.Name}>"))}: is required",
                _ => text,
            };
        }
        if (text == $"Option '{option.Option.Name}' is required.") return $"{option.Option.Name}: is required";
        string value = string.Join(" ", option.Tokens.Select(t => t.Value));
        return value.Length == 0 ? $"{option.Option.Name}: {text}" : $"{option.Option.Name} {value}: {text}";
    }

    /// <summary>
    /// A parser message on one line: the list of accepted values System.CommandLine puts on lines of its own
    /// ("Must be one of:\n\t'tiny'\n\t'small'") joined with commas, and .NET type names ("as expected type
    /// 'System.Int64'") said in words.
    /// </summary>
    private static string OneLine(string message)
    {
        string line = string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())).Replace("' '", "', '");
        return ExpectedType().Replace(line, m => "as " + TypeInWords(m.Groups[1].Value));
    }

    private static string TypeInWords(string type)
    {
        var nullable = NullableType().Match(type);
        if (nullable.Success) type = nullable.Groups[1].Value;
        return type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            _ => AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(type)).FirstOrDefault(t => t is { IsEnum: true }) is { } e
                ? "one of " + string.Join(", ", Enum.GetNames(e))
                : "a value of this option (see --help)",
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"as expected type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ExpectedType();

    [System.Text.RegularExpressions.GeneratedRegex(@"^System\.Nullable`1\[(.+)\]$")]
    private static partial System.Text.RegularExpressions.Regex NullableType();

    /// <summary>"decoding stimuli import": the command the parser recognised, for the help hint.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is System.CommandLine.Parsing.CommandResult c) names.Add(c.Command.Name);
        names.Reverse();
        if (names.Count > 0) names[0] = "decoding";
        return string.Join(" ", names);
    }
}
