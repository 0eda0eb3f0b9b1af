namespace Fmri.Data.Import;

/// <summary>
/// A variable of a MATLAB file that this reader cannot decode (a sparse matrix, a struct array, a cell of vectors ...),
/// with the reason. Lab files often carry such variables next to the arrays a user wants; reading the file does not
/// fail for them, only asking for one does (<see cref="ArrayFile.Get"/>).
/// </summary>
/// <param name="Name">The variable's name (a struct field: <c>struct.field</c>).</param>
/// <param name="Reason">Why it cannot be read, as a clause after the name ("is a sparse matrix; ...").</param>
public sealed record UnreadableVariable(string Name, string Reason)
{
    /// <summary>"params (cannot be read: is a 1 x 2 struct array ...)".</summary>
    public string Describe() => $"{Name} (cannot be read: {Reason})";

    internal static UnreadableVariable From(Fmri.Core.DataFormatException error) => new(error.Field, error.Problem);
}
