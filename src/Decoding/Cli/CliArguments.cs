namespace Decoding.Cli;

/// <summary>Checks shared by the brain-decoding commands; each failure is one line naming the option.</summary>
public static class CliArguments
{
    /// <summary>The value of a required option, or an <see cref="ArgumentException"/> naming it.</summary>
    public static string Required(string? value, string option)
        => string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{option} is required") : value;

    /// <summary>A comma-separated list of existing files.</summary>
    public static IReadOnlyList<string> FileList(string? value, string option)
    {
        var files = Required(value, option).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (files.Length == 0) throw new ArgumentException($"{option} names no file");
        foreach (var file in files) ExistingFile(file, option);
        return files;
    }

    /// <summary>An existing file, or a <see cref="FileNotFoundException"/> naming the option.</summary>
    public static string ExistingFile(string? value, string option)
    {
        string path = Required(value, option);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found ({option})", path);
        return path;
    }
}
