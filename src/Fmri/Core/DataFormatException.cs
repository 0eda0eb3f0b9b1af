namespace Fmri.Core;

/// <summary>
/// A problem with an input file: the message is one line naming the file and the dataset, key or field.
/// The command-line program prints <see cref="Exception.Message"/> and exits with code 2.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, string field, string problem, Exception? inner = null)
        : base($"{file}: {field}: {problem}", inner)
    {
        File = file;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file that is wrong.</summary>
    public string File { get; }

    /// <summary>The dataset, attribute, metadata key or field inside the file.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
