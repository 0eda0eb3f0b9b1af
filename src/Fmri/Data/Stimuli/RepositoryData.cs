namespace Fmri.Data.Stimuli;

/// <summary>Finds the repository's <c>data</c> folder (the one next to <c>Decoding.sln</c>).</summary>
public static class RepositoryData
{
    /// <summary>Name of the solution file that marks the repository root.</summary>
    public const string SolutionFileName = "Decoding.sln";

    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> to the first folder holding <c>Decoding.sln</c> and returns its
    /// <c>data</c> sub-folder. Without a start it tries, in turn, the program's folder (<see cref="AppContext.BaseDirectory"/>),
    /// the source folder of a file-based app run with <c>dotnet run --file</c> (its build output lives outside the
    /// repository) and the working directory.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder above the start holds Decoding.sln, or it has no data folder.</exception>
    public static string FindDataFolder(string? startDirectory = null)
    {
        var starts = startDirectory is not null
            ? [startDirectory]
            : new[] { AppContext.BaseDirectory, AppContext.GetData("EntryPointFileDirectoryPath") as string, Environment.CurrentDirectory }
                .OfType<string>().Where(s => s.Length > 0).ToArray();
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    string data = Path.Combine(dir.FullName, "data");
                    if (!Directory.Exists(data))
                        throw new DirectoryNotFoundException($"{data}: the repository at {dir.FullName} has no data folder");
                    return data;
                }
            }
        }
        throw new DirectoryNotFoundException($"{string.Join(", ", starts.Select(Path.GetFullPath))}: no folder above it holds {SolutionFileName}; pass the data folder explicitly");
    }
}
