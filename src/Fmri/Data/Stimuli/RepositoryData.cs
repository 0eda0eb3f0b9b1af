namespace Fmri.Data.Stimuli;

/// <summary>Finds the repository's <c>data</c> folder (the one next to <c>Decoding.sln</c>).</summary>
public static class RepositoryData
{
    /// <summary>Name of the solution file that marks the repository root.</summary>
    public const string SolutionFileName = "Decoding.sln";

    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> (default: <see cref="AppContext.BaseDirectory"/>) to the
    /// first folder holding <c>Decoding.sln</c> and returns its <c>data</c> sub-folder.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder above the start holds Decoding.sln, or it has no data folder.</exception>
    public static string FindDataFolder(string? startDirectory = null)
    {
        string start = Path.GetFullPath(startDirectory ?? AppContext.BaseDirectory);
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                string data = Path.Combine(dir.FullName, "data");
                if (!Directory.Exists(data))
                    throw new DirectoryNotFoundException($"{data}: the repository at {dir.FullName} has no data folder");
                return data;
            }
        }
        throw new DirectoryNotFoundException($"{start}: no folder above it holds {SolutionFileName}; pass the data folder explicitly");
    }
}
