
namespace Fmri.Data;

/// <summary>One preprocessing step applied to a data set, with its parameters as text (recorded in provenance).</summary>
public sealed record ProcessingStep(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    public static ProcessingStep Of(string name, params (string Key, object Value)[] parameters)
        => new(name, parameters.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));

    public override string ToString()
        => Parameters.Count == 0 ? Name : $"{Name}({string.Join(", ", Parameters.Select(p => $"{p.Key}={p.Value}"))})";
}

/// <summary>Where a data set came from and what was done to it.</summary>
public sealed record DatasetProvenance
{
    /// <summary>Path of the file the data were read from (as given by the user).</summary>
    public string SourceFile { get; init; } = "";

    /// <summary>SHA-256 of the source file's bytes.</summary>
    public string SourceSha256 { get; init; } = "";

    /// <summary>Layout the source was read as (bdata, nsd, canonical).</summary>
    public string SourceLayout { get; init; } = "";

    /// <summary>Steps applied, in order.</summary>
    public IReadOnlyList<ProcessingStep> Steps { get; init; } = [];

    /// <summary>Version of this tool that wrote the data set.</summary>
    public string ToolVersion { get; init; } = ToolInfo.Version;

    public DatasetProvenance WithStep(ProcessingStep step) => this with { Steps = [.. Steps, step] };
}
