using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Runs a .NET Interactive (C#) notebook's code cells in order with shared state, as the kernel would
/// (Roslyn scripting; the kernel itself cannot be installed on the project's machines). `#r "path.dll"`
/// lines must name a file that exists relative to the notebook (after a build); they are then satisfied by
/// the assemblies the test already loads, so the notebook runs against exactly the code under test.
/// </summary>
public static class NotebookRunner
{
    private static readonly Regex ReferenceLine = new(@"^\s*#r\s+""(?<path>[^""]+)""\s*$", RegexOptions.Multiline);

    public sealed record Cell(int Index, string Source);

    /// <summary>Code cells of a notebook (nbformat 4), numbered from 1 in document order among all cells.</summary>
    public static IReadOnlyList<Cell> CodeCells(string notebookPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebookPath));
        var cells = new List<Cell>();
        int index = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            index++;
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            var source = cell.GetProperty("source");
            string text = source.ValueKind == JsonValueKind.Array
                ? string.Concat(source.EnumerateArray().Select(s => s.GetString()))
                : source.GetString() ?? "";
            cells.Add(new Cell(index, text));
        }
        return cells;
    }

    /// <summary>Runs every code cell; throws naming the notebook and the cell on a compile error or exception.</summary>
    public static async Task RunAsync(string notebookPath, IEnumerable<Assembly> references, string workingDirectory)
    {
        string name = Path.GetFileName(notebookPath);
        string notebookDir = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var options = ScriptOptions.Default
            .WithReferences(references)
            .WithImports("System", "System.IO", "System.Linq", "System.Collections.Generic")
            .WithFilePath(notebookPath)
            .WithEmitDebugInformation(false);
        ScriptState<object>? state = null;
        string previousDir = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workingDirectory;
        try
        {
            foreach (var cell in CodeCells(notebookPath))
            {
                string code = ReferenceLine.Replace(cell.Source, m =>
                {
                    string path = Path.GetFullPath(Path.Combine(notebookDir, m.Groups["path"].Value));
                    if (!File.Exists(path)) throw new InvalidOperationException($"{name}, cell {cell.Index}: #r names {m.Groups["path"].Value}, which does not exist ({path})");
                    return "// " + m.Value.Trim();
                });
                try
                {
                    state = state is null
                        ? await CSharpScript.RunAsync(code, options)
                        : await state.ContinueWithAsync(code, options);
                }
                catch (CompilationErrorException e)
                {
                    throw new InvalidOperationException($"{name}, cell {cell.Index}: compile error: {string.Join("; ", e.Diagnostics.Take(5))}", e);
                }
                catch (Exception e) when (e is not InvalidOperationException { Message: var m } || !m.StartsWith(name, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{name}, cell {cell.Index}: {e.GetType().Name}: {e.Message}", e);
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDir;
        }
    }
}
