namespace Decoding.Tests.Evaluation;

/// <summary>Finds committed test fixtures in the source tree (the test project's build output does not copy them).</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder that contains Decoding.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decoding.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no folder above {AppContext.BaseDirectory} contains Decoding.sln");
    }

    /// <summary>A file in tests/Decoding.Tests/Evaluation/Fixtures.</summary>
    public static string EvaluationFixture(string name) =>
        Path.Combine(Root(), "tests", "Decoding.Tests", "Evaluation", "Fixtures", name);
}
