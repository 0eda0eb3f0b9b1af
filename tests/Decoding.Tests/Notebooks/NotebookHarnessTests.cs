using System.Text.Json.Nodes;
using Decoding.Notebooks;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Checks the harness itself on small notebooks it writes (not the repository's), so a broken runner or app generator
/// cannot pass silently: the kernel's compile errors and exceptions fail the run naming the notebook and the code cell,
/// state carries from cell to cell, relative `#r` paths resolve against the notebook's folder.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookHarnessTests
{
    /// <summary>Writes an nbformat 4.5 C# notebook; a cell starting with "md:" is a markdown cell.</summary>
    internal static string WriteNotebook(string dir, string name, params string[] cells)
    {
        var nb = new JsonObject
        {
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp" } },
            },
            ["cells"] = new JsonArray(cells.Select((c, i) => c.StartsWith("md:", StringComparison.Ordinal)
                ? (JsonNode)new JsonObject
                {
                    ["cell_type"] = "markdown",
                    ["id"] = $"c{i}",
                    ["metadata"] = new JsonObject(),
                    ["source"] = SourceLines(c[3..]),
                }
                : new JsonObject
                {
                    ["cell_type"] = "code",
                    ["id"] = $"c{i}",
                    ["metadata"] = new JsonObject
                    {
                        ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                    },
                    ["execution_count"] = null,
                    ["outputs"] = new JsonArray(),
                    ["source"] = SourceLines(c),
                }).ToArray()),
        };
        Directory.CreateDirectory(dir);
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
    public async Task Cells_share_state_in_order_and_their_displays_are_recorded()
    {
        using var temp = new TempFolder();
        string dir = temp.Path;
        string path = WriteNotebook(dir, "ok.ipynb",
            "md:# A notebook\nwith a markdown cell first",
            "var x = 20;\nint Twice(int v) => 2 * v;",
            "md:more text",
            "class Box { public int Value; }\nvar box = new Box { Value = x + 22 };",
            "if (box.Value != 42 || Twice(21) != 42) throw new Exception(\"state lost\");\ndisplay(\"shown \" + box.Value);\nConsole.WriteLine(\"printed\");");
        var run = await NotebookRunner.RunAsync(path, dir);
        Assert.Equal([1, 2, 3], run.Cells.Select(c => c.Cell.Number));
        Assert.Contains(run.Displayed, d => d.Value.Contains("shown 42", StringComparison.Ordinal));
        Assert.Contains("printed", run.Cells[2].StandardOutput);
    }

    [Fact]
    public async Task An_exception_names_the_notebook_and_the_code_cell()
    {
        using var temp = new TempFolder();
        string dir = temp.Path;
        string path = WriteNotebook(dir, "bad.ipynb", "md:# title", "var x = 1;", "md:text", "// throws\nthrow new InvalidOperationException(\"boom\");", "var never = 2;");
        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(path, dir));
        Assert.StartsWith("bad.ipynb, code cell 2 (\"// throws\") failed:", e.Message);
        Assert.Contains("InvalidOperationException", e.Message);
        Assert.Contains("boom", e.Message);
        Assert.Equal(2, e.Cell.Number);
    }

    [Fact]
    public async Task A_compile_error_names_the_notebook_and_the_code_cell()
    {
        using var temp = new TempFolder();
        string dir = temp.Path;
        string path = WriteNotebook(dir, "typo.ipynb", "var x = 1;", "var y = x +;");
        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(path, dir));
        Assert.StartsWith("typo.ipynb, code cell 2 (\"var y = x +;\") failed:", e.Message);
        Assert.Matches(@"error CS\d{4}", e.Message);
    }

    [Fact]
    public async Task A_variable_from_a_failed_cell_is_not_defined_later()
    {
        // The kernel, like the Roslyn scripting it runs on, drops a submission that does not compile.
        using var temp = new TempFolder();
        string dir = temp.Path;
        string path = WriteNotebook(dir, "gone.ipynb", "var a = 1; int b = \"no\";", "var c = a;");
        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(path, dir));
        Assert.Equal(1, e.Cell.Number);
        Assert.Contains("CS0029", e.Message);
    }

    [Fact]
    public async Task A_reference_to_a_missing_assembly_fails()
    {
        using var temp = new TempFolder();
        string dir = temp.Path;
        string path = WriteNotebook(dir, "ref.ipynb", "#r \"../nowhere/missing.dll\"\nvar x = 1;");
        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(path, dir));
        Assert.StartsWith("ref.ipynb, code cell 1", e.Message);
        Assert.Contains("missing.dll", e.Message);
    }

    [Fact]
    public async Task A_relative_reference_resolves_against_the_notebook_folder_and_NotebookDisplay_reaches_the_kernel()
    {
        // As in VS Code or Jupyter, where the kernel starts in the notebook's folder; here the cells run elsewhere.
        using var temp = new TempFolder();
        string root = temp.Path;
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        File.Copy(typeof(NotebookDisplay).Assembly.Location, Path.Combine(root, "lib", "decoding.dll"));
        string path = WriteNotebook(Path.Combine(root, "nb"), "lib.ipynb",
            "#r \"../lib/decoding.dll\"\nusing Decoding.Notebooks;\nNotebookDisplay.Text($\"cwd {Environment.CurrentDirectory}\");");
        string work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
        var run = await NotebookRunner.RunAsync(path, work);
        Assert.Contains(run.Displayed, d => d.MimeType == "text/html" && d.Value.Contains($"cwd {work}", StringComparison.Ordinal));
    }
}
