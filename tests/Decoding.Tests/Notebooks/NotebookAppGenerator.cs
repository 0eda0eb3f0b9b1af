using System.Text;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using DocumentKernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Derives a C# file-based app (.NET 10: `dotnet run --file notebooks/01-preprocess.cs`) from a C# notebook, so each
/// walkthrough also runs without the .NET Interactive kernel. The app is generated, never edited: the notebook is the
/// source, and <see cref="NotebookAppTests"/> fails when a committed app differs from what this makes.
/// </summary>
/// <remarks>
/// Rules, in order:
/// <list type="number">
/// <item>A header comment says where the file comes from and how to regenerate and run it.</item>
/// <item>`#r "dir/bin/.../X.dll"` (a build output of the project in `dir`, which must hold exactly one .csproj) becomes
/// one `#:project dir/Name.csproj` per project; `#r "nuget: Name[, version]"` becomes `#:package Name` (the version comes
/// from Directory.Packages.props, central package management). Any other `#r` is rejected.</item>
/// <item>`#:property PublishAot=false` (file-based apps default to native AOT, whose analyzers would fail the build).</item>
/// <item>Using directives at the start of a line (`using X;`, `using static X;`, `using A = X;`) move to the top of the
/// file, once each, in the order they first appear (a C# file allows them only before statements; scripts anywhere).</item>
/// <item>Every markdown cell becomes `//` comment lines, verbatim.</item>
/// <item>Every code cell follows a `// --- code cell N ---` comment (N counts code cells from 1, as the kernel test's
/// messages do), with the lines left after rules 2 and 4, verbatim and in order: the cells' variables and local functions
/// become the top-level program's.</item>
/// <item>If a cell calls the kernel's `display(...)`, a local function `display(object?, params string[])` printing the
/// value to the console is appended. (The notebooks show plots and tables with the library's `NotebookDisplay`, which
/// prints a line per item when no kernel is loaded.)</item>
/// <item>Kernel magic commands (`#!...`) are rejected: they have no file-based equivalent.</item>
/// </list>
/// A cell ending in a bare expression (shown as the cell's value by the kernel) does not compile in the app; the
/// app-running test reports that as a build failure.
/// </remarks>
public static class NotebookAppGenerator
{
    /// <summary>The environment variable that makes <see cref="NotebookAppTests"/> rewrite the committed apps.</summary>
    public const string UpdateVariable = "UPDATE_NOTEBOOK_APPS";

    public const string RegenerateCommand = UpdateVariable + "=1 dotnet test tests/Decoding.Tests --filter \"FullyQualifiedName~NotebookAppTests\"";

    private static readonly Regex Reference = new(@"^\s*#r\s+""(?<target>[^""]+)""\s*$");
    private static readonly Regex UsingDirective = new(@"^using\s+(static\s+)?(?:[A-Za-z_]\w*\s*=\s*)?[A-Za-z_][\w.]*(?:<[\w.,\s<>]*>)?\s*;\s*(//.*)?$");
    private static readonly Regex Magic = new(@"^\s*#!");
    private static readonly Regex DisplayCall = new(@"(?<![\w.@])display\s*\(");

    /// <summary>The app's text for the notebook at <paramref name="notebookPath"/> (newlines are \n).</summary>
    public static string Generate(string notebookPath)
    {
        string name = Path.GetFileName(notebookPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var kernels = new KernelInfoCollection { new DocumentKernelInfo("csharp", "C#", ["c#", "C#", "cs"]) };
        kernels.DefaultKernelName = "csharp";
        var document = Notebook.Parse(File.ReadAllText(notebookPath), kernels);

        var directives = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        bool usesDisplay = false;
        int codeCell = 0;
        foreach (var element in document.Elements)
        {
            var lines = element.Contents.Replace("\r\n", "\n").Split('\n');
            if (element.KernelName is "markdown" or "md")
            {
                body.Append('\n');
                foreach (var line in TrimBlank(lines)) body.Append(line.Length == 0 ? "//" : "// " + line).Append('\n');
                continue;
            }
            codeCell++;
            string where = $"{name}, code cell {codeCell}";
            if (element.KernelName is not ("csharp" or null))
                throw new NotSupportedException($"{where}: kernel '{element.KernelName}'; only C# cells can become a file-based app");
            var kept = new List<string>();
            foreach (var line in lines)
            {
                if (Reference.Match(line) is { Success: true } reference)
                {
                    AddOnce(directives, Directive(reference.Groups["target"].Value, folder, where));
                    continue;
                }
                if (Magic.IsMatch(line))
                    throw new NotSupportedException($"{where}: magic command '{line.Trim()}' has no file-based app equivalent");
                if (UsingDirective.IsMatch(line))
                {
                    AddOnce(usings, line.TrimEnd());
                    continue;
                }
                if (DisplayCall.IsMatch(line)) usesDisplay = true;
                kept.Add(line.TrimEnd());
            }
            body.Append('\n').Append($"// --- code cell {codeCell} ---").Append('\n');
            foreach (var line in TrimBlank(kept)) body.Append(line).Append('\n');
        }

        var app = new StringBuilder();
        string appName = Path.ChangeExtension(name, ".cs");
        app.Append($"// {appName}: the notebook {name} as a C# file-based app (.NET 10). Generated from the notebook's cells by\n");
        app.Append("// tests/Decoding.Tests/Notebooks/NotebookAppGenerator.cs; do not edit: edit the notebook, then regenerate with\n");
        app.Append($"//   {RegenerateCommand}\n");
        app.Append("// Run it from the folder that should receive its results/ (the repository root, say):\n");
        app.Append($"//   dotnet run --file notebooks/{appName}\n");
        foreach (var directive in directives) app.Append(directive).Append('\n');
        app.Append("#:property PublishAot=false\n");
        app.Append('\n');
        foreach (var u in usings) app.Append(u).Append('\n');
        app.Append(body);
        if (usesDisplay)
        {
            app.Append('\n');
            app.Append("// The notebook calls the kernel's display(...); here it prints the value.\n");
            app.Append("static void display(object? value, params string[] mimeTypes) => Console.WriteLine(value);\n");
        }
        return app.ToString();
    }

    private static string Directive(string target, string notebookFolder, string where)
    {
        if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
        {
            string package = target["nuget:".Length..].Split(',')[0].Trim();
            return $"#:package {package}";
        }
        string normalized = target.Replace('\\', '/');
        int bin = normalized.IndexOf("/bin/", StringComparison.Ordinal);
        if (bin < 0)
            throw new NotSupportedException($"{where}: #r \"{target}\" is not a project's build output (…/bin/…) nor a NuGet package");
        string projectFolder = normalized[..bin];
        string fullFolder = Path.GetFullPath(Path.Combine(notebookFolder, projectFolder));
        var projects = Directory.Exists(fullFolder) ? Directory.GetFiles(fullFolder, "*.csproj") : [];
        if (projects.Length != 1)
            throw new NotSupportedException($"{where}: #r \"{target}\": {fullFolder} holds {projects.Length} .csproj files, not one");
        return $"#:project {projectFolder}/{Path.GetFileName(projects[0])}";
    }

    private static void AddOnce(List<string> list, string item)
    {
        if (!list.Contains(item, StringComparer.Ordinal)) list.Add(item);
    }

    private static IEnumerable<string> TrimBlank(IReadOnlyList<string> lines)
    {
        int start = 0, end = lines.Count;
        while (start < end && lines[start].Trim().Length == 0) start++;
        while (end > start && lines[end - 1].Trim().Length == 0) end--;
        for (int i = start; i < end; i++) yield return lines[i].TrimEnd();
    }
}
