using Fmri.Core;

namespace Decoding.Cli;

/// <summary>
/// Turns bad input into one clear line on standard error and exit code 2, instead of a stack trace.
/// Bugs (any other exception) still surface with their stack trace and exit code 1.
/// </summary>
public static class CliErrors
{
    public const int BadInput = 2;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsBadInput(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    }

    /// <summary>Exceptions that mean the user's input (a file, a field, an argument) is wrong.</summary>
    public static bool IsBadInput(Exception e) => e is DataFormatException or ArgumentException
        or FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException
        or UnauthorizedAccessException;
}
