using System.Reflection;
using System.Text.Json.Nodes;
using Decoding.Notebooks;

namespace Decoding.Tests.Notebooks;

/// <summary>Checks the harness itself on small notebooks it writes, so a broken harness cannot pass silently.</summary>
[Collection(NotebookCollection.Name)]
public class NotebookHarnessTests
{
    internal static readonly Assembly[] References =
    [
        typeof(NotebookDisplay).Assembly,            // decoding.dll
        typeof(Fmri.Core.DataFormatException).Assembly,   // Fmri.dll
        typeof(TorchSharp.torch).Assembly,
        typeof(System.Text.Json.JsonSerializer).Assembly,
    ];

    internal static string WriteNotebook(string dir, string name, params string[] cells)
    {
        var nb = new JsonObject
        {
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
            ["metadata"] = new JsonObject(),
            ["cells"] = new JsonArray(cells.Select(c => (JsonNode)new JsonObject
            {
                ["cell_type"] = "code",
                ["metadata"] = new JsonObject(),
                ["execution_count"] = null,
                ["outputs"] = new JsonArray(),
                ["source"] = SourceLines(c),
            }).ToArray()),
        };
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, nb.ToJsonString());
        return path;
    }

    // nbformat keeps a cell's source as a list of lines, each but the last ending in a newline.
    private static JsonArray SourceLines(string code)
    {
        var lines = code.Split('\n');
        return new JsonArray(lines.Select((l, i) => (JsonNode)JsonValue.Create(i < lines.Length - 1 ? l + "\n" : l)!).ToArray());
    }

    [Fact]
    public async Task Cells_share_state_in_order()
    {
        string dir = Directory.CreateTempSubdirectory("nb").FullName;
        string path = WriteNotebook(dir, "ok.ipynb", "var x = 20;", "var y = x + 22;", "if (y != 42) throw new Exception(\"state lost\");");
        await NotebookRunner.RunAsync(path, References, dir);
    }

    [Fact]
    public async Task An_exception_names_the_notebook_and_the_cell()
    {
        string dir = Directory.CreateTempSubdirectory("nb").FullName;
        string path = WriteNotebook(dir, "bad.ipynb", "var x = 1;", "throw new InvalidDataException(\"boom\");");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => NotebookRunner.RunAsync(path, References, dir));
        Assert.StartsWith("bad.ipynb, cell 2:", e.Message);
        Assert.Contains("boom", e.Message);
    }

    [Fact]
    public async Task A_compile_error_names_the_notebook_and_the_cell()
    {
        string dir = Directory.CreateTempSubdirectory("nb").FullName;
        string path = WriteNotebook(dir, "typo.ipynb", "var x = 1;", "var y = x +;");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => NotebookRunner.RunAsync(path, References, dir));
        Assert.StartsWith("typo.ipynb, cell 2: compile error", e.Message);
    }

    [Fact]
    public async Task A_reference_to_a_missing_assembly_fails()
    {
        string dir = Directory.CreateTempSubdirectory("nb").FullName;
        string path = WriteNotebook(dir, "ref.ipynb", "#r \"../nowhere/missing.dll\"\nvar x = 1;");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => NotebookRunner.RunAsync(path, References, dir));
        Assert.Contains("missing.dll", e.Message);
    }
}
