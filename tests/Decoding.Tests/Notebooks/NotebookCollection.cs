namespace Decoding.Tests.Notebooks;

/// <summary>
/// Notebook runs set the process-wide current directory (notebooks use paths relative to where they run, as a
/// kernel does), so every test class that runs notebooks is in this one collection: xunit never runs its members
/// in parallel with each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "Notebooks (process-wide current directory)";
}
