using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Runs every notebook in the repository's notebooks/ folder top to bottom in the real .NET Interactive C# kernel
/// (a new notebook is tested without further work) and checks that each is a clean nbformat-4 .NET Interactive (C#)
/// notebook: kernel metadata, cell metadata, no stored outputs.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookExecutionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in NotebookFiles.Notebooks()) data.Add(Path.GetFileName(path));
        return data;
    }

    /// <summary>
    /// Notebooks run in name order in one working directory, so a later notebook finds the results of the earlier
    /// ones (01 preprocesses what 02 trains on). Running one notebook alone first runs the ones before it.
    /// </summary>
    private static readonly string SharedWorkingDirectory = Directory.CreateTempSubdirectory("notebooks").FullName;
    private static readonly HashSet<string> Completed = [];
    private static readonly SemaphoreSlim Gate = new(1, 1);

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Notebook_runs_top_to_bottom_in_the_kernel(string notebook)
    {
        await Gate.WaitAsync();
        try
        {
            foreach (var path in NotebookFiles.Notebooks())
            {
                string name = Path.GetFileName(path);
                if (Completed.Contains(name)) { if (name == notebook) break; continue; }
                var run = await NotebookRunner.RunAsync(path, SharedWorkingDirectory);
                output.WriteLine($"{name}: ran in the kernel in {run.Elapsed.TotalSeconds:F1} s, displayed {run.Displayed.Count()} items ({run.Images} images); " +
                                 "cells: " + string.Join(", ", run.Cells.Select(c => $"{c.Cell.Number}: {c.Elapsed.TotalSeconds:F1} s")));
                Assert.True(run.Images > 0, $"{name}: ran but displayed no image");
                NotebookFiles.AssertWroteExpectedFiles(name, SharedWorkingDirectory);
                Completed.Add(name);
                if (name == notebook) break;
            }
            Assert.Contains(notebook, Completed);
        }
        finally
        {
            Gate.Release();
        }
    }

    [Fact]
    public void Every_notebook_is_clean_nbformat_4_with_the_dotnet_csharp_kernel()
    {
        var paths = NotebookFiles.Notebooks();
        Assert.NotEmpty(paths);
        foreach (var path in paths)
        {
            string name = Path.GetFileName(path);
            var nb = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            Assert.True(nb["nbformat"]!.GetValue<int>() == 4, $"{name}: nbformat is not 4");
            Assert.True(nb["nbformat_minor"]!.GetValue<int>() >= 4, $"{name}: nbformat_minor below 4");
            var meta = nb["metadata"]!;
            Assert.True(meta["kernelspec"]?["name"]?.GetValue<string>() == ".net-csharp", $"{name}: kernelspec.name is not .net-csharp");
            Assert.True(meta["kernelspec"]?["language"]?.GetValue<string>() == "C#", $"{name}: kernelspec.language is not C#");
            Assert.True(meta["kernelspec"]?["display_name"]?.GetValue<string>() == ".NET (C#)", $"{name}: kernelspec.display_name is not .NET (C#)");
            Assert.True(meta["language_info"]?["name"]?.GetValue<string>() == "C#", $"{name}: language_info.name is not C#");
            Assert.True(meta["language_info"]?["file_extension"]?.GetValue<string>() == ".cs", $"{name}: language_info.file_extension is not .cs");
            Assert.True(meta["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>() == "csharp",
                $"{name}: polyglot_notebook.kernelInfo.defaultKernelName is not csharp");

            var cells = nb["cells"]!.AsArray();
            var ids = new HashSet<string>();
            int code = 0, markdown = 0;
            for (int i = 0; i < cells.Count; i++)
            {
                var cell = cells[i]!.AsObject();
                string where = $"{name}, cell {i + 1}";
                string type = cell["cell_type"]!.GetValue<string>();
                Assert.True(type is "code" or "markdown", $"{where}: cell_type '{type}'");
                Assert.True(cell["source"] is JsonArray source && source.All(s => s!.GetValueKind() == System.Text.Json.JsonValueKind.String),
                    $"{where}: source is not a list of strings");
                if (nb["nbformat_minor"]!.GetValue<int>() >= 5)
                    Assert.True(cell["id"]?.GetValue<string>() is { Length: > 0 } id && ids.Add(id), $"{where}: missing or repeated cell id");
                if (type == "markdown") { markdown++; continue; }
                code++;
                Assert.True(cell["outputs"] is JsonArray { Count: 0 }, $"{where}: code cell carries outputs");
                Assert.True(cell.ContainsKey("execution_count") && cell["execution_count"] is null, $"{where}: execution_count is not null");
                Assert.True(cell["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>() == "csharp", $"{where}: metadata.dotnet_interactive.language is not csharp");
                Assert.True(cell["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>() == "csharp", $"{where}: metadata.polyglot_notebook.kernelName is not csharp");
            }
            Assert.True(code > 0 && markdown > 0, $"{name}: needs both code and markdown cells");
            var codeCells = NotebookRunner.CodeCells(path);
            Assert.Equal(code, codeCells.Count);
            Assert.All(codeCells, c => Assert.True(c.Kernel == "csharp", $"{c.Describe(name)}: the document parser gives kernel '{c.Kernel}'"));
            Assert.True(codeCells[0].Source.Contains("#r \"../src/Decoding/bin/Debug/net10.0/linux-x64/decoding.dll\"", StringComparison.Ordinal),
                $"{name}: the first code cell does not reference the built decoding.dll");
        }
    }
}
