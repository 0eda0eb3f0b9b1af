using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using DocumentKernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Runs a C# notebook in the real .NET Interactive kernel: the .ipynb is parsed with
/// Microsoft.DotNet.Interactive.Documents and its code cells are submitted in order to one
/// <see cref="CSharpKernel"/> (with the kernel helpers, so `display(...)` works as in VS Code or Jupyter).
/// A cell that fails to compile or throws stops the run with a <see cref="NotebookCellFailedException"/>
/// naming the notebook and the cell and carrying the kernel's error text.
/// </summary>
/// <remarks>
/// The kernel runs in the test process, so the cells run with the process's current directory, which
/// <see cref="RunAsync"/> sets to the working directory it is given (callers are in <see cref="NotebookCollection"/>).
/// A kernel that VS Code or Jupyter starts has the notebook's folder as its current directory, so the notebooks
/// write `#r "../src/..."`; the runner makes such relative `#r` paths absolute against the notebook's folder before
/// submitting the cell (the kernel itself resolves them against the current directory). Nothing else is changed.
/// </remarks>
public static class NotebookRunner
{
    private static readonly Regex RelativeReference = new(@"^(?<lead>\s*#r\s+"")(?<path>(?!nuget:)[^""]+)(?<tail>""\s*)$", RegexOptions.Multiline);

    /// <summary>A code cell: <paramref name="Number"/> counts code cells from 1 in document order (markdown cells are not counted).</summary>
    public sealed record CodeCell(int Number, string Kernel, string Source)
    {
        public string FirstLine => Source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        public string Describe(string notebook) => $"{notebook}, code cell {Number} (\"{Shorten(FirstLine, 80)}\")";
    }

    /// <summary>What one cell produced: displayed values (MIME type and formatted text), standard output, time.</summary>
    public sealed record CellRun(CodeCell Cell, IReadOnlyList<(string MimeType, string Value)> Displayed, string StandardOutput, TimeSpan Elapsed);

    /// <summary>What a notebook run produced, cell by cell.</summary>
    public sealed record NotebookRun(string Notebook, IReadOnlyList<CellRun> Cells)
    {
        public TimeSpan Elapsed => Cells.Aggregate(TimeSpan.Zero, (t, c) => t + c.Elapsed);
        public IEnumerable<(string MimeType, string Value)> Displayed => Cells.SelectMany(c => c.Displayed);
        /// <summary>PNG images shown (NotebookDisplay shows them as HTML with a data: URI; display(...) of PNG bytes as image/png).</summary>
        public int Images => Displayed.Count(d => d.MimeType == "image/png" || d.Value.Contains("data:image/png;base64,", StringComparison.Ordinal));
    }

    /// <summary>The notebook's code cells, as .NET Interactive's document parser reads them.</summary>
    public static IReadOnlyList<CodeCell> CodeCells(string notebookPath)
    {
        var kernels = new KernelInfoCollection { new DocumentKernelInfo("csharp", "C#", ["c#", "C#", "cs"]) };
        kernels.DefaultKernelName = "csharp";
        InteractiveDocument document = Notebook.Parse(File.ReadAllText(notebookPath), kernels);
        var cells = new List<CodeCell>();
        foreach (var element in document.Elements)
        {
            if (element.KernelName is "markdown" or "md") continue;
            cells.Add(new CodeCell(cells.Count + 1, element.KernelName ?? "csharp", element.Contents.Replace("\r\n", "\n")));
        }
        return cells;
    }

    /// <summary>
    /// Runs every code cell of the notebook in order in a new C# kernel, with <paramref name="workingDirectory"/> as the
    /// current directory. Throws <see cref="NotebookCellFailedException"/> at the first cell that fails.
    /// </summary>
    public static async Task<NotebookRun> RunAsync(string notebookPath, string workingDirectory, TimeSpan? cellTimeout = null)
    {
        string name = Path.GetFileName(notebookPath);
        string notebookFolder = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var cells = CodeCells(notebookPath);
        var runs = new List<CellRun>();
        string previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workingDirectory;
        using var kernel = new CSharpKernel().UseKernelHelpers();
        try
        {
            foreach (var cell in cells)
            {
                if (cell.Kernel != "csharp")
                    throw new NotebookCellFailedException(name, cell, $"the cell is for kernel '{cell.Kernel}'; only C# cells are run");
                string code = RelativeReference.Replace(cell.Source, m => Path.IsPathRooted(m.Groups["path"].Value)
                    ? m.Value
                    : m.Groups["lead"].Value + Path.GetFullPath(Path.Combine(notebookFolder, m.Groups["path"].Value)) + m.Groups["tail"].Value);

                var clock = Stopwatch.StartNew();
                var submission = kernel.SendAsync(new SubmitCode(code));
                // The kernel cannot stop a running cell; a timeout only stops waiting for it, so the test fails instead of hanging.
                var timeout = cellTimeout ?? TimeSpan.FromMinutes(10);
                if (await Task.WhenAny(submission, Task.Delay(timeout)) != submission)
                    throw new NotebookCellFailedException(name, cell, $"no result after {timeout.TotalSeconds:F0} s");
                KernelCommandResult result = await submission;
                clock.Stop();

                var events = result.Events;
                if (events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
                {
                    string errors = string.Join("\n", events.OfType<ErrorProduced>().Select(e => e.Message).Where(m => !string.IsNullOrWhiteSpace(m) && m != failed.Message));
                    throw new NotebookCellFailedException(name, cell, failed.Message + (errors.Length > 0 ? "\n" + errors : ""), failed.Exception);
                }
                if (!events.OfType<CommandSucceeded>().Any())
                    throw new NotebookCellFailedException(name, cell, "the kernel reported neither success nor failure: " + string.Join(", ", events.Select(e => e.GetType().Name)));

                var displayed = events.OfType<DisplayEvent>()
                    .Where(e => e is DisplayedValueProduced or DisplayedValueUpdated or ReturnValueProduced)
                    .SelectMany(e => e.FormattedValues.Take(1).Select(f => (f.MimeType, f.Value)))
                    .ToList();
                string stdout = string.Concat(events.OfType<StandardOutputValueProduced>().SelectMany(e => e.FormattedValues.Take(1).Select(f => f.Value)));
                runs.Add(new CellRun(cell, displayed, stdout, clock.Elapsed));
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
        return new NotebookRun(name, runs);
    }

    internal static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";
}

/// <summary>A notebook cell failed in the kernel: names the notebook and the code cell, with the kernel's error text.</summary>
public sealed class NotebookCellFailedException(string notebook, NotebookRunner.CodeCell cell, string error, Exception? inner = null)
    : Exception($"{cell.Describe(notebook)} failed: {Trim(error)}", inner)
{
    public string Notebook { get; } = notebook;
    public NotebookRunner.CodeCell Cell { get; } = cell;

    // The kernel's message for an exception carries the whole stack trace; the first lines say what happened.
    private static string Trim(string error)
    {
        var lines = error.Replace("\r\n", "\n").Trim().Split('\n');
        return lines.Length <= 20 ? string.Join("\n", lines) : string.Join("\n", lines.Take(20)) + $"\n... ({lines.Length - 20} more lines)";
    }
}
