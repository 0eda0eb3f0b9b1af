namespace Decoding.Tests;

/// <summary>Finds the repository root (the folder holding Decoding.sln) from the test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decoding.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Decoding.sln above {AppContext.BaseDirectory}");
    }

    public static IEnumerable<string> SourceFiles(string relativeFolder)
        => Directory.EnumerateFiles(Path.Combine(Root, relativeFolder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    /// <summary>A committed fixture of the metric tests, in tests/Decoding.Tests/Metrics/Fixtures.</summary>
    public static string EvaluationFixture(string name) =>
        Path.Combine(Root, "tests", "Decoding.Tests", "Metrics", "Fixtures", name);
}
