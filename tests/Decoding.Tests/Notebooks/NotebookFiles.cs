namespace Decoding.Tests.Notebooks;

/// <summary>The repository's notebooks, their file-based apps, and the files each one writes.</summary>
public static class NotebookFiles
{
    /// <summary>The repository's notebooks/ folder.</summary>
    public static string Folder { get; } = Path.Combine(RepositoryPaths.Root, "notebooks");

    /// <summary>Every notebook, in name order (the order they run in: 01 preprocesses what 02 trains on).</summary>
    public static string[] Notebooks()
        => Directory.GetFiles(Folder, "*.ipynb").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The C# file-based app generated from a notebook: the same name with .cs, next to it.</summary>
    public static string AppOf(string notebookPath) => Path.ChangeExtension(notebookPath, ".cs");

    /// <summary>
    /// Files (relative to the working directory) that a notebook, or its app, must have written. Every notebook is
    /// listed: a new one fails its test until its outputs are named here.
    /// </summary>
    private static readonly Dictionary<string, string[]> ExpectedFiles = new()
    {
        ["01-preprocess.ipynb"] = ["results/sim-01.h5", "results/stimuli.h5", "results/sim-01_preprocessed.h5"],
        ["02-train-adapter.ipynb"] = ["results/mbm", "results/dc_ldm", "results/decoded_preview/grid.png"],
        ["03-evaluation-report.ipynb"] = ["results/decoded/grid.png", "results/decoded_shuffled/grid.png", "results/evaluation_grid.png"],
    };

    /// <summary>Fails unless every file (or non-empty folder) the notebook is expected to write exists in the working directory.</summary>
    public static void AssertWroteExpectedFiles(string notebook, string workingDirectory, string? what = null)
    {
        Assert.True(ExpectedFiles.TryGetValue(notebook, out var expected), $"{notebook}: name the files it writes in NotebookFiles.ExpectedFiles");
        foreach (var relative in expected)
        {
            string path = Path.Combine(workingDirectory, relative);
            bool there = File.Exists(path) ? new FileInfo(path).Length > 0
                       : Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any();
            Assert.True(there, $"{what ?? notebook}: ran but did not write {relative} (in {workingDirectory})");
        }
    }
}
