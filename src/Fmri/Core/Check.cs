namespace Fmri.Core;

/// <summary>
/// The one way settings, input paths and output paths are validated. Every failure is an
/// <see cref="InvalidSettingException"/> naming the setting (the command line turns it into the flag the user
/// typed), or, for a bad file, a <see cref="DataFormatException"/> naming the file and the field.
/// </summary>
public static class Check
{
    /// <summary>Fails with <paramref name="problem"/> unless <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string setting, object? value, string problem)
    {
        if (!condition) throw new InvalidSettingException(setting, value, problem);
    }

    /// <summary><paramref name="value"/>, which must be at least <paramref name="min"/>.</summary>
    public static int AtLeast(int value, int min, string setting)
    {
        That(value >= min, setting, value, $"must be at least {min}");
        return value;
    }

    /// <inheritdoc cref="AtLeast(int, int, string)"/>
    public static long AtLeast(long value, long min, string setting)
    {
        That(value >= min, setting, value, $"must be at least {min}");
        return value;
    }

    /// <summary><paramref name="value"/>, which must be finite and greater than 0.</summary>
    public static double Positive(double value, string setting)
    {
        That(value > 0 && double.IsFinite(value), setting, value, "must be a positive number");
        return value;
    }

    /// <summary><paramref name="value"/>, which must be finite and at least 0.</summary>
    public static double NonNegative(double value, string setting)
    {
        That(value >= 0 && double.IsFinite(value), setting, value, "must be a number at least 0");
        return value;
    }

    /// <summary><paramref name="value"/>, which must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static double InRange(double value, double min, double max, string setting)
    {
        That(value >= min && value <= max, setting, value, $"must be between {min} and {max}");
        return value;
    }

    /// <inheritdoc cref="InRange(double, double, double, string)"/>
    public static int InRange(int value, int min, int max, string setting)
    {
        That(value >= min && value <= max, setting, value, $"must be between {min} and {max}");
        return value;
    }

    /// <summary>A fraction in [0, 1) (dropout rates, held-out shares): 1 would remove everything.</summary>
    public static double Fraction(double value, string setting)
    {
        That(value >= 0 && value < 1, setting, value, "must be at least 0 and below 1");
        return value;
    }

    /// <summary>The value of <paramref name="choices"/> named <paramref name="name"/> (ordinal, case-sensitive).</summary>
    public static T OneOf<T>(string? name, IReadOnlyDictionary<string, T> choices, string setting)
    {
        if (name is not null && choices.TryGetValue(name, out var value)) return value;
        throw new InvalidSettingException(setting, name is null ? null : $"'{name}'",
            name is null ? $"is required; choose {Choices(choices.Keys)}" : $"is unknown; choose {Choices(choices.Keys)}");
    }

    /// <summary>A required text setting.</summary>
    public static string Required(string? value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new InvalidSettingException(setting, null, "is required");
        return value;
    }

    /// <summary>An existing file named by <paramref name="setting"/>.</summary>
    public static string ExistingFile(string? path, string setting)
    {
        Required(path, setting);
        if (Directory.Exists(path)) throw new InvalidSettingException(setting, path, "is a folder; name a file");
        if (!File.Exists(path)) throw new InvalidSettingException(setting, path, "file not found");
        return path!;
    }

    /// <summary>An existing folder named by <paramref name="setting"/>; <paramref name="hint"/> says how to make one.</summary>
    public static string ExistingFolder(string? path, string setting, string? hint = null)
    {
        Required(path, setting);
        if (File.Exists(path)) throw new InvalidSettingException(setting, path, "is a file; name a folder");
        if (!Directory.Exists(path)) throw new InvalidSettingException(setting, path, "folder not found" + (hint is null ? "" : $" ({hint})"));
        return path!;
    }

    /// <summary>
    /// An output folder that can be written: checked before any work starts, so a long run never fails at its first
    /// save. The folder itself need not exist; nothing on its path may be a file, and the nearest existing folder on
    /// it must accept new files. Nothing is created.
    /// </summary>
    public static string OutputFolder(string? path, string setting)
    {
        Required(path, setting);
        string full = Path.GetFullPath(path!);
        if (File.Exists(full)) throw new InvalidSettingException(setting, path, "is an existing file; name a folder");
        CheckWritableAncestor(full, path!, setting);
        return path!;
    }

    /// <summary>
    /// <see cref="OutputFolder(string?, string)"/> for a run of <paramref name="command"/> that reads
    /// <paramref name="inputs"/>: writable, and kept apart from them and from other commands' runs
    /// (<see cref="OutputApart(string, string, IReadOnlyList{string}, ValueTuple{string, string}[])"/>).
    /// </summary>
    public static string OutputFolder(string? path, string setting, string command, params (string? Path, string Setting)[] inputs) =>
        OutputFolder(path, setting, [command], inputs);

    /// <inheritdoc cref="OutputFolder(string?, string, string, ValueTuple{string, string}[])"/>
    public static string OutputFolder(string? path, string setting, IReadOnlyList<string> commands, params (string? Path, string Setting)[] inputs)
    {
        string folder = OutputFolder(path, setting);
        OutputApart(folder, setting, commands, inputs);
        return folder;
    }

    /// <summary>
    /// An output folder kept apart from the run's inputs: neither one of the input folders nor the folder that holds an
    /// input file, so the run's records (run.json, checkpoints, images) never replace an input's. A folder whose run.json
    /// records another command's run (a trained model, another step's results) is refused too. Empty input paths are
    /// skipped (options not given).
    /// </summary>
    public static void OutputApart(string folder, string setting, string command, params (string? Path, string Setting)[] inputs) =>
        OutputApart(folder, setting, [command], inputs);

    /// <inheritdoc cref="OutputApart(string, string, string, ValueTuple{string, string}[])"/>
    /// <param name="commands">The commands whose records this run may replace: its own first, then any that write the same
    /// output (decode and merge write the same folder).</param>
    public static void OutputApart(string folder, string setting, IReadOnlyList<string> commands, params (string? Path, string Setting)[] inputs)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        foreach (var (path, inputSetting) in inputs)
        {
            if (string.IsNullOrEmpty(path)) continue;
            string input = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
            if (string.Equals(input, full, StringComparison.Ordinal))
                throw new InvalidSettingException(setting, folder, $"is also {{{inputSetting}}}; give them different folders");
            if (File.Exists(input) && string.Equals(Path.GetDirectoryName(input), full, StringComparison.Ordinal))
                throw new InvalidSettingException(setting, folder, $"holds {{{inputSetting}}} ({path}); write to another folder so the input's records are kept");
        }
        string record = Path.Combine(full, "run.json");
        if (!File.Exists(record)) return;
        string? recorded = null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(record));
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.TryGetProperty("command", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String)
                recorded = c.GetString();
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a run record of this program: nothing to protect by name.
        }
        if (!string.IsNullOrEmpty(recorded) && !commands.Contains(recorded))
            throw new InvalidSettingException(setting, folder, $"holds the record of a '{recorded}' run (run.json); choose another folder");
    }

    /// <summary>
    /// An output file that can be written (its folder may not exist yet); it must not be an existing folder, and
    /// neither may the files written beside it (the same name with each of <paramref name="besideExtensions"/>, e.g.
    /// <c>.run.json</c>).
    /// </summary>
    public static string OutputFile(string? path, string setting, params string[] besideExtensions)
    {
        Required(path, setting);
        if (Path.EndsInDirectorySeparator(path!)) throw new InvalidSettingException(setting, path, "ends in a folder separator; name a file");
        string full = Path.GetFullPath(path!);
        if (Directory.Exists(full)) throw new InvalidSettingException(setting, path, "is an existing folder; name a file");
        foreach (string extension in besideExtensions)
        {
            string beside = Path.ChangeExtension(full, extension);
            if (Directory.Exists(beside))
                throw new InvalidSettingException(setting, path, $"is written with {beside} beside it, which is an existing folder; choose another name");
        }
        CheckWritableAncestor(Path.GetDirectoryName(full)!, path!, setting);
        return path!;
    }

    /// <summary>The setting name of a C# property: <c>TrainImagesPerCategory</c> is <c>train_images_per_category</c>.</summary>
    public static string SettingName(string propertyName)
    {
        var name = new System.Text.StringBuilder();
        for (int i = 0; i < propertyName.Length; i++)
        {
            char c = propertyName[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(propertyName[i - 1]) || i + 1 < propertyName.Length && char.IsLower(propertyName[i + 1])))
                name.Append('_');
            name.Append(char.ToLowerInvariant(c));
        }
        return name.ToString();
    }

    private static void CheckWritableAncestor(string folder, string given, string setting)
    {
        string? current = folder;
        while (current is not null && !Directory.Exists(current))
        {
            if (File.Exists(current))
                throw new InvalidSettingException(setting, given, $"cannot be created: {current} is a file");
            current = Path.GetDirectoryName(current);
        }
        if (current is null) throw new InvalidSettingException(setting, given, "has no existing parent folder");
        string probe = Path.Combine(current, $".write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidSettingException(setting, given, $"cannot be written: {current} does not accept new files ({e.Message})");
        }
    }

    private static string Choices(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count switch
        {
            0 => "(nothing to choose from)",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + " or " + list[^1],
        };
    }
}
