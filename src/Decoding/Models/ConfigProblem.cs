namespace Decoding.Models;

/// <summary>One thing wrong with a model config: the diffusers field name and what is wrong with its value.</summary>
public sealed record ConfigProblem(string Field, string Problem)
{
    /// <summary>Throws an <see cref="InvalidSettingException"/> for the first problem, naming the config type and field.</summary>
    internal static void ThrowIfAny(string configName, IEnumerable<ConfigProblem> problems)
    {
        var first = problems.FirstOrDefault();
        if (first is not null)
            throw new InvalidSettingException($"{configName}.{first.Field}", null, first.Problem);
    }

    /// <summary>Throws a <see cref="Fmri.Core.DataFormatException"/> for the first problem of a config read from a file.</summary>
    internal static void ThrowIfAnyInFile(string source, IEnumerable<ConfigProblem> problems)
    {
        var first = problems.FirstOrDefault();
        if (first is not null)
            throw new Fmri.Core.DataFormatException(source, first.Field, first.Problem);
    }
}
