using System.CommandLine;
using Decoding.Benchmarks;
using Fmri.Core.Training;

namespace Decoding.Cli;

/// <summary>
/// Turns bad input into one clear line on standard error and exit code 2, instead of a stack trace. Library errors
/// name settings by their library names; here each becomes the flag the user typed: <c>--name-with-dashes</c> when
/// the command has that option, or the flag given in the command's aliases (<c>vae_training.max_train_steps</c> is
/// <c>--steps</c> in <c>train-vae</c>). A training run that diverges is one line too (exit code 1). Bugs (any other
/// exception) still surface with their stack trace and exit code 1.
/// </summary>
public static class CliErrors
{
    public const int BadInput = 2;

    /// <summary>Exit code of a training run stopped by a non-finite loss or gradient.</summary>
    public const int Diverged = 1;

    /// <summary>Runs a command's action; <paramref name="aliases"/> maps library setting names to this command's flags.</summary>
    public static int Run(ParseResult parse, Func<int> action, IReadOnlyDictionary<string, string>? aliases = null)
    {
        try
        {
            return action();
        }
        catch (InvalidSettingException e)
        {
            Console.Error.WriteLine($"error: {e.Render(name => FlagFor(parse, name, aliases))}");
            return BadInput;
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Diverged;
        }
        catch (Exception e) when (IsBadInput(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (InputOutputFailure(e) is IOException io)
        {
            // An output that could not be written (a full disk, a folder where a file goes): one line, not a trace, also
            // when a library wrapped the failure (PureHDF's writer reports it inside a TargetInvocationException).
            Console.Error.WriteLine($"error: {io.Message}");
            return BadInput;
        }
    }

    /// <summary>The I/O failure <paramref name="e"/> is or wraps (inner exceptions, every exception of an aggregate), or null.</summary>
    public static IOException? InputOutputFailure(Exception? e) => e switch
    {
        null => null,
        IOException io => io,
        AggregateException all => all.InnerExceptions.Select(InputOutputFailure).FirstOrDefault(io => io is not null),
        _ => InputOutputFailure(e.InnerException),
    };

    /// <summary>The flag of setting <paramref name="name"/> in the parsed command, or the name itself when it has none.</summary>
    public static string FlagFor(ParseResult parse, string name, IReadOnlyDictionary<string, string>? aliases = null)
    {
        if (aliases is not null && aliases.TryGetValue(name, out var alias)) return alias;
        string flag = "--" + name.Replace('_', '-');
        foreach (var option in parse.CommandResult.Command.Options)
            if (option.Name == flag || option.Aliases.Contains(flag)) return flag;
        return name;
    }

    /// <summary>Exceptions that mean the user's input (a file, a field, an argument) is wrong.</summary>
    public static bool IsBadInput(Exception e) => e is DataFormatException or ArgumentException
        or FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException
        or UnauthorizedAccessException or PythonTwinException;
}
